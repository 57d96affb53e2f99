using FirmwareSim.Devices;
using FirmwareSim.Payloads;

namespace FirmwareSim.Fleet;

/// <summary>A group of devices of one model in the fleet (one entry of a scenario's <c>devices</c>).</summary>
public sealed record DeviceGroup
{
    /// <summary>The model.</summary>
    public required DeviceModel Model { get; init; }

    /// <summary>How many devices.</summary>
    public int Count { get; init; } = 1;

    /// <summary>Sampling interval; null: the model's default.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>Firmware version; null: the model's default.</summary>
    public string? Firmware { get; init; }

    /// <summary>District of every device of the group; null: each picks one of the city's districts.</summary>
    public string? District { get; init; }

    /// <summary>Payload format; null: the fleet's format.</summary>
    public PayloadFormat? Format { get; init; }

    /// <summary>Spread (standard deviation) of clock drift in ppm; null: <see cref="FleetBuilder.DefaultDriftPpm"/>.</summary>
    public double? ClockDriftPpm { get; init; }

    /// <summary>Largest clock offset at start (either way); null: <see cref="FleetBuilder.DefaultClockOffset"/>.</summary>
    public TimeSpan? ClockOffset { get; init; }

    /// <summary>Prefix of the device ids (<c>{prefix}-{n}</c>); null: the model's name.</summary>
    public string? IdPrefix { get; init; }
}

/// <summary>The city the fleet stands in.</summary>
public sealed record CitySettings
{
    /// <summary>Latitude of the centre.</summary>
    public double Latitude { get; init; } = 52.37;

    /// <summary>Longitude of the centre.</summary>
    public double Longitude { get; init; } = 4.90;

    /// <summary>Devices are placed within this distance of the centre.</summary>
    public double RadiusKm { get; init; } = 6;

    /// <summary>Local civil time's offset from UTC (rush hours, dimming).</summary>
    public TimeSpan UtcOffset { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The districts devices are spread over (topic level <c>{district}</c>).</summary>
    public IReadOnlyList<string> Districts { get; init; } = ["centre", "north", "east", "south", "west", "harbour"];
}
