using System.Globalization;
using FirmwareSim.Devices;
using FirmwareSim.Payloads;

namespace FirmwareSim.Fleet;

/// <summary>
/// Turns device groups into device profiles: ids, locations, districts, clocks. Everything random
/// comes from the device's <c>profile</c> stream (seed and id), so a device is the same in any fleet.
/// </summary>
public static class FleetBuilder
{
    /// <summary>Default spread of clock drift (standard deviation, ppm): cheap crystals.</summary>
    public const double DefaultDriftPpm = 20;

    /// <summary>Default largest clock offset at start.</summary>
    public static TimeSpan DefaultClockOffset { get; } = TimeSpan.FromSeconds(2);

    /// <summary>The mix of models of a fleet given only a device count: weights per model.</summary>
    public static IReadOnlyList<(DeviceModel Model, int Weight)> DefaultMix { get; } =
    [
        (DeviceModel.AirQuality, 3), (DeviceModel.Noise, 2), (DeviceModel.Weather, 1),
        (DeviceModel.Traffic, 2), (DeviceModel.Parking, 1), (DeviceModel.StreetLight, 1),
    ];

    /// <summary>The default fleet of <paramref name="devices"/> devices, spread over the models by <see cref="DefaultMix"/>.</summary>
    public static IReadOnlyList<DeviceGroup> DefaultGroups(int devices) =>
        Resize([.. DefaultMix.Select(m => new DeviceGroup { Model = m.Model, Count = m.Weight })], devices);

    /// <summary>
    /// Scales the groups' counts to <paramref name="devices"/> in all, in proportion (largest remainder),
    /// keeping everything else of each group.
    /// </summary>
    public static IReadOnlyList<DeviceGroup> Resize(IReadOnlyList<DeviceGroup> groups, int devices)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentOutOfRangeException.ThrowIfNegative(devices);
        var total = groups.Sum(g => (long)g.Count);
        if (total == 0)
        {
            throw new ArgumentException("The groups have no devices to scale.", nameof(groups));
        }

        var shares = groups.Select(g => (double)g.Count * devices / total).ToArray();
        var counts = shares.Select(s => (int)Math.Floor(s)).ToArray();
        var left = devices - counts.Sum();
        foreach (var index in Enumerable.Range(0, groups.Count).OrderByDescending(i => shares[i] - counts[i]).ThenBy(i => i).Take(left))
        {
            counts[index]++;
        }

        return [.. groups.Select((g, i) => g with { Count = counts[i] }).Where(g => g.Count > 0)];
    }

    /// <summary>Builds the profiles of every device of <paramref name="groups"/>.</summary>
    /// <exception cref="ArgumentException">Two groups would give the same device id.</exception>
    public static IReadOnlyList<DeviceProfile> Build(IReadOnlyList<DeviceGroup> groups, CitySettings city, long seed, PayloadFormat defaultFormat)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(city);
        var profiles = new List<DeviceProfile>();
        var ids = new HashSet<string>(StringComparer.Ordinal);

        // Numbering runs on per prefix across groups, so two aq groups give aq-0001... and aq-0031...
        var prefixTotals = groups.GroupBy(Prefix).ToDictionary(g => g.Key, g => g.Sum(x => x.Count), StringComparer.Ordinal);
        var numbers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var prefix = Prefix(group);
            var width = Math.Max(4, prefixTotals[prefix].ToString(CultureInfo.InvariantCulture).Length);
            for (var i = 0; i < group.Count; i++)
            {
                var number = numbers[prefix] = numbers.GetValueOrDefault(prefix) + 1;
                var id = $"{prefix}-{number.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')}";
                if (!ids.Add(id))
                {
                    throw new ArgumentException($"Device id '{id}' would be used twice; give the groups different idPrefix values.", nameof(groups));
                }

                profiles.Add(Profile(id, group, city, seed, defaultFormat));
            }
        }

        return profiles;
    }

    private static string Prefix(DeviceGroup group) => group.IdPrefix ?? DeviceModels.Name(group.Model);

    private static DeviceProfile Profile(string id, DeviceGroup group, CitySettings city, long seed, PayloadFormat defaultFormat)
    {
        var random = DeviceSeeds.Create(seed, id, "profile");

        // Uniform over a disc: radius ~ sqrt(u). 1° of latitude is 111.32 km.
        var distance = city.RadiusKm * Math.Sqrt(random.NextDouble());
        var bearing = 2 * Math.PI * random.NextDouble();
        var latitude = city.Latitude + (distance * Math.Cos(bearing) / 111.32);
        var longitude = city.Longitude + (distance * Math.Sin(bearing) / (111.32 * Math.Cos(city.Latitude * Math.PI / 180)));
        var district = group.District ?? city.Districts[random.Next(city.Districts.Count)];
        var maxOffset = group.ClockOffset ?? DefaultClockOffset;
        var offset = TimeSpan.FromMilliseconds(Math.Round(((2 * random.NextDouble()) - 1) * maxOffset.TotalMilliseconds));
        var drift = Math.Round((group.ClockDriftPpm ?? DefaultDriftPpm) * SignalMath.Gaussian(random), 2);
        return new DeviceProfile(
            id,
            group.Model,
            group.Firmware ?? DeviceModels.DefaultFirmware(group.Model),
            new DeviceLocation(Math.Round(latitude, 6), Math.Round(longitude, 6), district, city.UtcOffset),
            group.Interval ?? DeviceModels.DefaultInterval(group.Model),
            new DeviceClockSettings(offset, drift),
            group.Format ?? defaultFormat);
    }
}
