using System.Globalization;
using FirmwareSim.Payloads;

namespace FirmwareSim.Faults;

/// <summary>
/// Which faults to inject and how often. Rates are probabilities per message (MQTT), per frame
/// (serial checksum and garbage) or per byte (line noise), except <see cref="SlowDevices"/>, the
/// fraction of devices that are slow. All decisions come from each device's own seeded stream.
/// </summary>
public sealed record FaultSettings
{
    /// <summary>No faults.</summary>
    public static FaultSettings None { get; } = new();

    /// <summary>Probability that a message's payload is malformed.</summary>
    public double Malformed { get; init; }

    /// <summary>Probability that a message is sent twice.</summary>
    public double Duplicate { get; init; }

    /// <summary>Probability that a message is held back and sent after the device's next one.</summary>
    public double OutOfOrder { get; init; }

    /// <summary>Probability that a message carries a time in the future.</summary>
    public double FutureTimestamp { get; init; }

    /// <summary>How far ahead a future timestamp is.</summary>
    public TimeSpan FutureSkew { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Probability that a message starts a burst.</summary>
    public double Burst { get; init; }

    /// <summary>Messages in a burst, the scheduled one included.</summary>
    public int BurstSize { get; init; } = 10;

    /// <summary>Probability that the connection drops (no DISCONNECT) right after a message.</summary>
    public double Disconnect { get; init; }

    /// <summary>How long a dropped connection stays away before it reconnects.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Fraction of the devices that are slow.</summary>
    public double SlowDevices { get; init; }

    /// <summary>How late a slow device sends each sample.</summary>
    public TimeSpan SlowDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Probability that a device changes its firmware version before a message.</summary>
    public double FirmwareChange { get; init; }

    /// <summary>Serial: probability that a frame's checksum (CRC) is wrong.</summary>
    public double BadChecksum { get; init; }

    /// <summary>Serial: probability that random bytes (1 to 16) precede a frame.</summary>
    public double Garbage { get; init; }

    /// <summary>Serial: probability that a byte on the line has one bit flipped.</summary>
    public double LineNoise { get; init; }

    /// <summary>True when any MQTT fault can happen.</summary>
    public bool AnyMessageFault =>
        Malformed > 0 || Duplicate > 0 || OutOfOrder > 0 || FutureTimestamp > 0 || Burst > 0 || Disconnect > 0 || FirmwareChange > 0;

    /// <summary>The names <see cref="With"/> accepts.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "malformed", "duplicate", "out-of-order", "future-timestamp", "future-skew", "burst", "burst-size", "disconnect",
        "reconnect-delay", "slow-devices", "slow-delay", "firmware-change", "bad-checksum", "garbage", "line-noise",
    ];

    /// <summary>
    /// Returns a copy with one setting changed, by its kebab-case name (as in <c>--faults
    /// malformed=0.01,burst-size=20</c>); rates must be 0 to 1, sizes whole numbers, delays durations.
    /// </summary>
    /// <exception cref="FormatException">Unknown name or bad value; the message says which.</exception>
    public FaultSettings With(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            "malformed" => this with { Malformed = Rate(name, value) },
            "duplicate" => this with { Duplicate = Rate(name, value) },
            "out-of-order" => this with { OutOfOrder = Rate(name, value) },
            "future-timestamp" => this with { FutureTimestamp = Rate(name, value) },
            "future-skew" => this with { FutureSkew = Duration(name, value) },
            "burst" => this with { Burst = Rate(name, value) },
            "burst-size" => this with { BurstSize = Size(name, value) },
            "disconnect" => this with { Disconnect = Rate(name, value) },
            "reconnect-delay" => this with { ReconnectDelay = Duration(name, value) },
            "slow-devices" => this with { SlowDevices = Rate(name, value) },
            "slow-delay" => this with { SlowDelay = Duration(name, value) },
            "firmware-change" => this with { FirmwareChange = Rate(name, value) },
            "bad-checksum" => this with { BadChecksum = Rate(name, value) },
            "garbage" => this with { Garbage = Rate(name, value) },
            "line-noise" => this with { LineNoise = Rate(name, value) },
            _ => throw new FormatException($"unknown fault '{name}' (known: {string.Join(", ", Keys)})"),
        };
    }

    private static double Rate(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1
            ? rate
            : throw new FormatException($"fault '{name}': '{value}' is not a rate from 0 to 1");

    private static int Size(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) && size is >= 2 and <= 10_000
            ? size
            : throw new FormatException($"fault '{name}': '{value}' is not a whole number from 2 to 10000");

    private static TimeSpan Duration(string name, string value) =>
        Durations.TryParse(value, out var duration)
            ? duration
            : throw new FormatException($"fault '{name}': '{value}' is not a duration (500ms, 2s, 1h...)");
}
