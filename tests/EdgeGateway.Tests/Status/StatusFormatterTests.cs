using EdgeGateway.Status;
using EdgeGateway.Testing.Time;
using Xunit;

namespace EdgeGateway.Tests.Status;

public sealed class StatusFormatterTests
{
    private readonly FakeTimeProvider _time = new();

    [Theory]
    [InlineData(0, "0 ms")]
    [InlineData(250, "250 ms")]
    [InlineData(2000, "2 s")]
    [InlineData(3250, "3.2 s")]
    [InlineData(59_990, "59.9 s")]
    [InlineData(245_000, "4m 05s")]
    [InlineData(7_380_000, "2h 03m")]
    [InlineData(273_600_000, "3d 04h")]
    [InlineData(-5, "0 ms")]
    public void Durations_read_as_people_write_them(long milliseconds, string expected) =>
        Assert.Equal(expected, StatusFormatter.Duration(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(4200, "4.1 KiB")]
    [InlineData(966_367_641, "921.6 MiB")]
    [InlineData(1L << 30, "1.0 GiB")]
    public void Sizes_use_binary_units(long bytes, string expected) => Assert.Equal(expected, StatusFormatter.Bytes(bytes));

    [Fact]
    public void The_summary_lists_every_stage_with_units()
    {
        var status = new FakeStatistics(_time).Collector().Collect();
        _time.Advance(TimeSpan.FromMilliseconds(400));

        var lines = StatusFormatter.Format(status, _time.GetUtcNow()).Split('\n');

        Assert.Equal("gateway          gw-status (Cabinet 12, Main Street): running, snapshot 400 ms old", lines[0]);
        Assert.Contains("  received       105 messages", lines);
        Assert.Contains("  acknowledged   104 messages", lines);
        Assert.Contains("  connections    2 made, 1 lost", lines);
        Assert.Contains("  last error     Lost the connection to 127.0.0.1:1883: closed (400 ms ago)", lines);
        Assert.Contains("  ingested       100 readings", lines);
        Assert.Contains("  dead-lettered  5 (malformed-json 3, unknown-device 2)", lines);
        Assert.Contains("  depth          10 rows (normal 7, priority 3; 4 in flight)", lines);
        Assert.Contains("  size           3.0 KiB of 1.0 MiB (0.3 %)", lines);
        Assert.Contains("  oldest unsent  3.2 s", lines);
        Assert.Contains("  dropped        7 (expired 6, disk-guard 1)", lines);
        Assert.Contains("  forwarded      90 rows", lines);
        Assert.Contains("  forwarded      90 readings", lines);
        Assert.Contains("  last delivery  400 ms ago", lines);
        Assert.Contains(lines, l => l.StartsWith("mqtt             connected: 127.0.0.1:1883 (client edge-gateway-gw-status, 1 subscription), since 2026-01-01T00:00:00Z", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("kafka            connected: k1:9092,k2:9092, topic edge.readings", StringComparison.Ordinal));
    }

    [Fact]
    public void The_summary_says_whether_the_gateway_is_ready_and_which_check_failed()
    {
        var report = new EdgeGateway.Observability.HealthReport(
        [
            EdgeGateway.Observability.HealthCheck.Pass("critical-loops"),
            EdgeGateway.Observability.HealthCheck.Fail("mqtt", "MQTT broker 127.0.0.1:1883 is disconnected"),
        ]);
        var stats = new FakeStatistics(_time);
        var collector = new GatewayStatusCollector(
            new StatusSources("gw-status", null, TimeSpan.FromSeconds(2), () => stats.Mqtt, () => stats.Ingest, () => stats.Buffer, () => stats.Kafka) { Readiness = () => report },
            _time);

        var status = collector.Collect();
        var lines = StatusFormatter.Format(status, _time.GetUtcNow()).Split('\n');

        Assert.False(status.Readiness!.Ready);
        Assert.Equal(["mqtt: MQTT broker 127.0.0.1:1883 is disconnected"], status.Readiness.Failed);
        Assert.Contains("  ready          no: mqtt: MQTT broker 127.0.0.1:1883 is disconnected", lines);
        Assert.DoesNotContain("  ready", StatusFormatter.Format(collector.Collect(GatewayRunState.Stopped), _time.GetUtcNow()), StringComparison.Ordinal);
    }

    [Fact]
    public void An_MQTT_source_without_subscriptions_reads_off()
    {
        var stats = new FakeStatistics(_time);
        stats.Mqtt = stats.Mqtt with { State = EdgeGateway.Sources.MqttSourceState.Off, Subscriptions = 0 };

        var text = StatusFormatter.Format(stats.Collector().Collect(), _time.GetUtcNow());

        Assert.Contains("mqtt             off: no subscriptions configured (Mqtt:Subscriptions), broker 127.0.0.1:1883 not used\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_older_than_three_intervals_is_stale_and_says_so()
    {
        var status = new FakeStatistics(_time).Collector(TimeSpan.FromSeconds(5)).Collect();

        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.False(StatusFormatter.IsStale(status, _time.GetUtcNow()));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(StatusFormatter.IsStale(status, _time.GetUtcNow()));
        Assert.StartsWith(
            "gateway          gw-status (Cabinet 12, Main Street): NOT RESPONDING, last snapshot 15 s old (expected every 5 s)",
            StatusFormatter.Format(status, _time.GetUtcNow()),
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_interval_is_given_ten_seconds_before_the_snapshot_is_stale()
    {
        var status = new FakeStatistics(_time).Collector(TimeSpan.FromMilliseconds(200)).Collect();

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(StatusFormatter.IsStale(status, _time.GetUtcNow()));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(StatusFormatter.IsStale(status, _time.GetUtcNow()));
    }

    [Fact]
    public void A_stopped_gateway_is_never_stale_but_says_when_it_stopped()
    {
        var status = new FakeStatistics(_time).Collector().Collect(GatewayRunState.Stopped);
        _time.Advance(TimeSpan.FromDays(1));

        Assert.False(StatusFormatter.IsStale(status, _time.GetUtcNow()));
        Assert.Contains("stopped at 2026-01-01T00:00:00Z", StatusFormatter.Format(status, _time.GetUtcNow()), StringComparison.Ordinal);
    }

    [Fact]
    public void GPIO_lines_are_listed_with_their_counters_and_appear_in_the_json_only_when_configured()
    {
        var plain = new FakeStatistics(_time).Collector().Collect();
        Assert.DoesNotContain("\"gpio\"", System.Text.Json.JsonSerializer.Serialize(plain, StatusJsonContext.Default.GatewayStatus), StringComparison.Ordinal);
        Assert.DoesNotContain("gpio", StatusFormatter.Format(plain, _time.GetUtcNow()), StringComparison.Ordinal);

        var status = plain with
        {
            Sources = plain.Sources with
            {
                Gpio = new GpioStatus
                {
                    Chip = "/dev/gpiochip0",
                    ChipOpen = true,
                    Lines =
                    [
                        new GpioLineStatus { Name = "loop", Offset = 17, Kind = "counter", Open = true, Pulses = 1204, Bounces = 37, Changes = 0, Readings = 61 },
                        new GpioLineStatus { Name = "door", Offset = 22, Kind = "contact", Open = true, Pulses = 0, Bounces = 0, Changes = 3, Level = false, Readings = 4 },
                        new GpioLineStatus { Name = "lid", Offset = 40, Kind = "contact", Open = false, Pulses = 0, Bounces = 0, Changes = 0, Readings = 0, LastError = "no line 40" },
                    ],
                },
            },
        };

        var lines = StatusFormatter.Format(status, _time.GetUtcNow()).Split('\n');
        Assert.Contains("gpio             open: /dev/gpiochip0, 3 lines", lines);
        Assert.Contains("  loop (17)      counter, 1204 pulses, 37 bounce edges dropped, 61 readings", lines);
        Assert.Contains("  door (22)      contact, inactive, 3 changes, 4 readings", lines);
        Assert.Contains("  lid (40)       contact, level unknown, 0 changes, 0 readings (NOT WATCHED: no line 40)", lines);
        using var json = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(status, StatusJsonContext.Default.GatewayStatus));
        var gpio = json.RootElement.GetProperty("sources").GetProperty("gpio");
        Assert.Equal("/dev/gpiochip0", gpio.GetProperty("chip").GetString());
        Assert.Equal(1204, gpio.GetProperty("lines")[0].GetProperty("pulses").GetInt64());
    }
}
