namespace FirmwareSim.Devices;

/// <summary>The small pieces of physics and statistics the signal models share.</summary>
public static class SignalMath
{
    /// <summary>A standard normal draw (Box-Muller).</summary>
    public static double Gaussian(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A Poisson draw with the given mean (Knuth below 30, a rounded normal above).</summary>
    public static int Poisson(Random random, double mean)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (mean <= 0)
        {
            return 0;
        }

        if (mean > 30)
        {
            return Math.Max(0, (int)Math.Round(mean + (Math.Sqrt(mean) * Gaussian(random))));
        }

        var limit = Math.Exp(-mean);
        var count = 0;
        var product = random.NextDouble();
        while (product > limit)
        {
            count++;
            product *= random.NextDouble();
        }

        return count;
    }

    /// <summary>An exponential draw with the given mean.</summary>
    public static double Exponential(Random random, double mean)
    {
        ArgumentNullException.ThrowIfNull(random);
        return -mean * Math.Log(1.0 - random.NextDouble());
    }

    /// <summary>The local civil hour of day (0 to 24, fractional).</summary>
    public static double LocalHour(DateTimeOffset time, TimeSpan utcOffset) => (time.UtcDateTime + utcOffset).TimeOfDay.TotalHours;

    /// <summary>True on Saturday and Sunday (local civil time).</summary>
    public static bool IsWeekend(DateTimeOffset time, TimeSpan utcOffset) =>
        (time.UtcDateTime + utcOffset).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    /// <summary>
    /// How busy the roads are, about 0.2 at night to 1.2 at the morning peak: two rush hours (8:00 and
    /// 17:30) on working days, one broad early-afternoon hump at weekends.
    /// </summary>
    public static double TrafficLevel(DateTimeOffset time, TimeSpan utcOffset)
    {
        var hour = LocalHour(time, utcOffset);
        if (IsWeekend(time, utcOffset))
        {
            return 0.2 + (0.5 * Bump(hour, 14, 3));
        }

        var daytime = 0.35 * Bump(hour, 13, 4.5);
        return 0.2 + daytime + (0.9 * Bump(hour, 8, 1.0)) + (0.8 * Bump(hour, 17.5, 1.3));
    }

    /// <summary>The sun's elevation in degrees (NOAA's simple approximation; good to about a degree).</summary>
    public static double SunElevation(DateTimeOffset time, double latitude, double longitude)
    {
        var utc = time.UtcDateTime;
        var dayOfYear = utc.DayOfYear + (utc.TimeOfDay.TotalHours / 24.0);
        var declination = -23.44 * Math.Cos(2 * Math.PI * (dayOfYear + 10) / 365.0);
        var solarHour = utc.TimeOfDay.TotalHours + (longitude / 15.0);
        var hourAngle = 15.0 * (solarHour - 12.0);
        var lat = Radians(latitude);
        var dec = Radians(declination);
        var sinElevation = (Math.Sin(lat) * Math.Sin(dec)) + (Math.Cos(lat) * Math.Cos(dec) * Math.Cos(Radians(hourAngle)));
        return Math.Asin(Math.Clamp(sinElevation, -1, 1)) * 180.0 / Math.PI;
    }

    /// <summary>A Gaussian bump of height 1 centred on <paramref name="centre"/> hours, wrapping around midnight.</summary>
    public static double Bump(double hour, double centre, double width)
    {
        var distance = Math.Abs(hour - centre);
        distance = Math.Min(distance, 24 - distance);
        return Math.Exp(-(distance * distance) / (2 * width * width));
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180.0;
}

/// <summary>
/// A first-order autoregressive process (a random walk pulled back to zero): smooth noise whose
/// correlation time is <see cref="CorrelationTime"/> and whose spread is <see cref="Sigma"/>, whatever
/// the sampling interval. Consecutive samples of a device are related, as real ones are.
/// </summary>
public sealed class RandomWalk
{
    private double _value;

    /// <summary>Creates the process, starting at a draw from its stationary distribution.</summary>
    public RandomWalk(Random random, double sigma, TimeSpan correlationTime)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(correlationTime, TimeSpan.Zero);
        Sigma = sigma;
        CorrelationTime = correlationTime;
        _value = sigma * SignalMath.Gaussian(random);
    }

    /// <summary>The stationary standard deviation.</summary>
    public double Sigma { get; }

    /// <summary>How long it takes to forget (1/e).</summary>
    public TimeSpan CorrelationTime { get; }

    /// <summary>The current value.</summary>
    public double Value => _value;

    /// <summary>Moves the process on by <paramref name="elapsed"/> and returns the new value.</summary>
    public double Step(Random random, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(random);
        var phi = Math.Exp(-Math.Max(0, elapsed.TotalSeconds) / CorrelationTime.TotalSeconds);
        _value = (_value * phi) + (Sigma * Math.Sqrt(1 - (phi * phi)) * SignalMath.Gaussian(random));
        return _value;
    }
}
