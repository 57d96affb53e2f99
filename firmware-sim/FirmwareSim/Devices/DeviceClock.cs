namespace FirmwareSim.Devices;

/// <summary>How a device's clock is off: a fixed offset at start plus a drift in parts per million.</summary>
/// <param name="Offset">The error at the start of the run (positive: the device is ahead).</param>
/// <param name="DriftPpm">How fast the error grows: 20 ppm is 1.7 s per day (a cheap crystal).</param>
public sealed record DeviceClockSettings(TimeSpan Offset, double DriftPpm)
{
    /// <summary>A perfect clock.</summary>
    public static DeviceClockSettings Exact { get; } = new(TimeSpan.Zero, 0);
}

/// <summary>
/// A device's own clock: what it reads at a given true time. The time a device puts in its payloads
/// comes from here, so a gateway sees realistic skew that grows during a run.
/// </summary>
public sealed class DeviceClock
{
    private readonly DateTimeOffset _start;

    /// <summary>Creates the clock of a device whose run starts at <paramref name="start"/> (true time).</summary>
    public DeviceClock(DeviceClockSettings settings, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        _start = start;
    }

    /// <summary>The offset and drift.</summary>
    public DeviceClockSettings Settings { get; }

    /// <summary>What the device's clock shows at true time <paramref name="trueTime"/>.</summary>
    public DateTimeOffset Read(DateTimeOffset trueTime)
    {
        var elapsedTicks = (trueTime - _start).Ticks;
        var driftTicks = (long)Math.Round(elapsedTicks * Settings.DriftPpm / 1_000_000d);
        return trueTime + Settings.Offset + TimeSpan.FromTicks(driftTicks);
    }
}
