using FirmwareSim.Devices;

namespace FirmwareSim.Serial;

/// <summary>What a simulated serial device speaks.</summary>
public enum SerialProtocol
{
    /// <summary>Plantower PMS5003 particulate sensor: 32-byte frames, active mode.</summary>
    Pms5003,

    /// <summary>Nova SDS011 particulate sensor: 10-byte frames.</summary>
    Sds011,

    /// <summary>A GPS receiver: NMEA 0183 GGA and RMC sentences.</summary>
    Nmea,

    /// <summary>Comma-separated lines: device, time, then the model's metrics.</summary>
    Csv,

    /// <summary>JSON lines: one reading object per line.</summary>
    JsonLines,

    /// <summary>A weather station answering as a Modbus RTU slave (functions 03 and 04).</summary>
    ModbusRtu,
}

/// <summary>One pseudo-terminal the simulator creates and the device it plays on it.</summary>
public sealed record SerialPortSettings
{
    /// <summary>The protocol.</summary>
    public required SerialProtocol Protocol { get; init; }

    /// <summary>A name for the port (paths file, summary); null: the protocol's name and a number.</summary>
    public string? Name { get; init; }

    /// <summary>Time between frames or lines (Modbus: time between register updates).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Modbus slave address (1 to 247).</summary>
    public byte SlaveId { get; init; } = 1;

    /// <summary>The device id in CSV and JSON lines (and the seed of its signal); null: the port's name.</summary>
    public string? DeviceId { get; init; }

    /// <summary>
    /// What CSV and JSON lines measure; null: weather for CSV, air quality for JSON lines. (PMS5003 and
    /// SDS011 are air quality, Modbus a weather station, NMEA a GPS.)
    /// </summary>
    public DeviceModel? Model { get; init; }

    /// <summary>The model whose signal feeds the port.</summary>
    public DeviceModel EffectiveModel => Protocol switch
    {
        SerialProtocol.Pms5003 or SerialProtocol.Sds011 => DeviceModel.AirQuality,
        SerialProtocol.ModbusRtu or SerialProtocol.Nmea => DeviceModel.Weather,
        SerialProtocol.Csv => Model ?? DeviceModel.Weather,
        _ => Model ?? DeviceModel.AirQuality,
    };
}

/// <summary>Names of serial protocols as written on the command line and in scenario files.</summary>
public static class SerialProtocols
{
    private static readonly (SerialProtocol Protocol, string Name)[] Names =
    [
        (SerialProtocol.Pms5003, "pms5003"), (SerialProtocol.Sds011, "sds011"), (SerialProtocol.Nmea, "nmea"),
        (SerialProtocol.Csv, "csv"), (SerialProtocol.JsonLines, "jsonl"), (SerialProtocol.ModbusRtu, "modbus"),
    ];

    /// <summary>The accepted names, for error messages.</summary>
    public static string NameList => string.Join(", ", Names.Select(n => n.Name));

    /// <summary>The name of <paramref name="protocol"/>.</summary>
    public static string Name(SerialProtocol protocol) => Names.First(n => n.Protocol == protocol).Name;

    /// <summary>Parses a name (case-insensitive).</summary>
    public static bool TryParse(string? name, out SerialProtocol protocol)
    {
        foreach (var (candidate, text) in Names)
        {
            if (string.Equals(text, name, StringComparison.OrdinalIgnoreCase))
            {
                protocol = candidate;
                return true;
            }
        }

        protocol = default;
        return false;
    }
}
