namespace EdgeGateway.StreamProcessor.Ingest;

/// <summary>The aggregate of one event-time window of one series (device + metric).</summary>
internal sealed class WindowAggregate
{
    /// <summary>Creates an empty window [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public WindowAggregate(long start, long end, string? unit)
    {
        Start = start;
        End = end;
        Unit = unit;
    }

    /// <summary>Start, inclusive, ms since the epoch.</summary>
    public long Start { get; }

    /// <summary>End, exclusive, ms since the epoch.</summary>
    public long End { get; }

    /// <summary>The unit of the values (from the first reading).</summary>
    public string? Unit { get; set; }

    /// <summary>Readings in the window.</summary>
    public long Count { get; set; }

    /// <summary>Smallest value.</summary>
    public double Min { get; set; } = double.PositiveInfinity;

    /// <summary>Largest value.</summary>
    public double Max { get; set; } = double.NegativeInfinity;

    /// <summary>Sum of the values.</summary>
    public double Sum { get; set; }

    /// <summary>The value with the latest event time (the later one in arrival order on a tie).</summary>
    public double Last { get; set; }

    /// <summary>The event time of <see cref="Last"/>.</summary>
    public long LastTime { get; set; } = long.MinValue;

    /// <summary>Mean of the values.</summary>
    public double Mean => Count == 0 ? double.NaN : Sum / Count;

    /// <summary>Adds one value.</summary>
    public void Add(double value, long eventTime)
    {
        Count++;
        Sum += value;
        Min = Math.Min(Min, value);
        Max = Math.Max(Max, value);
        if (eventTime >= LastTime)
        {
            Last = value;
            LastTime = eventTime;
        }
    }
}

/// <summary>
/// The window state of one series: its watermark (the largest event time seen), where closed windows
/// end, how many readings came too late, and the windows still open.
/// </summary>
internal sealed class SeriesWindows
{
    /// <summary>The largest event time seen (ms), or <see cref="long.MinValue"/> before the first reading.</summary>
    public long Watermark { get; set; } = long.MinValue;

    /// <summary>The end of the latest closed window (ms): nothing before it can change any more.</summary>
    public long ClosedThrough { get; set; } = long.MinValue;

    /// <summary>Readings that arrived after their window had closed.</summary>
    public long Late { get; set; }

    /// <summary>Open windows by start.</summary>
    public SortedDictionary<long, WindowAggregate> Open { get; } = [];

    /// <summary>True when something changed since it was loaded (it must be saved).</summary>
    public bool Dirty { get; set; }
}

/// <summary>How windows are cut and when they close.</summary>
/// <param name="Size">The tumbling window's length.</param>
/// <param name="AllowedLateness">
/// How far behind the watermark a reading may be and still update its window: a window [start, end)
/// closes once the watermark reaches <c>end + AllowedLateness</c>.
/// </param>
/// <param name="IdleTimeout">
/// A series whose watermark stops moving (the device went quiet) closes its windows once the wall clock
/// passes <c>end + AllowedLateness + IdleTimeout</c>.
/// </param>
internal sealed record WindowSettings(TimeSpan Size, TimeSpan AllowedLateness, TimeSpan IdleTimeout)
{
    /// <summary>The window's length in ms.</summary>
    public long SizeMs => (long)Size.TotalMilliseconds;

    /// <summary>The allowed lateness in ms.</summary>
    public long LatenessMs => (long)AllowedLateness.TotalMilliseconds;

    /// <summary>The idle timeout in ms.</summary>
    public long IdleMs => (long)IdleTimeout.TotalMilliseconds;
}

/// <summary>Event-time tumbling windows with a per-series watermark and allowed lateness.</summary>
internal static class TumblingWindows
{
    /// <summary>The start of the window holding <paramref name="eventTime"/> (windows are aligned to the epoch).</summary>
    public static long WindowStart(long eventTime, long size)
    {
        var remainder = eventTime % size;
        return remainder < 0 ? eventTime - remainder - size : eventTime - remainder;
    }

    /// <summary>
    /// Adds one reading to <paramref name="series"/>. Returns false, and counts it late, when its window
    /// has already closed; otherwise updates its window, advances the watermark and appends the windows
    /// that the new watermark closes (in order) to <paramref name="closed"/>.
    /// </summary>
    public static bool Add(SeriesWindows series, long eventTime, double value, string? unit, WindowSettings settings, List<WindowAggregate> closed)
    {
        var start = WindowStart(eventTime, settings.SizeMs);
        var end = start + settings.SizeMs;
        series.Dirty = true;
        if (end <= series.ClosedThrough || (series.Watermark != long.MinValue && end + settings.LatenessMs <= series.Watermark))
        {
            series.Late++;
            return false;
        }

        if (!series.Open.TryGetValue(start, out var window))
        {
            window = new WindowAggregate(start, end, unit);
            series.Open.Add(start, window);
        }

        window.Add(value, eventTime);
        if (eventTime > series.Watermark)
        {
            series.Watermark = eventTime;
            CloseWhere(series, w => w.End + settings.LatenessMs <= series.Watermark, closed);
        }

        return true;
    }

    /// <summary>Closes the windows whose series went quiet: <c>end + lateness + idle timeout &lt;= now</c>.</summary>
    public static void CloseIdle(SeriesWindows series, long nowMs, WindowSettings settings, List<WindowAggregate> closed) =>
        CloseWhere(series, w => w.End + settings.LatenessMs + settings.IdleMs <= nowMs, closed);

    private static void CloseWhere(SeriesWindows series, Func<WindowAggregate, bool> due, List<WindowAggregate> closed)
    {
        // Open windows are ordered by start, and every condition grows with the end: stop at the first that stays open.
        while (series.Open.Count > 0)
        {
            var first = series.Open.First();
            if (!due(first.Value))
            {
                return;
            }

            series.Open.Remove(first.Key);
            series.ClosedThrough = Math.Max(series.ClosedThrough, first.Value.End);
            series.Dirty = true;
            closed.Add(first.Value);
        }
    }
}
