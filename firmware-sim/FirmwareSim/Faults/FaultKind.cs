namespace FirmwareSim.Faults;

/// <summary>The faults the simulator can inject, counted in the run summary.</summary>
public enum FaultKind
{
    /// <summary>A payload that is not valid JSON/SenML (truncated, a byte that is not UTF-8, a bare NaN).</summary>
    Malformed,

    /// <summary>A message sent twice (same sequence number, same payload).</summary>
    Duplicate,

    /// <summary>A message held back and sent after the device's next one.</summary>
    OutOfOrder,

    /// <summary>A message whose event time is ahead of true time by the configured skew.</summary>
    FutureTimestamp,

    /// <summary>A burst: several samples sent back to back (1 ms apart), above the paced rate.</summary>
    Burst,

    /// <summary>The device's connection dropped without DISCONNECT (its will fires), then reconnected.</summary>
    Disconnect,

    /// <summary>A message from a slow device: sent late, after its sampling time plus the configured delay.</summary>
    SlowDevice,

    /// <summary>The device changed its firmware version (published in its status message).</summary>
    FirmwareChange,

    /// <summary>Serial: a frame or sentence with a wrong checksum or CRC.</summary>
    BadChecksum,

    /// <summary>Serial: random bytes between frames.</summary>
    Garbage,

    /// <summary>Serial: a bit flipped on the line.</summary>
    LineNoise,
}

/// <summary>Names of fault kinds as written in scenario files, the <c>--faults</c> option and ledgers.</summary>
public static class FaultNames
{
    /// <summary>The kebab-case name (<c>future-timestamp</c>).</summary>
    public static string Name(FaultKind kind) => kind switch
    {
        FaultKind.Malformed => "malformed",
        FaultKind.Duplicate => "duplicate",
        FaultKind.OutOfOrder => "out-of-order",
        FaultKind.FutureTimestamp => "future-timestamp",
        FaultKind.Burst => "burst",
        FaultKind.Disconnect => "disconnect",
        FaultKind.SlowDevice => "slow-device",
        FaultKind.FirmwareChange => "firmware-change",
        FaultKind.BadChecksum => "bad-checksum",
        FaultKind.Garbage => "garbage",
        FaultKind.LineNoise => "line-noise",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown fault."),
    };
}
