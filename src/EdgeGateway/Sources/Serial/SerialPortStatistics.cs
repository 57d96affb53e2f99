using System.Collections.Concurrent;

namespace EdgeGateway.Sources.Serial;

/// <summary>Counters of one serial port (thread-safe): frames, bad frames by cause, reconnects.</summary>
public sealed class SerialPortStatistics
{
    private readonly ConcurrentDictionary<string, long> _badFrames = new(StringComparer.Ordinal);
    private long _frames;
    private long _ignored;
    private long _reconnects;

    /// <summary>The port's name.</summary>
    public required string Name { get; init; }

    /// <summary>Frames (or Modbus responses) that became readings.</summary>
    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Well-formed input deliberately not read (e.g. NMEA sentences other than GGA and RMC).</summary>
    public long Ignored => Interlocked.Read(ref _ignored);

    /// <summary>Times the port was reopened after it failed or disappeared.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Whether the port is open now.</summary>
    public bool IsOpen { get; internal set; }

    /// <summary>Bad frames (dead-lettered) by cause, e.g. <c>garbage</c>, <c>checksum-mismatch</c>, <c>response-timeout</c>.</summary>
    public IReadOnlyDictionary<string, long> BadFrames => _badFrames;

    /// <summary>Bad frames of every cause.</summary>
    public long BadFrameTotal => _badFrames.Values.Sum();

    internal void CountFrame() => Interlocked.Increment(ref _frames);

    internal void CountIgnored() => Interlocked.Increment(ref _ignored);

    internal void CountReconnect() => Interlocked.Increment(ref _reconnects);

    internal void CountBad(string cause) => _badFrames.AddOrUpdate(cause, 1, static (_, count) => count + 1);
}
