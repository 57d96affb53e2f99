using System.Diagnostics.Metrics;
using EdgeGateway.Observability;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace EdgeGateway.Tests.Observability;

/// <summary>The gateway's own Prometheus writer and the collector that feeds it, read back by the strict parser.</summary>
public sealed class PrometheusTextWriterTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddGatewayMetrics().BuildServiceProvider();

    private GatewayMeter Meter => _services.GetRequiredService<GatewayMeter>();

    private MetricsCollector Collector => _services.GetRequiredService<MetricsCollector>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Label_values_and_help_are_escaped_and_read_back_unchanged()
    {
        const string Awkward = "back\\slash \"quoted\"\nsecond line, {braces}=";
        var text = PrometheusTextWriter.Write(
        [
            new MetricFamily("x_total", MetricType.Counter, "help with \\ and\nnewline \"kept\"", [new MetricSeries([new("reason", Awkward)], 3)]),
        ]);

        Assert.Contains("x_total{reason=\"back\\\\slash \\\"quoted\\\"\\nsecond line, {braces}=\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("# HELP x_total help with \\\\ and\\nnewline \"kept\"\n", text, StringComparison.Ordinal);
        var document = PrometheusTextParser.Parse(text);
        Assert.Equal(3, document.Value("x_total", ("reason", Awkward)));
        Assert.Equal("help with \\ and\nnewline \"kept\"", document["x_total"].Help);
    }

    [Fact]
    public void A_histogram_renders_cumulative_buckets_ending_in_Inf_then_sum_and_count()
    {
        var histogram = new HistogramValue([0.1, 1], [1, 1, 1], 5.55);

        var text = PrometheusTextWriter.Write([new MetricFamily("d_seconds", MetricType.Histogram, "d", [new MetricSeries([new("outcome", "ok")], 0, histogram)])]);

        Assert.Equal(
            """
            # HELP d_seconds d
            # TYPE d_seconds histogram
            d_seconds_bucket{outcome="ok",le="0.1"} 1
            d_seconds_bucket{outcome="ok",le="1"} 2
            d_seconds_bucket{outcome="ok",le="+Inf"} 3
            d_seconds_sum{outcome="ok"} 5.55
            d_seconds_count{outcome="ok"} 3

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            text);
        PrometheusTextParser.Parse(text);
    }

    [Theory]
    [InlineData(3.0, "3")]
    [InlineData(0.25, "0.25")]
    [InlineData(1e21, "1E+21")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Values_are_written_round_trip_in_the_invariant_culture(double value, string expected)
    {
        Assert.Equal(expected, PrometheusTextWriter.FormatValue(value));
        Assert.Equal(value, PrometheusTextParser.ParseValue(expected));
    }

    [Theory]
    [InlineData("edgegateway.readings.received", "{reading}", MetricType.Counter, "edgegateway_readings_received_total")]
    [InlineData("edgegateway.buffer.commit.duration", "s", MetricType.Histogram, "edgegateway_buffer_commit_duration_seconds")]
    [InlineData("edgegateway.buffer.size", "By", MetricType.Gauge, "edgegateway_buffer_size_bytes")]
    [InlineData("edgegateway.gc.allocated", "By", MetricType.Counter, "edgegateway_gc_allocated_bytes_total")]
    [InlineData("edgegateway.uptime_seconds", "s", MetricType.Gauge, "edgegateway_uptime_seconds")]
    [InlineData("edge-gateway.odd name", null, MetricType.Gauge, "edge_gateway_odd_name")]
    public void Instrument_names_become_Prometheus_names_with_unit_and_total_suffixes(string instrument, string? unit, MetricType type, string expected) =>
        Assert.Equal(expected, MetricsCollector.PrometheusName(instrument, unit, type));

    [Fact]
    public void The_collector_sums_counters_per_label_set_counts_histograms_into_advised_buckets_and_reads_observables_when_collected()
    {
        var collector = Collector;
        var counter = Meter.Meter.CreateCounter<long>("test.items", "{item}", "Items");
        var histogram = Meter.LatencyHistogram("test.latency", "Latency");
        var gaugeValue = 7;
        Meter.Meter.CreateObservableGauge("test.depth", () => gaugeValue, "{item}", "Depth");

        counter.Add(2, new KeyValuePair<string, object?>("kind", "a"));
        counter.Add(3, new KeyValuePair<string, object?>("kind", "a"));
        counter.Add(1, new KeyValuePair<string, object?>("kind", "b"));
        histogram.Record(0.0007);
        histogram.Record(0.003);
        histogram.Record(60);
        var first = PrometheusTextParser.Parse(collector.CollectText());
        gaugeValue = 9;
        var second = PrometheusTextParser.Parse(collector.CollectText());

        Assert.Equal(5, first.Value("test_items_total", ("kind", "a")));
        Assert.Equal(1, first.Value("test_items_total", ("kind", "b")));
        Assert.Equal(0, first.Value("test_latency_seconds_bucket", ("le", "0.0005")));
        Assert.Equal(1, first.Value("test_latency_seconds_bucket", ("le", "0.001")));
        Assert.Equal(2, first.Value("test_latency_seconds_bucket", ("le", "0.005")));
        Assert.Equal(2, first.Value("test_latency_seconds_bucket", ("le", "30")));
        Assert.Equal(3, first.Value("test_latency_seconds_bucket", ("le", "+Inf")));
        Assert.Equal(60.0037, first.Value("test_latency_seconds_sum"), 9);
        Assert.Equal(7, first.Value("test_depth"));
        Assert.Equal(9, second.Value("test_depth"));
        Assert.Equal("Items", first["test_items_total"].Help);
    }

    [Fact]
    public void The_collector_hears_only_its_own_hosts_meter()
    {
        var collector = Collector;
        using var other = new ServiceCollection().AddGatewayMetrics().BuildServiceProvider();
        _ = other.GetRequiredService<MetricsCollector>();
        other.GetRequiredService<GatewayMeter>().Meter.CreateCounter<long>("test.elsewhere").Add(1);
        Meter.Meter.CreateCounter<long>("test.here").Add(1);

        var document = PrometheusTextParser.Parse(collector.CollectText());

        Assert.True(document.Families.ContainsKey("test_here_total"));
        Assert.False(document.Families.ContainsKey("test_elsewhere_total"));
    }
}
