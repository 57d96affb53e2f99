using System.Collections.Concurrent;
using EdgeGateway.Domain;

namespace EdgeGateway.Pipeline;

/// <summary>Where a device's readings last came from.</summary>
/// <param name="SourceKind">The transport.</param>
/// <param name="SourceName">The configured source.</param>
/// <param name="Channel">The MQTT topic, serial device or GPIO line.</param>
/// <param name="ReceivedAt">When (the gateway's clock).</param>
public sealed record DeviceOrigin(SourceKind SourceKind, string SourceName, string Channel, DateTimeOffset ReceivedAt);

/// <summary>
/// The source, channel and time of each device's last accepted reading since the gateway started:
/// how a command finds its way back to a device (an MQTT device's command topic sits under the topic
/// it publishes on). In memory only; at most <see cref="Capacity"/> devices are tracked.
/// </summary>
public sealed class DeviceOrigins
{
    /// <summary>The most devices tracked; later newcomers are not (a flood of made-up ids must not grow memory).</summary>
    public const int Capacity = 100_000;

    private readonly ConcurrentDictionary<DeviceId, DeviceOrigin> _origins = new();

    /// <summary>The devices tracked.</summary>
    public int Count => _origins.Count;

    /// <summary>Where <paramref name="deviceId"/>'s last reading came from, or null when none came since the start.</summary>
    public DeviceOrigin? Find(DeviceId deviceId) => _origins.GetValueOrDefault(deviceId);

    /// <summary>Records that <paramref name="message"/> carried an accepted reading of <paramref name="deviceId"/>.</summary>
    public void Seen(DeviceId deviceId, RawMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);

        // Runs per reading: the common case (same place as last time) only reads. The time kept is then
        // that of the first message from this place, which is all a command needs.
        if (_origins.TryGetValue(deviceId, out var known)
            && known.SourceKind == message.SourceKind
            && string.Equals(known.Channel, message.Channel, StringComparison.Ordinal)
            && string.Equals(known.SourceName, message.SourceName, StringComparison.Ordinal))
        {
            return;
        }

        if (known is null && _origins.Count >= Capacity)
        {
            return;
        }

        _origins[deviceId] = new DeviceOrigin(message.SourceKind, message.SourceName, message.Channel, message.ReceivedAt);
    }
}
