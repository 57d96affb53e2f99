using Xunit;

namespace EdgeGateway.Tests.Observability;

/// <summary>The strict parser the metrics tests rely on: it must accept the format and refuse every rule broken.</summary>
public sealed class PrometheusTextParserTests
{
    private const string Valid = """
        # HELP edgegateway_readings_received_total Readings received, "quoted" and a back\\slash\nnext line
        # TYPE edgegateway_readings_received_total counter
        edgegateway_readings_received_total{device_type="air-quality",source="mqtt"} 12
        edgegateway_readings_received_total{device_type="a\"b\\c\nd",source="mqtt"} 1
        # HELP edgegateway_buffer_size_bytes Bytes.
        # TYPE edgegateway_buffer_size_bytes gauge
        edgegateway_buffer_size_bytes 1.5e3
        # HELP edgegateway_commit_seconds Commit time.
        # TYPE edgegateway_commit_seconds histogram
        edgegateway_commit_seconds_bucket{le="0.005"} 1
        edgegateway_commit_seconds_bucket{le="0.1"} 3
        edgegateway_commit_seconds_bucket{le="+Inf"} 4
        edgegateway_commit_seconds_sum 2.25
        edgegateway_commit_seconds_count 4

        """;

    [Fact]
    public void A_valid_exposition_parses_with_its_values_help_and_unescaped_labels()
    {
        var document = PrometheusTextParser.Parse(Normalize(Valid));

        Assert.Equal(["edgegateway_buffer_size_bytes", "edgegateway_commit_seconds", "edgegateway_readings_received_total"], document.Families.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Readings received, \"quoted\" and a back\\slash\nnext line", document["edgegateway_readings_received_total"].Help);
        Assert.Equal(12, document.Value("edgegateway_readings_received_total", ("source", "mqtt"), ("device_type", "air-quality")));
        Assert.Equal(1, document.Value("edgegateway_readings_received_total", ("source", "mqtt"), ("device_type", "a\"b\\c\nd")));
        Assert.Equal(1500, document.Value("edgegateway_buffer_size_bytes"));
        Assert.Equal(4, document.Value("edgegateway_commit_seconds_bucket", ("le", "+Inf")));
        Assert.Equal("histogram", document["edgegateway_commit_seconds"].Type);
    }

    [Theory]
    [InlineData("x_total 1\n", "no # TYPE")]
    [InlineData("# TYPE x_total counter\nx_total 1\n", "no # HELP")]
    [InlineData("# HELP x_total h\n# TYPE x_total counter\nx_total 1", "does not end with a line feed")]
    [InlineData("# HELP x h\n# TYPE x counter\nx 1\n", "does not end in _total")]
    [InlineData("# HELP x_total h\n# TYPE x_total gauge\nx_total 1\n", "ends in _total")]
    [InlineData("# HELP x h\n# TYPE x summary\n", "is not counter, gauge or histogram")]
    [InlineData("# HELP x h\n# TYPE x gauge\n# TYPE x gauge\n", "second TYPE")]
    [InlineData("# HELP x h\n# HELP x h\n", "second HELP")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx 1\nx 2\n", "duplicate series")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx{a=\"1\",b=\"2\"} 1\nx{b=\"2\",a=\"1\"} 2\n", "duplicate series")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx{a=\"1\",a=\"2\"} 1\n", "appears twice")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx{a=\"\\t\"} 1\n", "invalid escape")]
    [InlineData("# HELP x a \\t tab\n# TYPE x gauge\n", "invalid escape")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx{a=\"1\"\n", "expected")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx{a=\"1} 1\n", "not closed")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx{a=1} 1\n", "no quoted value")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx{a=\"1\",} 1\n", "a comma before")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx{1a=\"1\"} 1\n", "invalid label name")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx{__name__=\"y\"} 1\n", "reserved")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx one\n", "invalid value")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx 1,5\n", "invalid value")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx  1\n", "single spaces")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx 1 12.5\n", "invalid timestamp")]
    [InlineData("# HELP x-y h\n", "invalid metric name")]
    [InlineData("# HELP x_total h\n# TYPE x_total counter\nx_total -1\n", "counter 'x_total' is -1")]
    [InlineData("# HELP x h\n# TYPE x gauge\n# HELP y h\n# TYPE y gauge\ny 1\nx 1\n", "not together")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx 1\n# HELP y h\n# TYPE y gauge\n# TYPE x gauge\n", "not together")]
    [InlineData("# HELP x h\n# TYPE x gauge\nx{le=\"1\"} 1\n", "label le on a gauge")]
    [InlineData("#TYPE x gauge\n", "malformed comment")]
    [InlineData("# HELP x h\r\n", "carriage return")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n", "fewer than the bucket before")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n", "not in ascending order")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "no le=\"+Inf\" bucket")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", "differs from the +Inf bucket")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n", "no _sum")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\n", "no _count")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket 2\n", "without le")]
    [InlineData("# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1.5\nh_sum 1\nh_count 1.5\n", "is not a count")]
    public void A_broken_rule_is_refused_with_its_reason(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => PrometheusTextParser.Parse(text));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", 1.0)]
    [InlineData("-2.5", -2.5)]
    [InlineData("1e-05", 0.00001)]
    [InlineData("1E+16", 1e16)]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    public void Values_in_the_formats_of_the_spec_parse(string text, double expected) =>
        Assert.Equal(expected, PrometheusTextParser.ParseValue(text));

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
