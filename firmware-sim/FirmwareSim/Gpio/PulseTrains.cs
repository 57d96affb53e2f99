using FirmwareSim.Devices;

namespace FirmwareSim.Gpio;

/// <summary>Which way a line changed.</summary>
public enum EdgeKind
{
    /// <summary>Low to high.</summary>
    Rising,

    /// <summary>High to low.</summary>
    Falling,
}

/// <summary>One change of a GPIO line's level.</summary>
/// <param name="Time">When (true time).</param>
/// <param name="Kind">Which way.</param>
/// <param name="IsBounce">Whether it is contact bounce after a real edge (not a change of the signal).</param>
public readonly record struct GpioEdge(DateTimeOffset Time, EdgeKind Kind, bool IsBounce = false);

/// <summary>Mechanical contact bounce: after each real edge, a few quick extra changes that settle back.</summary>
/// <param name="MaximumExtraPairs">At most this many extra (opposite, then same) edge pairs per real edge (0 to this, at random).</param>
/// <param name="Window">All of them within this time after the real edge.</param>
public sealed record BounceSettings(int MaximumExtraPairs, TimeSpan Window);

/// <summary>
/// Edge timestamps for what GPIO inputs see in a street cabinet: pulse counters (vehicles over an
/// induction loop, tips of a rain gauge) and contacts (a door, a parking-bay switch), with optional
/// contact bounce. Deterministic for a given <see cref="Random"/>. <see cref="GpioSocketServer"/> plays
/// them to the gateway's simulated chip (<c>sim:PATH</c>).
/// </summary>
public static class PulseTrains
{
    /// <summary>
    /// A pulse counter: events arrive as a Poisson process whose rate (events per second) may vary
    /// with time, drawn by thinning against <paramref name="maximumRate"/>; each event is a pulse of
    /// <paramref name="pulseWidth"/> (rising edge, then falling edge). Pulses never overlap: an event
    /// during a pulse is lost, as on a real line.
    /// </summary>
    public static IEnumerable<GpioEdge> Counter(
        Func<DateTimeOffset, double> rate,
        double maximumRate,
        DateTimeOffset from,
        DateTimeOffset to,
        TimeSpan pulseWidth,
        Random random,
        BounceSettings? bounce = null)
    {
        ArgumentNullException.ThrowIfNull(rate);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maximumRate, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pulseWidth, TimeSpan.Zero);
        return Iterate();

        IEnumerable<GpioEdge> Iterate()
        {
            var time = from;
            var lineFreeAt = from;
            while (true)
            {
                time += TimeSpan.FromSeconds(SignalMath.Exponential(random, 1 / maximumRate));
                if (time >= to)
                {
                    yield break;
                }

                if (random.NextDouble() * maximumRate > rate(time) || time < lineFreeAt)
                {
                    continue;
                }

                foreach (var edge in Pulse(time, time + pulseWidth, random, bounce))
                {
                    yield return edge;
                }

                lineFreeAt = time + pulseWidth + (bounce?.Window ?? TimeSpan.Zero);
            }
        }
    }

    /// <summary>Pulses at given times (e.g. <see cref="WeatherSignal.LastTipTimes"/> of a rain gauge).</summary>
    public static IEnumerable<GpioEdge> AtTimes(IEnumerable<DateTimeOffset> times, TimeSpan pulseWidth, Random random, BounceSettings? bounce = null)
    {
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(random);
        return times.Order().SelectMany(t => Pulse(t, t + pulseWidth, random, bounce));
    }

    /// <summary>
    /// A contact that closes (rising edge: the input reads high when closed) and opens again, staying
    /// closed and open for exponentially distributed times with the given means.
    /// </summary>
    public static IEnumerable<GpioEdge> Contact(
        TimeSpan meanClosed,
        TimeSpan meanOpen,
        DateTimeOffset from,
        DateTimeOffset to,
        bool startsClosed,
        Random random,
        BounceSettings? bounce = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(meanClosed, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(meanOpen, TimeSpan.Zero);
        return Iterate();

        IEnumerable<GpioEdge> Iterate()
        {
            var closed = startsClosed;
            var time = from;
            while (true)
            {
                var dwell = SignalMath.Exponential(random, (closed ? meanClosed : meanOpen).TotalSeconds);
                time += TimeSpan.FromSeconds(Math.Max(dwell, (bounce?.Window ?? TimeSpan.Zero).TotalSeconds * 2));
                if (time >= to)
                {
                    yield break;
                }

                closed = !closed;
                foreach (var edge in Bounced(new GpioEdge(time, closed ? EdgeKind.Rising : EdgeKind.Falling), random, bounce))
                {
                    yield return edge;
                }
            }
        }
    }

    /// <summary>The line's level after <paramref name="edges"/>, starting from <paramref name="initial"/>; throws if two edges go the same way.</summary>
    /// <exception cref="InvalidOperationException">The edges do not alternate or go back in time.</exception>
    public static bool LevelAfter(IEnumerable<GpioEdge> edges, bool initial)
    {
        ArgumentNullException.ThrowIfNull(edges);
        var level = initial;
        DateTimeOffset? last = null;
        foreach (var edge in edges)
        {
            if ((edge.Kind == EdgeKind.Rising) == level || (last is { } previous && edge.Time < previous))
            {
                throw new InvalidOperationException($"Edge {edge} does not follow the line's level or time.");
            }

            level = !level;
            last = edge.Time;
        }

        return level;
    }

    private static IEnumerable<GpioEdge> Pulse(DateTimeOffset rise, DateTimeOffset fall, Random random, BounceSettings? bounce) =>
        Bounced(new GpioEdge(rise, EdgeKind.Rising), random, bounce, limit: fall).Concat(Bounced(new GpioEdge(fall, EdgeKind.Falling), random, bounce));

    /// <summary>The edge, then 0..N extra pairs (back, and forth again) inside the bounce window (and before <paramref name="limit"/>).</summary>
    private static IEnumerable<GpioEdge> Bounced(GpioEdge edge, Random random, BounceSettings? bounce, DateTimeOffset? limit = null)
    {
        yield return edge;
        if (bounce is null || bounce.MaximumExtraPairs <= 0)
        {
            yield break;
        }

        var window = bounce.Window;
        if (limit is { } end && end - edge.Time < window)
        {
            window = (end - edge.Time) / 2;
        }

        var pairs = random.Next(bounce.MaximumExtraPairs + 1);
        var offsets = Enumerable.Range(0, 2 * pairs).Select(_ => random.NextDouble() * window.Ticks).Order().ToList();
        var opposite = edge.Kind == EdgeKind.Rising ? EdgeKind.Falling : EdgeKind.Rising;
        for (var i = 0; i < offsets.Count; i++)
        {
            yield return new GpioEdge(edge.Time + TimeSpan.FromTicks(Math.Max(1, (long)offsets[i])), i % 2 == 0 ? opposite : edge.Kind, IsBounce: true);
        }
    }
}
