using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;
using EdgeGateway.Domain;

namespace EdgeGateway.Sources.Serial.Modbus;

/// <summary><c>Serial:Ports:N:Modbus</c>: what the gateway polls as Modbus RTU master, and how often.</summary>
public sealed class ModbusOptions
{
    /// <summary>Time between the starts of two polls of all registers.</summary>
    [DurationRange("100ms", "1d")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait for a slave's answer.</summary>
    [DurationRange("10ms", "10s")]
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The registers, one reading each per poll.</summary>
    [MinLength(1)]
    public List<ModbusRegisterOptions> Registers { get; set; } = [];
}

/// <summary>One value held in one or two registers of one slave.</summary>
public sealed class ModbusRegisterOptions : IValidatableObject
{
    /// <summary>The slave address (unit id), 1 to 247.</summary>
    [Range(1, 247)]
    public int UnitId { get; set; } = 1;

    /// <summary>The device (the meter, the weather station) the reading belongs to.</summary>
    [Required]
    public string DeviceId { get; set; } = string.Empty;

    /// <summary>3 (read holding registers) or 4 (read input registers).</summary>
    [Range(3, 4)]
    public int Function { get; set; } = 3;

    /// <summary>The (first) register address, 0-based as on the wire.</summary>
    [Range(0, 65535)]
    public int Address { get; set; }

    /// <summary>How the register(s) hold the value.</summary>
    public ModbusValueType Type { get; set; } = ModbusValueType.Uint16;

    /// <summary>For 32-bit values: which register holds the high word.</summary>
    public ModbusWordOrder WordOrder { get; set; } = ModbusWordOrder.HighFirst;

    /// <summary>The metric name.</summary>
    [Required]
    [MaxLength(Reading.MaxMetricLength)]
    public string Metric { get; set; } = string.Empty;

    /// <summary>The unit after scaling.</summary>
    [MaxLength(32)]
    public string? Unit { get; set; }

    /// <summary>Engineering value = raw × Scale + Offset.</summary>
    public double Scale { get; set; } = 1;

    /// <summary>Added after scaling.</summary>
    public double Offset { get; set; }

    /// <summary>Registers the value takes (1 or 2).</summary>
    public int RegisterCount => Type is ModbusValueType.Uint16 or ModbusValueType.Int16 ? 1 : 2;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Domain.DeviceId.IsValid(DeviceId, out var problem))
        {
            yield return new ValidationResult(problem, [nameof(DeviceId)]);
        }

        if (Address + RegisterCount > 65536)
        {
            yield return new ValidationResult($"a {Type} at {Address} runs past register 65535", [nameof(Address)]);
        }
    }
}

/// <summary>How registers hold a value.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
#pragma warning disable CA1720 // The names are the configuration's spelling (uint16, float32), as in Modbus tools and meter manuals.
public enum ModbusValueType
{
    /// <summary>One register, 0 to 65535.</summary>
    Uint16,

    /// <summary>One register, two's complement.</summary>
    Int16,

    /// <summary>Two registers, unsigned.</summary>
    Uint32,

    /// <summary>Two registers, two's complement.</summary>
    Int32,

    /// <summary>Two registers, IEEE 754 single precision.</summary>
    Float32,
}
#pragma warning restore CA1720

/// <summary>Register order of a 32-bit value.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum ModbusWordOrder
{
    /// <summary>The first register holds the high word (the Modbus convention).</summary>
    HighFirst,

    /// <summary>The first register holds the low word (many energy meters).</summary>
    LowFirst,
}
