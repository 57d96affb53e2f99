using FirmwareSim.Devices;
using FirmwareSim.Fleet;
using FirmwareSim.Payloads;

namespace EdgeGateway.Tests.FirmwareSimulator;

/// <summary>Profiles and times the simulator tests share.</summary>
internal static class SimulatorTestSupport
{
    /// <summary>A Wednesday in January, midnight UTC.</summary>
    public static readonly DateTimeOffset Wednesday = new(2026, 1, 14, 0, 0, 0, TimeSpan.Zero);

    public static DeviceProfile Profile(
        DeviceModel model,
        string id = "dev-0001",
        TimeSpan? interval = null,
        PayloadFormat format = PayloadFormat.Json,
        DeviceClockSettings? clock = null) =>
        new(
            id,
            model,
            "1.0.0",
            new DeviceLocation(52.37, 4.90, "centre", TimeSpan.FromHours(1)),
            interval ?? TimeSpan.FromMinutes(1),
            clock ?? DeviceClockSettings.Exact,
            format);

    /// <summary>Local civil time (UTC+1) <paramref name="hour"/> on <see cref="Wednesday"/>, in UTC.</summary>
    public static DateTimeOffset LocalHour(double hour) => Wednesday.AddHours(hour - 1);

    /// <summary>The mean of metric <paramref name="metric"/> over many devices sampled at one time.</summary>
    public static double FleetMean(DeviceModel model, int metric, DateTimeOffset time, int devices = 200, long seed = 7)
    {
        var sum = 0.0;
        for (var i = 0; i < devices; i++)
        {
            var device = new SimulatedDevice(Profile(model, $"d-{i}"), seed, time.AddHours(-1));
            sum += device.SampleAt(time).Values[metric];
        }

        return sum / devices;
    }

    public static IReadOnlyList<DeviceProfile> DefaultFleet(int devices, long seed = 42) =>
        FleetBuilder.Build(FleetBuilder.DefaultGroups(devices), new CitySettings(), seed, PayloadFormat.Json);
}
