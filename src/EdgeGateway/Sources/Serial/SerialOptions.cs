using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using EdgeGateway.Hardware.Serial;
using EdgeGateway.Sources.Serial.Modbus;

namespace EdgeGateway.Sources.Serial;

/// <summary>Section <c>Serial</c>: the serial ports the gateway reads (UART sensors, GNSS, Modbus RTU).</summary>
public sealed class SerialOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Serial";

    /// <summary>The ports; each gets its own reader, and a failing one never stops the others.</summary>
    public List<SerialPortOptions> Ports { get; set; } = [];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Names identify ports in logs, counters, dead letters and the source tools (serial:NAME).
        for (var i = 0; i < Ports.Count; i++)
        {
            var first = Ports.FindIndex(p => string.Equals(p.EffectiveName, Ports[i].EffectiveName, StringComparison.Ordinal));
            if (first < i)
            {
                yield return new ValidationResult($"'{Ports[i].EffectiveName}' is the name of Ports:{first} too; give each port its own Name", [$"{nameof(Ports)}:{i}:{nameof(SerialPortOptions.Name)}"]);
            }
        }
    }
}

/// <summary>One serial port: the device, the line settings, the protocol and who is on it.</summary>
public sealed class SerialPortOptions : IValidatableObject
{
    /// <summary>The device path, preferably stable (<c>/dev/serial/by-id/…</c>, a udev symlink) so a re-plugged adapter comes back under it.</summary>
    [Required]
    public string Path { get; set; } = string.Empty;

    /// <summary>The source name in logs and dead letters; defaults to the file name of <see cref="Path"/>.</summary>
    [MaxLength(64)]
    public string? Name { get; set; }

    /// <summary>False: kept in the configuration but not opened (<c>pause_source</c>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Bits per second (a standard rate).</summary>
    public int Baud { get; set; } = 9600;

    /// <summary>Data bits, 5 to 8.</summary>
    [Range(5, 8)]
    public int DataBits { get; set; } = 8;

    /// <summary><c>none</c>, <c>even</c> or <c>odd</c>.</summary>
    public SerialParity Parity { get; set; } = SerialParity.None;

    /// <summary>Stop bits, 1 or 2.</summary>
    [Range(1, 2)]
    public int StopBits { get; set; } = 1;

    /// <summary>What the device speaks.</summary>
    public SerialProtocol Protocol { get; set; } = SerialProtocol.Lines;

    /// <summary>The device the readings belong to (for Modbus, each register names its own).</summary>
    public string? DeviceId { get; set; }

    /// <summary>For <c>Protocol: lines</c>: how each line is decoded (<c>csv</c> or <c>json</c>).</summary>
    public LineFormat LineFormat { get; set; } = LineFormat.Csv;

    /// <summary>For <c>LineFormat: csv</c>: the column mapping.</summary>
    public CsvOptions? Csv { get; set; }

    /// <summary>For <c>LineFormat: json</c>: the field mapping, as for MQTT JSON.</summary>
    public JsonDecoderOptions? Json { get; set; }

    /// <summary>For <c>Protocol: modbus-rtu</c>: the registers to poll.</summary>
    public ModbusOptions? Modbus { get; set; }

    /// <summary>The longest text line accepted (lines, NMEA).</summary>
    [Range(16, 65536)]
    public int MaxLineLength { get; set; } = 1024;

    /// <summary>The first wait before reopening a port that failed or disappeared; doubles up to <see cref="ReconnectMaxDelay"/>.</summary>
    [DurationRange("10ms", "1m")]
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts to reopen the port.</summary>
    [DurationRange("10ms", "1h")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The name used in logs, dead letters and counters.</summary>
    public string EffectiveName => string.IsNullOrWhiteSpace(Name) ? System.IO.Path.GetFileName(Path) : Name;

    /// <summary>The line settings for the port.</summary>
    public SerialPortSettings Settings => new()
    {
        Baud = Baud,
        DataBits = DataBits,
        Parity = Parity,
        StopBits = StopBits == 2 ? SerialStopBits.Two : SerialStopBits.One,
    };

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!SerialPortSettings.IsStandardBaud(Baud))
        {
            yield return new ValidationResult($"{Baud} is not a standard rate (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200 …)", [nameof(Baud)]);
        }

        if (DeviceId is not null && !Domain.DeviceId.IsValid(DeviceId, out var problem))
        {
            yield return new ValidationResult(problem, [nameof(DeviceId)]);
        }

        var needsDeviceId = Protocol switch
        {
            SerialProtocol.ModbusRtu => false,
            SerialProtocol.Lines when LineFormat == LineFormat.Csv => Csv?.DeviceIdColumn is null,
            SerialProtocol.Lines => string.IsNullOrEmpty(Json?.DeviceIdField),
            _ => true,
        };
        if (needsDeviceId && string.IsNullOrEmpty(DeviceId))
        {
            yield return new ValidationResult("is required: the device the port's readings belong to", [nameof(DeviceId)]);
        }

        if (Protocol == SerialProtocol.Lines && LineFormat == LineFormat.Csv && Csv is null)
        {
            yield return new ValidationResult("is required with Protocol: lines and LineFormat: csv (the Columns to take)", [nameof(Csv)]);
        }

        if (Protocol == SerialProtocol.Lines && LineFormat == LineFormat.Json && Json is null)
        {
            yield return new ValidationResult("is required with Protocol: lines and LineFormat: json", [nameof(Json)]);
        }

        if (Protocol == SerialProtocol.ModbusRtu && Modbus is null)
        {
            yield return new ValidationResult("is required with Protocol: modbus-rtu (the Registers to poll)", [nameof(Modbus)]);
        }

        if (Protocol != SerialProtocol.ModbusRtu && Modbus is not null)
        {
            yield return new ValidationResult("only applies with Protocol: modbus-rtu", [nameof(Modbus)]);
        }

        if (ReconnectMaxDelay < ReconnectDelay)
        {
            yield return new ValidationResult("must not be shorter than ReconnectDelay", [nameof(ReconnectMaxDelay)]);
        }
    }

    /// <summary>The decoder for the port's frames (not used for Modbus, whose readings are made by the poller).</summary>
    internal IPayloadDecoder CreateDecoder()
    {
        DeviceId? device = string.IsNullOrEmpty(DeviceId) ? null : new DeviceId(DeviceId);
        return Protocol switch
        {
            SerialProtocol.Pms5003 => new Pms5003Decoder(device!.Value),
            SerialProtocol.Sds011 => new Sds011Decoder(device!.Value),
            SerialProtocol.Nmea => new NmeaDecoder(device!.Value),
            SerialProtocol.Lines when LineFormat == LineFormat.Json =>
                new FixedDeviceDecoder(PayloadDecoders.Create(new DecoderOptions { Kind = DecoderKind.Json, Json = Json }), device),
            SerialProtocol.Lines => new CsvLineDecoder(device, Csv!),
            _ => throw new InvalidOperationException($"Protocol {Protocol} has no frame decoder."),
        };
    }

    /// <summary>The framer for the port's byte stream.</summary>
    internal ISerialFramer CreateFramer() => Protocol switch
    {
        SerialProtocol.Pms5003 => new Pms5003Framer(),
        SerialProtocol.Sds011 => new Sds011Framer(),
        _ => new LineFramer(MaxLineLength),
    };
}

/// <summary>What a serial device speaks.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum SerialProtocol
{
    /// <summary>Text lines (CSV or JSON), see <see cref="SerialPortOptions.LineFormat"/>.</summary>
    Lines,

    /// <summary>NMEA 0183 from a GNSS receiver (GGA, RMC).</summary>
    Nmea,

    /// <summary>Plantower PMS5003/PMS7003 particulate sensor.</summary>
    Pms5003,

    /// <summary>Nova Fitness SDS011 particulate sensor.</summary>
    Sds011,

    /// <summary>Modbus RTU: the gateway polls registers as master.</summary>
    ModbusRtu,
}

/// <summary>How text lines are decoded.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum LineFormat
{
    /// <summary>Comma (or other) separated values with a column mapping.</summary>
    Csv,

    /// <summary>One JSON object per line, with a field mapping.</summary>
    Json,
}

/// <summary>A CSV column mapping.</summary>
public sealed class CsvOptions
{
    /// <summary>The separator character.</summary>
    public char Separator { get; set; } = ',';

    /// <summary>The column (0-based) that names the device, if lines carry it.</summary>
    [Range(0, 1000)]
    public int? DeviceIdColumn { get; set; }

    /// <summary>The columns to take.</summary>
    [MinLength(1)]
    public List<CsvColumn> Columns { get; set; } = [];
}

/// <summary>One CSV column → one metric.</summary>
public sealed class CsvColumn
{
    /// <summary>The column, 0-based.</summary>
    [Range(0, 1000)]
    public int Index { get; set; }

    /// <summary>The metric name.</summary>
    [Required]
    [MaxLength(Reading.MaxMetricLength)]
    public string Metric { get; set; } = string.Empty;

    /// <summary>The unit, if known.</summary>
    [MaxLength(32)]
    public string? Unit { get; set; }

    /// <summary>Multiplied with the value.</summary>
    public double Scale { get; set; } = 1;

    /// <summary>Added after scaling.</summary>
    public double Offset { get; set; }
}
