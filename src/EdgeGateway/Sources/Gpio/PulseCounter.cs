using EdgeGateway.Hardware.Gpio;

namespace EdgeGateway.Sources.Gpio;

/// <summary>
/// Counts pulses on a line (vehicle loop detector, rain-gauge bucket, energy meter S0 output) from its
/// edges, with debounce: an edge closer than <c>debounce</c> to the last accepted edge (of either
/// direction) is contact bounce and is dropped (those of the counted direction are counted as
/// bounces). Measuring from either direction matters: a bouncing trailing edge of a pulse longer than
/// the debounce time would otherwise start a second pulse. Windows are cut with
/// <see cref="TakeWindow"/>; <see cref="Rate"/> turns a window's pulses into a rate. Not thread-safe:
/// one line, one reader.
/// </summary>
public sealed class PulseCounter
{
    private readonly TimeSpan _debounce;
    private readonly GpioEdge _counted;
    private TimeSpan? _lastAccepted;
    private int _window;

    /// <summary>Creates a counter of <paramref name="counted"/> edges with the given debounce time.</summary>
    public PulseCounter(TimeSpan debounce, GpioEdge counted = GpioEdge.Falling)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(debounce, TimeSpan.Zero);
        _debounce = debounce;
        _counted = counted;
    }

    /// <summary>Pulses counted since the start.</summary>
    public long Total { get; private set; }

    /// <summary>Edges of the counted direction dropped as bounce.</summary>
    public long Bounces { get; private set; }

    /// <summary>Feeds one edge; returns whether it counted as a pulse.</summary>
    public bool OnEdge(GpioEdgeEvent edge)
    {
        if (_lastAccepted is { } last && edge.Timestamp - last < _debounce)
        {
            if (edge.Edge == _counted)
            {
                Bounces++;
            }

            return false;
        }

        _lastAccepted = edge.Timestamp;
        if (edge.Edge != _counted)
        {
            return false;
        }

        _window++;
        Total++;
        return true;
    }

    /// <summary>Pulses since the previous call (the window that ends now), and starts a new window.</summary>
    public int TakeWindow()
    {
        var count = _window;
        _window = 0;
        return count;
    }

    /// <summary>
    /// A window's pulses as a rate: <paramref name="pulses"/> × <paramref name="unitsPerPulse"/> per
    /// <paramref name="per"/>, e.g. vehicles per minute (1 per pulse, per 1 min) or rain in mm/h
    /// (0.2794 mm per tip, per 1 h).
    /// </summary>
    public static double Rate(int pulses, TimeSpan window, double unitsPerPulse, TimeSpan per)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        return pulses * unitsPerPulse * (per / window);
    }
}
