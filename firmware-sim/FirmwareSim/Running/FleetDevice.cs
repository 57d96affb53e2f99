using FirmwareSim.Devices;

namespace FirmwareSim.Running;

/// <summary>A device in a running fleet: the simulated device plus its topics, its place and its fault role.</summary>
public sealed class FleetDevice
{
    /// <summary>Wraps <paramref name="device"/>, the <paramref name="index"/>-th of the fleet.</summary>
    public FleetDevice(SimulatedDevice device, int index, TopicScheme topics, bool slow)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(topics);
        Device = device;
        Index = index;
        IsSlow = slow;
        ReadingTopic = topics.Readings(device.Profile);
        StatusTopic = topics.Status(device.Profile);
        CommandTopic = topics.Command(device.Profile);
    }

    /// <summary>The simulated device.</summary>
    public SimulatedDevice Device { get; }

    /// <summary>The device's profile.</summary>
    public DeviceProfile Profile => Device.Profile;

    /// <summary>Its position in the fleet (connections are assigned by it).</summary>
    public int Index { get; }

    /// <summary>True for a slow device: it sends each sample late.</summary>
    public bool IsSlow { get; }

    /// <summary>Where it publishes readings.</summary>
    public string ReadingTopic { get; }

    /// <summary>Where its retained status lives.</summary>
    public string StatusTopic { get; }

    /// <summary>Where it takes commands.</summary>
    public string CommandTopic { get; }

    /// <summary>Bumped whenever its schedule changes, so stale queue entries are skipped.</summary>
    internal int Version { get; set; }

    /// <summary>A message held back for an out-of-order fault, sent after the next one.</summary>
    internal OutgoingMessage? Held { get; set; }
}
