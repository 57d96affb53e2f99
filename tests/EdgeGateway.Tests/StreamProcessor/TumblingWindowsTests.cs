using EdgeGateway.StreamProcessor.Ingest;
using Xunit;

namespace EdgeGateway.Tests.StreamProcessor;

/// <summary>Event-time tumbling windows: alignment, aggregates, watermark, allowed lateness, idle close; alert rules.</summary>
public sealed class TumblingWindowsTests
{
    private static readonly WindowSettings Settings = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(9_999, 0)]
    [InlineData(10_000, 10_000)]
    [InlineData(1_795_341_605_123, 1_795_341_600_000)]
    [InlineData(-1, -10_000)]
    public void Windows_are_aligned_to_the_epoch(long eventTime, long start) =>
        Assert.Equal(start, TumblingWindows.WindowStart(eventTime, 10_000));

    [Fact]
    public void A_window_aggregates_count_min_max_mean_and_last_by_event_time()
    {
        var series = new SeriesWindows();
        List<WindowAggregate> closed = [];
        Assert.True(TumblingWindows.Add(series, 1_000, 4, "Cel", Settings, closed));
        Assert.True(TumblingWindows.Add(series, 3_000, 10, "Cel", Settings, closed));
        Assert.True(TumblingWindows.Add(series, 2_000, 1, "Cel", Settings, closed)); // out of order, not the last by event time

        var window = Assert.Single(series.Open.Values);
        Assert.Equal((0L, 10_000L, 3L, 1.0, 10.0, 5.0, 10.0), (window.Start, window.End, window.Count, window.Min, window.Max, window.Mean, window.Last));
        Assert.Empty(closed);
        Assert.Equal(3_000, series.Watermark);
    }

    [Fact]
    public void A_window_closes_only_when_the_watermark_passes_its_end_plus_the_allowed_lateness()
    {
        var series = new SeriesWindows();
        List<WindowAggregate> closed = [];
        TumblingWindows.Add(series, 9_000, 1, null, Settings, closed);
        TumblingWindows.Add(series, 14_999, 2, null, Settings, closed); // watermark 14,999 < 10,000 + 5,000
        Assert.Empty(closed);

        TumblingWindows.Add(series, 15_000, 3, null, Settings, closed);
        var first = Assert.Single(closed);
        Assert.Equal((0L, 1L), (first.Start, first.Count));
        Assert.Equal(10_000, series.ClosedThrough);
        Assert.Equal([10_000L], series.Open.Keys);
    }

    [Fact]
    public void A_late_reading_within_the_allowed_lateness_updates_its_window_and_one_beyond_it_is_counted_late()
    {
        var series = new SeriesWindows();
        List<WindowAggregate> closed = [];
        TumblingWindows.Add(series, 5_000, 1, null, Settings, closed);
        TumblingWindows.Add(series, 12_000, 2, null, Settings, closed);

        // 7 s behind the watermark, but its window [0, 10 s) stays open until the watermark reaches 15 s.
        Assert.True(TumblingWindows.Add(series, 5_500, 7, null, Settings, closed));
        Assert.Equal(2, series.Open[0].Count);

        TumblingWindows.Add(series, 16_000, 3, null, Settings, closed);
        Assert.Equal(2, Assert.Single(closed).Count);

        Assert.False(TumblingWindows.Add(series, 9_999, 100, null, Settings, closed));
        Assert.Equal(1, series.Late);
        Assert.Single(closed);
        Assert.DoesNotContain(0L, series.Open.Keys);
    }

    [Fact]
    public void Several_windows_close_in_order_when_the_watermark_jumps()
    {
        var series = new SeriesWindows();
        List<WindowAggregate> closed = [];
        TumblingWindows.Add(series, 1_000, 1, null, Settings, closed);
        TumblingWindows.Add(series, 11_000, 2, null, Settings, closed);
        TumblingWindows.Add(series, 21_000, 3, null, Settings, closed);
        Assert.Equal([0L], closed.Select(w => w.Start));

        TumblingWindows.Add(series, 100_000, 4, null, Settings, closed);
        Assert.Equal([0L, 10_000L, 20_000L], closed.Select(w => w.Start));
        Assert.Equal(30_000, series.ClosedThrough);
    }

    [Fact]
    public void A_quiet_series_closes_its_windows_on_the_wall_clock_and_a_reading_for_them_is_then_late()
    {
        var series = new SeriesWindows();
        List<WindowAggregate> closed = [];
        TumblingWindows.Add(series, 1_000, 1, null, Settings, closed);

        TumblingWindows.CloseIdle(series, 10_000 + 5_000 + 30_000 - 1, Settings, closed);
        Assert.Empty(closed);
        TumblingWindows.CloseIdle(series, 10_000 + 5_000 + 30_000, Settings, closed);
        Assert.Single(closed);

        Assert.False(TumblingWindows.Add(series, 2_000, 1, null, Settings, closed));
        Assert.Equal(1, series.Late);
    }

    [Theory]
    [InlineData("pm25>50", "pm25", true, 50)]
    [InlineData(" temperature < -5.5 ", "temperature", false, -5.5)]
    [InlineData("laeq>1e2", "laeq", true, 100)]
    public void Alert_rules_parse(string text, string metric, bool above, double threshold)
    {
        var rule = AlertRule.Parse(text);
        Assert.Equal((metric, above, threshold), (rule.Metric, rule.Above, rule.Threshold));
        Assert.Equal(above, rule.Breached(threshold + 1));
        Assert.False(rule.Breached(threshold));
    }

    [Theory]
    [InlineData("pm25")]
    [InlineData("pm25=5")]
    [InlineData(">5")]
    [InlineData("pm25>abc")]
    public void Bad_alert_rules_say_what_is_expected(string text) =>
        Assert.Contains("METRIC>VALUE", Assert.Throws<FormatException>(() => AlertRule.Parse(text)).Message);
}
