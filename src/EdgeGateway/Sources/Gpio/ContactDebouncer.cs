using EdgeGateway.Hardware.Gpio;

namespace EdgeGateway.Sources.Gpio;

/// <summary>
/// Turns a contact's bouncy edges (door, cabinet lid, flood switch) into clean state changes: a new
/// level is reported only once the line has kept it for the settle time, so a burst of bounce yields
/// one change (or none, when it ends where it started). Call <see cref="Settle"/> when an edge wait
/// times out. Not thread-safe: one line, one reader.
/// </summary>
public sealed class ContactDebouncer
{
    private readonly TimeSpan _settle;
    private bool _level;
    private TimeSpan _lastEdge;

    /// <summary>Creates a debouncer starting at the reported level <paramref name="initial"/>.</summary>
    public ContactDebouncer(TimeSpan settle, bool initial)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settle, TimeSpan.Zero);
        _settle = settle;
        _level = initial;
        Reported = initial;
    }

    /// <summary>The last reported (settled) level.</summary>
    public bool Reported { get; private set; }

    /// <summary>Feeds one edge; returns a settled change that this edge proves (the previous level held long enough), if any.</summary>
    public bool? OnEdge(GpioEdgeEvent edge)
    {
        var change = Settle(edge.Timestamp);
        _level = edge.Edge == GpioEdge.Rising;
        _lastEdge = edge.Timestamp;
        return change;
    }

    /// <summary>The new level if the line has held a level other than the reported one for the settle time by <paramref name="now"/>.</summary>
    public bool? Settle(TimeSpan now)
    {
        if (_level != Reported && now - _lastEdge >= _settle)
        {
            Reported = _level;
            return _level;
        }

        return null;
    }

    /// <summary>When the pending level (if any) will have settled, on the edges' clock.</summary>
    public TimeSpan? SettlesAt => _level != Reported ? _lastEdge + _settle : null;
}
