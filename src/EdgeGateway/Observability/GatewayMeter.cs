using System.Diagnostics.Metrics;

namespace EdgeGateway.Observability;

/// <summary>
/// The gateway's one <see cref="System.Diagnostics.Metrics.Meter"/> (<c>EdgeGateway</c>), made through
/// <see cref="IMeterFactory"/> so that each host (tests run several in one process) has its own and
/// <see cref="MetricsCollector"/> listens only to its host's instruments. The stages create their
/// instruments on it (<c>BufferMetrics</c>, <c>PipelineMetrics</c>...).
/// </summary>
public sealed class GatewayMeter
{
    /// <summary>The meter's name.</summary>
    public const string Name = "EdgeGateway";

    /// <summary>Creates (or gets) this host's meter.</summary>
    public GatewayMeter(IMeterFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Meter = factory.Create(new MeterOptions(Name) { Version = Hosting.ThisAssembly.Version });
    }

    /// <summary>The meter.</summary>
    public Meter Meter { get; }

    /// <summary>Bucket boundaries (seconds) for latencies from sub-millisecond fsyncs to multi-second Kafka timeouts.</summary>
    public static IReadOnlyList<double> LatencyBuckets { get; } =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    /// <summary>Bucket boundaries for counts of readings in a commit or a batch.</summary>
    public static IReadOnlyList<double> CountBuckets { get; } = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    /// <summary>Bucket boundaries (bytes) for encoded batch sizes, up to Kafka's default 1 MiB record limit and past it.</summary>
    public static IReadOnlyList<double> ByteBuckets { get; } =
        [256, 1024, 4096, 16384, 65536, 262144, 524288, 1048576, 4194304];

    /// <summary>A histogram of durations in seconds with <see cref="LatencyBuckets"/>.</summary>
    public Histogram<double> LatencyHistogram(string name, string description) =>
        Meter.CreateHistogram(name, "s", description, tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    /// <summary>A histogram of counts with <see cref="CountBuckets"/>.</summary>
    public Histogram<long> CountHistogram(string name, string unit, string description) =>
        Meter.CreateHistogram(name, unit, description, tags: null, new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. CountBuckets.Select(b => (long)b)] });

    /// <summary>A histogram of sizes in bytes with <see cref="ByteBuckets"/>.</summary>
    public Histogram<long> ByteHistogram(string name, string description) =>
        Meter.CreateHistogram(name, "By", description, tags: null, new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. ByteBuckets.Select(b => (long)b)] });
}
