using FirmwareSim.Devices;

namespace FirmwareSim.Running;

/// <summary>
/// The MQTT topics of the fleet, under a prefix (default <c>city</c>):
/// <list type="bullet">
/// <item><c>{prefix}/{district}/{model}/{deviceId}</c>: readings.</item>
/// <item><c>{prefix}/{district}/{model}/{deviceId}/status</c>: retained status (birth, will, offline, firmware, interval).</item>
/// <item><c>{prefix}/{district}/{model}/{deviceId}/cmd</c>: commands the device obeys.</item>
/// <item><c>firmware-sim/{clientId}/status</c>: retained status of a shared connection (its birth and will).</item>
/// </list>
/// </summary>
public sealed class TopicScheme
{
    /// <summary>The default prefix.</summary>
    public const string DefaultPrefix = "city";

    /// <summary>Creates the scheme.</summary>
    /// <exception cref="ArgumentException">The prefix is empty or holds <c>+</c>, <c>#</c> or a NUL.</exception>
    public TopicScheme(string prefix = DefaultPrefix)
    {
        if (string.IsNullOrEmpty(prefix) || prefix.AsSpan().IndexOfAny("+#\0") >= 0 || prefix.StartsWith('/') || prefix.EndsWith('/'))
        {
            throw new ArgumentException($"'{prefix}' cannot start topic names (no '+', '#', NUL, or leading/trailing '/').", nameof(prefix));
        }

        Prefix = prefix;
    }

    /// <summary>The first level(s) of every device topic.</summary>
    public string Prefix { get; }

    /// <summary>Where a device publishes its readings.</summary>
    public string Readings(DeviceProfile device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return $"{Prefix}/{device.Location.District}/{DeviceModels.Name(device.Model)}/{device.Id}";
    }

    /// <summary>Where a device's retained status lives.</summary>
    public string Status(DeviceProfile device) => Readings(device) + "/status";

    /// <summary>Where a device takes commands.</summary>
    public string Command(DeviceProfile device) => Readings(device) + "/cmd";

    /// <summary>The retained status of a shared connection.</summary>
    public static string Connection(string clientId) => $"firmware-sim/{clientId}/status";
}
