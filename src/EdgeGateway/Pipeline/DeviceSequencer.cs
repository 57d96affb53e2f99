using System.Collections.Concurrent;
using EdgeGateway.Domain;

namespace EdgeGateway.Pipeline;

/// <summary>
/// Per-device sequence numbers for devices that send no counter of their own. Seeded from the
/// receive time (microseconds since the epoch) and then strictly increasing, so numbers keep
/// increasing across gateway restarts without any state on disk, as long as the clock does not run
/// backwards by more than the gap between restarts.
/// </summary>
public sealed class DeviceSequencer
{
    private readonly ConcurrentDictionary<DeviceId, long> _last = new();

    /// <summary>The next number for <paramref name="deviceId"/>.</summary>
    public long Next(DeviceId deviceId, DateTimeOffset receivedAt)
    {
        var floor = receivedAt.ToUnixTimeMilliseconds() * 1000;
        return _last.AddOrUpdate(deviceId, floor, (_, last) => Math.Max(last + 1, floor));
    }
}
