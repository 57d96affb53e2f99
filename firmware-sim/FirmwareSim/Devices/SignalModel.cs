namespace FirmwareSim.Devices;

/// <summary>
/// The physics of one device: given the true time and how long since the last sample, the values of
/// its metrics. Every draw comes from the device's own <see cref="Random"/>, in a fixed order, so the
/// same seed, start time and sampling schedule give the same values.
/// </summary>
public abstract class SignalModel
{
    /// <summary>Sets up the model.</summary>
    protected SignalModel(DeviceModel model, Random random, DeviceLocation location)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(location);
        Model = model;
        Random = random;
        Location = location;
        Metrics = DeviceModels.Metrics(model);
    }

    /// <summary>The model simulated.</summary>
    public DeviceModel Model { get; }

    /// <summary>The metrics, in the order <see cref="Sample"/> fills them.</summary>
    public IReadOnlyList<MetricDefinition> Metrics { get; }

    /// <summary>The device's random stream for its signal.</summary>
    protected Random Random { get; }

    /// <summary>Where the device is.</summary>
    protected DeviceLocation Location { get; }

    /// <summary>Creates the model of <paramref name="model"/>.</summary>
    public static SignalModel Create(DeviceModel model, Random random, DeviceLocation location) => model switch
    {
        DeviceModel.AirQuality => new AirQualitySignal(random, location),
        DeviceModel.Noise => new NoiseSignal(random, location),
        DeviceModel.Weather => new WeatherSignal(random, location),
        DeviceModel.Traffic => new TrafficSignal(random, location),
        DeviceModel.Parking => new ParkingSignal(random, location),
        DeviceModel.StreetLight => new StreetLightSignal(random, location),
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown device model."),
    };

    /// <summary>
    /// Fills <paramref name="values"/> (one per metric) for true time <paramref name="time"/>,
    /// <paramref name="elapsed"/> after the previous sample; values are rounded to the metric's decimals.
    /// </summary>
    public void Sample(DateTimeOffset time, TimeSpan elapsed, Span<double> values)
    {
        if (values.Length < Metrics.Count)
        {
            throw new ArgumentException($"Room for {Metrics.Count} values is needed.", nameof(values));
        }

        SampleCore(time, elapsed, values);
        for (var i = 0; i < Metrics.Count; i++)
        {
            values[i] = Math.Round(values[i], Metrics[i].Decimals, MidpointRounding.AwayFromZero);
        }
    }

    /// <summary>Computes the raw (unrounded) values.</summary>
    protected abstract void SampleCore(DateTimeOffset time, TimeSpan elapsed, Span<double> values);
}

/// <summary>
/// PM2.5, PM10, NO2 and O3 in µg/m³: NO2 and the local part of PM follow traffic (rush-hour peaks),
/// a slow regional PM background drifts over hours, O3 follows the sun and is eaten by NO2.
/// </summary>
public sealed class AirQualitySignal : SignalModel
{
    private readonly RandomWalk _regional;
    private readonly RandomWalk _local;
    private readonly RandomWalk _ozone;
    private readonly double _siteFactor;

    /// <summary>Creates the model with the device's random stream.</summary>
    public AirQualitySignal(Random random, DeviceLocation location)
        : base(DeviceModel.AirQuality, random, location)
    {
        // A kerbside sensor sees more traffic than one in a park: 0.6 to 1.4.
        _siteFactor = 0.6 + (0.8 * random.NextDouble());
        _regional = new RandomWalk(random, 3.0, TimeSpan.FromHours(6));
        _local = new RandomWalk(random, 4.0, TimeSpan.FromMinutes(20));
        _ozone = new RandomWalk(random, 6.0, TimeSpan.FromHours(2));
    }

    /// <inheritdoc />
    protected override void SampleCore(DateTimeOffset time, TimeSpan elapsed, Span<double> values)
    {
        var traffic = SignalMath.TrafficLevel(time, Location.UtcOffset) * _siteFactor;
        var regional = 6 + _regional.Step(Random, elapsed);
        var local = _local.Step(Random, elapsed);
        var no2 = Math.Max(2, 10 + (42 * traffic) + local + (1.5 * SignalMath.Gaussian(Random)));
        var pm25 = Math.Max(0.5, regional + (9 * traffic) + (0.4 * local) + (0.8 * SignalMath.Gaussian(Random)));
        var pm10 = pm25 * (1.45 + (0.1 * SignalMath.Gaussian(Random))) + 1.5;
        var sun = Math.Max(0, Math.Sin(SignalMath.SunElevation(time, Location.Latitude, Location.Longitude) * Math.PI / 180));
        var o3 = Math.Max(2, 28 + (55 * sun) - (0.35 * no2) + _ozone.Step(Random, elapsed));
        values[0] = pm25;
        values[1] = Math.Max(pm10, pm25);
        values[2] = no2;
        values[3] = o3;
    }
}

/// <summary>
/// Sound level in dBA: LAeq over the interval follows traffic (quiet nights), LAmax sits above it,
/// and now and then a siren or a motorbike pushes LAmax up.
/// </summary>
public sealed class NoiseSignal : SignalModel
{
    private readonly RandomWalk _background;
    private readonly double _baseLevel;

    /// <summary>Creates the model with the device's random stream.</summary>
    public NoiseSignal(Random random, DeviceLocation location)
        : base(DeviceModel.Noise, random, location)
    {
        _baseLevel = 40 + (8 * random.NextDouble());
        _background = new RandomWalk(random, 2.5, TimeSpan.FromMinutes(15));
    }

    /// <inheritdoc />
    protected override void SampleCore(DateTimeOffset time, TimeSpan elapsed, Span<double> values)
    {
        var traffic = SignalMath.TrafficLevel(time, Location.UtcOffset);
        var laeq = _baseLevel + (18 * traffic) + _background.Step(Random, elapsed) + (0.7 * SignalMath.Gaussian(Random));
        var lamax = laeq + 4 + Math.Abs(5 * SignalMath.Gaussian(Random));
        if (Random.NextDouble() < 0.02)
        {
            lamax += 12 + (8 * Random.NextDouble());
        }

        values[0] = Math.Clamp(laeq, 25, 110);
        values[1] = Math.Clamp(lamax, values[0], 125);
    }
}

/// <summary>
/// A weather station: temperature with season and day, humidity opposite to it, slowly wandering
/// pressure, gusty wind, and rain in showers measured by a tipping bucket of
/// <see cref="MillimetresPerTip"/>: the station reports the tips counted in the interval and the
/// rain they make. <see cref="LastTipTimes"/> holds when each tip happened (for GPIO pulse trains).
/// </summary>
public sealed class WeatherSignal : SignalModel
{
    /// <summary>The rain one tip of the bucket stands for.</summary>
    public const double MillimetresPerTip = 0.2;

    private readonly RandomWalk _temperature;
    private readonly RandomWalk _humidity;
    private readonly RandomWalk _pressure;
    private readonly RandomWalk _wind;
    private readonly RandomWalk _direction;
    private readonly List<DateTimeOffset> _tipTimes = [];
    private bool _raining;
    private double _intensity;
    private double _bucket;

    /// <summary>Creates the model with the device's random stream.</summary>
    public WeatherSignal(Random random, DeviceLocation location)
        : base(DeviceModel.Weather, random, location)
    {
        _temperature = new RandomWalk(random, 1.5, TimeSpan.FromHours(3));
        _humidity = new RandomWalk(random, 5, TimeSpan.FromHours(2));
        _pressure = new RandomWalk(random, 8, TimeSpan.FromHours(18));
        _wind = new RandomWalk(random, 1.8, TimeSpan.FromMinutes(30));
        _direction = new RandomWalk(random, 60, TimeSpan.FromHours(3));
        _raining = random.NextDouble() < 0.15;
        _intensity = _raining ? NewIntensity() : 0;
    }

    /// <summary>Mean time between showers and mean shower length.</summary>
    public static (TimeSpan BetweenShowers, TimeSpan Shower) RainClimate { get; } = (TimeSpan.FromHours(18), TimeSpan.FromHours(3));

    /// <summary>The true times of the bucket's tips during the last sampled interval.</summary>
    public IReadOnlyList<DateTimeOffset> LastTipTimes => _tipTimes;

    /// <summary>Whether it is raining now.</summary>
    public bool IsRaining => _raining;

    /// <inheritdoc />
    protected override void SampleCore(DateTimeOffset time, TimeSpan elapsed, Span<double> values)
    {
        var local = time.UtcDateTime + Location.UtcOffset;
        var season = 8 * Math.Cos(2 * Math.PI * (local.DayOfYear - 200) / 365.0);
        var diurnal = 4 * Math.Sin(2 * Math.PI * (local.TimeOfDay.TotalHours - 9) / 24.0);
        var tips = Rain(time, elapsed);
        var temperature = 11 + season + diurnal + _temperature.Step(Random, elapsed) - (_raining ? 2 : 0);
        var humidity = 72 - (3.5 * diurnal) + (_raining ? 18 : 0) + _humidity.Step(Random, elapsed);
        var pressure = 1013 + _pressure.Step(Random, elapsed) - (_raining ? 6 : 0);
        var wind = Math.Max(0, 3.2 + _wind.Step(Random, elapsed) + (_raining ? 2 : 0) + (0.4 * SignalMath.Gaussian(Random)));
        var direction = (225 + _direction.Step(Random, elapsed)) % 360;
        values[0] = temperature;
        values[1] = Math.Clamp(humidity, 15, 100);
        values[2] = pressure;
        values[3] = wind;
        values[4] = direction < 0 ? direction + 360 : direction;
        values[5] = tips;
        values[6] = tips * MillimetresPerTip;
    }

    /// <summary>Advances the wet/dry state and the bucket; returns the tips in the interval.</summary>
    private int Rain(DateTimeOffset time, TimeSpan elapsed)
    {
        _tipTimes.Clear();
        var seconds = Math.Max(0, elapsed.TotalSeconds);
        var switchMean = (_raining ? RainClimate.Shower : RainClimate.BetweenShowers).TotalSeconds;
        if (Random.NextDouble() < 1 - Math.Exp(-seconds / switchMean))
        {
            _raining = !_raining;
            _intensity = _raining ? NewIntensity() : 0;
        }

        if (!_raining)
        {
            return 0;
        }

        // Millimetres per hour, fluctuating within the shower.
        var rate = Math.Max(0, _intensity * (1 + (0.3 * SignalMath.Gaussian(Random))));
        var start = _bucket;
        _bucket += rate * seconds / 3600.0;
        var tips = (int)Math.Floor(_bucket / MillimetresPerTip);
        _bucket -= tips * MillimetresPerTip;

        // The bucket fills at a constant rate within the interval: tip k happens when the water reaches k tips.
        var added = (tips * MillimetresPerTip) + _bucket - start;
        for (var k = 1; k <= tips && added > 0; k++)
        {
            var fraction = ((k * MillimetresPerTip) - start) / added;
            _tipTimes.Add(time - elapsed + TimeSpan.FromSeconds(Math.Clamp(fraction, 0, 1) * seconds));
        }

        return tips;
    }

    private double NewIntensity() => 0.3 + SignalMath.Exponential(Random, 2.0);
}

/// <summary>
/// A traffic counter on one lane: vehicles passing in the interval (Poisson, rate following the rush
/// hours) and their mean speed, which drops as the road fills.
/// </summary>
public sealed class TrafficSignal : SignalModel
{
    private readonly double _capacity;
    private readonly double _freeSpeed;

    /// <summary>Creates the model with the device's random stream.</summary>
    public TrafficSignal(Random random, DeviceLocation location)
        : base(DeviceModel.Traffic, random, location)
    {
        // Vehicles per second at the busiest (a city lane carries up to about 1,800 per hour).
        _capacity = 0.25 + (0.25 * random.NextDouble());
        _freeSpeed = 45 + (15 * random.NextDouble());
    }

    /// <summary>Vehicles per second at <paramref name="time"/>.</summary>
    public double VehicleRate(DateTimeOffset time) => _capacity * SignalMath.TrafficLevel(time, Location.UtcOffset) / 1.2;

    /// <inheritdoc />
    protected override void SampleCore(DateTimeOffset time, TimeSpan elapsed, Span<double> values)
    {
        var rate = VehicleRate(time);
        var vehicles = SignalMath.Poisson(Random, rate * Math.Max(0, elapsed.TotalSeconds));
        var congestion = Math.Clamp(rate / _capacity, 0, 1);
        var speed = (_freeSpeed * (1 - (0.55 * congestion * congestion))) + (2.5 * SignalMath.Gaussian(Random));
        values[0] = vehicles;
        values[1] = Math.Clamp(speed, 3, 90);
    }
}

/// <summary>
/// One parking bay: free or occupied, changing by arrivals (frequent by day) and departures (stays of
/// about 1.5 h by day, overnight at night), simulated event by event between samples.
/// </summary>
public sealed class ParkingSignal : SignalModel
{
    private bool _occupied;

    /// <summary>Creates the model with the device's random stream.</summary>
    public ParkingSignal(Random random, DeviceLocation location)
        : base(DeviceModel.Parking, random, location)
    {
        _occupied = random.NextDouble() < 0.6;
    }

    /// <summary>Arrivals and departures in the last sampled interval.</summary>
    public int LastChanges { get; private set; }

    /// <inheritdoc />
    protected override void SampleCore(DateTimeOffset time, TimeSpan elapsed, Span<double> values)
    {
        var hour = SignalMath.LocalHour(time, Location.UtcOffset);
        var day = hour is >= 7 and < 20;
        var arrivalMean = day ? TimeSpan.FromMinutes(25) : TimeSpan.FromHours(4);
        var stayMean = day ? TimeSpan.FromMinutes(90) : TimeSpan.FromHours(9);
        var remaining = Math.Max(0, elapsed.TotalSeconds);
        LastChanges = 0;
        while (true)
        {
            var next = SignalMath.Exponential(Random, (_occupied ? stayMean : arrivalMean).TotalSeconds);
            if (next > remaining)
            {
                break;
            }

            remaining -= next;
            _occupied = !_occupied;
            LastChanges++;
        }

        values[0] = _occupied ? 1 : 0;
    }
}

/// <summary>
/// A street light: on while the sun is below the horizon (with a little hysteresis per lamp), at full
/// power in the evening, dimmed to half from midnight to 05:00, drawing standby power by day.
/// </summary>
public sealed class StreetLightSignal : SignalModel
{
    private readonly double _ratedPower;
    private readonly double _switchElevation;

    /// <summary>Creates the model with the device's random stream.</summary>
    public StreetLightSignal(Random random, DeviceLocation location)
        : base(DeviceModel.StreetLight, random, location)
    {
        _ratedPower = 40 + (60 * random.NextDouble());
        _switchElevation = -1 - (3 * random.NextDouble());
    }

    /// <inheritdoc />
    protected override void SampleCore(DateTimeOffset time, TimeSpan elapsed, Span<double> values)
    {
        var on = SignalMath.SunElevation(time, Location.Latitude, Location.Longitude) < _switchElevation;
        var hour = SignalMath.LocalHour(time, Location.UtcOffset);
        var level = hour < 5 ? 0.5 : 1.0;
        var power = on ? (_ratedPower * level * (1 + (0.01 * SignalMath.Gaussian(Random)))) : 0.6 + (0.05 * Random.NextDouble());
        values[0] = on ? 1 : 0;
        values[1] = power;
    }
}
