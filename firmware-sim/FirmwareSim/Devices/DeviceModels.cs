using System.Collections.Frozen;

namespace FirmwareSim.Devices;

/// <summary>What each <see cref="DeviceModel"/> measures, how it is named in topics, and its defaults.</summary>
public static class DeviceModels
{
    private static readonly FrozenDictionary<DeviceModel, Entry> Entries = new Dictionary<DeviceModel, Entry>
    {
        [DeviceModel.AirQuality] = new(
            "aq",
            TimeSpan.FromSeconds(60),
            "2.4.1",
            [new("pm25", "ug/m3", 1), new("pm10", "ug/m3", 1), new("no2", "ug/m3", 1), new("o3", "ug/m3", 1)]),
        [DeviceModel.Noise] = new(
            "noise",
            TimeSpan.FromSeconds(10),
            "1.7.0",
            [new("laeq", "dBA", 1), new("lamax", "dBA", 1)]),
        [DeviceModel.Weather] = new(
            "weather",
            TimeSpan.FromSeconds(60),
            "3.1.2",
            [
                new("temperature", "Cel", 1), new("humidity", "%RH", 1), new("pressure", "hPa", 1),
                new("wind_speed", "m/s", 1), new("wind_direction", "deg", 0), new("rain_tips", "count", 0), new("rain", "mm", 1),
            ]),
        [DeviceModel.Traffic] = new(
            "traffic",
            TimeSpan.FromSeconds(60),
            "1.2.3",
            [new("vehicles", "count", 0), new("speed", "km/h", 1)]),
        [DeviceModel.Parking] = new(
            "parking",
            TimeSpan.FromSeconds(300),
            "0.9.4",
            [new("occupied", "count", 0)]),
        [DeviceModel.StreetLight] = new(
            "light",
            TimeSpan.FromSeconds(300),
            "5.0.0",
            [new("state", "count", 0), new("power", "W", 1)]),
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, DeviceModel> ByName =
        Entries.ToFrozenDictionary(e => e.Value.Name, e => e.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every model, in declaration order.</summary>
    public static IReadOnlyList<DeviceModel> All { get; } = Enum.GetValues<DeviceModel>();

    /// <summary>The short name used in topics, device ids and scenario files (<c>aq</c>, <c>noise</c>...).</summary>
    public static string Name(DeviceModel model) => Get(model).Name;

    /// <summary>The metrics one message of the model carries, in payload order.</summary>
    public static IReadOnlyList<MetricDefinition> Metrics(DeviceModel model) => Get(model).Metrics;

    /// <summary>The sampling interval a device of the model uses unless told otherwise.</summary>
    public static TimeSpan DefaultInterval(DeviceModel model) => Get(model).Interval;

    /// <summary>The firmware version a device of the model reports unless told otherwise.</summary>
    public static string DefaultFirmware(DeviceModel model) => Get(model).Firmware;

    /// <summary>Parses a short name (case-insensitive).</summary>
    public static bool TryParse(string? name, out DeviceModel model) => ByName.TryGetValue(name ?? string.Empty, out model);

    /// <summary>The accepted short names, for error messages.</summary>
    public static string NameList => string.Join(", ", All.Select(Name));

    private static Entry Get(DeviceModel model) =>
        Entries.TryGetValue(model, out var entry) ? entry : throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown device model.");

    private sealed record Entry(string Name, TimeSpan Interval, string Firmware, IReadOnlyList<MetricDefinition> Metrics);
}
