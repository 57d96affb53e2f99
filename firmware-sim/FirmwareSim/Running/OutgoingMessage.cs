using FirmwareSim.Faults;

namespace FirmwareSim.Running;

/// <summary>What a message carries.</summary>
public enum OutgoingKind
{
    /// <summary>Readings of one sample.</summary>
    Reading,

    /// <summary>A retained status message (firmware change, command acknowledgement).</summary>
    Status,
}

/// <summary>One message on its way to a transport, with what the ledger needs once it is sent.</summary>
public sealed class OutgoingMessage
{
    /// <summary>The device that sends it.</summary>
    public required FleetDevice Device { get; init; }

    /// <summary>Readings or status.</summary>
    public required OutgoingKind Kind { get; init; }

    /// <summary>The MQTT topic.</summary>
    public required string Topic { get; init; }

    /// <summary>The encoded payload.</summary>
    public required byte[] Payload { get; init; }

    /// <summary>Whether the broker should retain it.</summary>
    public bool Retain { get; init; }

    /// <summary>The device's message counter.</summary>
    public long Sequence { get; init; }

    /// <summary>When the sample was taken (true time); the payload carries the device's clock instead.</summary>
    public DateTimeOffset SampleTime { get; init; }

    /// <summary>The event time in the payload (the device's clock, shifted by a future-timestamp fault).</summary>
    public DateTimeOffset EventTime { get; init; }

    /// <summary>The values, one per metric of the device's model; empty for status messages.</summary>
    public IReadOnlyList<double> Values { get; init; } = [];

    /// <summary>True when its readings go to the ledger once sent (not for duplicates, malformed or status messages).</summary>
    public bool Ledgered { get; init; }

    /// <summary>The faults that shaped it (named in its ledger lines).</summary>
    public IReadOnlyList<FaultKind> Faults { get; init; } = [];

    /// <summary>Drop the connection (no DISCONNECT) right after sending this message.</summary>
    public bool AbortConnectionAfter { get; set; }

    /// <summary>Readings it carries on the wire.</summary>
    public int Readings => Values.Count;
}
