namespace EdgeGateway.Observability;

/// <summary>The Prometheus metric types the gateway exposes.</summary>
public enum MetricType
{
    /// <summary>A monotonic count (its name ends in <c>_total</c>).</summary>
    Counter,

    /// <summary>A value that goes up and down.</summary>
    Gauge,

    /// <summary>A distribution in cumulative buckets, with its sum and count.</summary>
    Histogram,
}

/// <summary>One metric family as it is rendered: name, type, help and its series.</summary>
/// <param name="Name">The Prometheus name (counters include <c>_total</c>; histograms are the base name).</param>
/// <param name="Type">The type.</param>
/// <param name="Help">What it measures, in one line.</param>
/// <param name="Series">Its series, one per label set.</param>
public sealed record MetricFamily(string Name, MetricType Type, string Help, IReadOnlyList<MetricSeries> Series);

/// <summary>One series: its labels and its value (or its histogram).</summary>
/// <param name="Labels">Label names and values, in the order rendered.</param>
/// <param name="Value">The value of a counter or gauge.</param>
/// <param name="Histogram">The distribution of a histogram, else null.</param>
public sealed record MetricSeries(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, HistogramValue? Histogram = null);

/// <summary>A histogram's state.</summary>
/// <param name="UpperBounds">The finite bucket upper bounds, ascending (the <c>+Inf</c> bucket is implied).</param>
/// <param name="BucketCounts">Observations per bucket, not cumulative: one per bound, then the one above the last bound.</param>
/// <param name="Sum">The sum of all observations.</param>
public sealed record HistogramValue(IReadOnlyList<double> UpperBounds, IReadOnlyList<long> BucketCounts, double Sum)
{
    /// <summary>All observations.</summary>
    public long Count => BucketCounts.Sum();
}
