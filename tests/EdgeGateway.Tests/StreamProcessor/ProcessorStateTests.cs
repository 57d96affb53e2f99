using System.Text.Json;
using EdgeGateway.StreamProcessor;
using EdgeGateway.StreamProcessor.Ingest;
using EdgeGateway.StreamProcessor.State;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Time;
using Xunit;
using static EdgeGateway.Tests.StreamProcessor.ProcessorBatches;

namespace EdgeGateway.Tests.StreamProcessor;

/// <summary>
/// The processor's state on a real SQLite file: duplicates by batch id and by device + sequence + metric,
/// windows, lateness, alerts and the outbox, and all of it across a reopen (a restart).
/// </summary>
public sealed class ProcessorStateTests : IDisposable
{
    private const long T0 = 1_795_341_600_000; // a multiple of 10 s
    private readonly TempDirectory _directory = TempDirectory.Create("processor-state");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(T0));

    public void Dispose() => _directory.Dispose();

    private ProcessorOptions Options() => new()
    {
        BootstrapServers = "unused:9092",
        StatePath = _directory.File("state.db"),
        Window = TimeSpan.FromSeconds(10),
        AllowedLateness = TimeSpan.FromSeconds(5),
        IdleTimeout = TimeSpan.FromSeconds(30),
        Alerts = [AlertRule.Parse("pm25>50")],
    };

    private static IngestBatch Batch(int id, params Item[] readings)
    {
        var arguments = JsonSerializer.SerializeToElement(Arguments(Id(id), "gw-1", readings));
        Assert.Empty(BatchSchema.Validate(arguments));
        return IngestBatch.Parse(arguments);
    }

    [Fact]
    public void A_batch_seen_before_is_dropped_whole_and_readings_seen_before_are_dropped_one_by_one()
    {
        using var state = new ProcessorState(Options(), _time);
        var first = state.Ingest(Batch(1, new("aq-1", "pm25", 10, T0 + 1_000, 1), new("aq-1", "pm10", 20, T0 + 1_000, 1)));
        Assert.Equal((false, 2, 0, 0), (first.DuplicateBatch, first.Accepted, first.Duplicates, first.Late));

        var again = state.Ingest(Batch(1, new("aq-1", "pm25", 10, T0 + 1_000, 1), new("aq-1", "pm10", 20, T0 + 1_000, 1)));
        Assert.Equal((true, 0, 2), (again.DuplicateBatch, again.Accepted, again.Duplicates));

        // A new batch (the gateway restarted) repeating one reading: same device, sequence and metric.
        var overlap = state.Ingest(Batch(2, new("aq-1", "pm25", 10, T0 + 1_000, 1), new("aq-1", "pm25", 12, T0 + 2_000, 2)));
        Assert.Equal((false, 1, 1), (overlap.DuplicateBatch, overlap.Accepted, overlap.Duplicates));

        var counters = state.Counters();
        Assert.Equal(3, counters["accepted"]);
        Assert.Equal(3, counters["duplicates"]);
        Assert.Equal(1, counters["duplicate_batches"]);
    }

    [Fact]
    public void Windows_lateness_and_alerts_continue_across_a_restart_and_reach_the_outbox_once()
    {
        var options = Options();
        using (var state = new ProcessorState(options, _time))
        {
            state.Ingest(Batch(1, new("aq-1", "pm25", 10, T0 + 1_000, 1), new("aq-1", "pm25", 60, T0 + 4_000, 2)));
        }

        using (var state = new ProcessorState(options, _time))
        {
            // Still deduplicated after the restart, and the open window goes on from what was stored.
            Assert.Equal(1, state.Ingest(Batch(2, new Item("aq-1", "pm25", 10, T0 + 1_000, 1))).Duplicates);
            var outcome = state.Ingest(Batch(
                3,
                new("aq-1", "pm25", 20, T0 + 12_000, 3),
                new("aq-1", "pm25", 30, T0 + 8_000, 4),    // 4 s behind the watermark: its window is still open
                new("aq-1", "pm25", 40, T0 + 16_000, 5),   // the watermark passes 10 s + 5 s: [0, 10 s) closes
                new("aq-1", "pm25", 99, T0 + 9_000, 6)));  // too late
            Assert.Equal((3, 1, 1), (outcome.Accepted, outcome.Late, outcome.WindowsClosed));

            var records = state.ClaimOutbox(100, TimeSpan.FromSeconds(30));
            var alerts = records.Where(r => r.Topic == options.AlertTopic).Select(r => JsonDocument.Parse(r.Value).RootElement).ToList();
            Assert.Equal(["alert-raised", "alert-cleared"], alerts.Select(a => a.GetProperty("kind").GetString()));
            Assert.Equal(60, alerts[0].GetProperty("value").GetDouble());
            Assert.Equal("pm25>50", alerts[0].GetProperty("rule").GetString());

            var window = JsonDocument.Parse(Assert.Single(records, r => r.Topic == options.WindowTopic).Value).RootElement;
            Assert.Equal("aq-1", window.GetProperty("deviceId").GetString());
            Assert.Equal(3, window.GetProperty("count").GetInt64());
            Assert.Equal((10.0, 60.0, 30.0), (window.GetProperty("min").GetDouble(), window.GetProperty("max").GetDouble(), window.GetProperty("last").GetDouble()));
            Assert.Equal(100.0 / 3, window.GetProperty("mean").GetDouble(), 9);
            Assert.Equal("ug/m3", window.GetProperty("unit").GetString());

            // Claimed records are not handed out twice while the claim lasts; delivered ones go.
            Assert.Empty(state.ClaimOutbox(100, TimeSpan.FromSeconds(30)));
            state.DeleteOutbox(records.Select(r => r.Id));
            _time.Advance(TimeSpan.FromMinutes(1));
            Assert.Empty(state.ClaimOutbox(100, TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public void A_claim_that_expires_hands_the_record_out_again_as_to_an_instance_that_took_over()
    {
        var options = Options();
        using var state = new ProcessorState(options, _time);
        state.Ingest(Batch(1, new Item("aq-1", "pm25", 70, T0 + 1_000, 1)));
        var claimed = Assert.Single(state.ClaimOutbox(10, TimeSpan.FromSeconds(30)));

        using var other = new ProcessorState(options, _time);
        Assert.Empty(other.ClaimOutbox(10, TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(claimed.Id, Assert.Single(other.ClaimOutbox(10, TimeSpan.FromSeconds(30))).Id);
    }

    [Fact]
    public void Windows_of_a_quiet_series_close_after_lateness_and_idle_timeout()
    {
        var options = Options();
        using var state = new ProcessorState(options, _time);
        state.Ingest(Batch(1, new Item("aq-1", "pm25", 10, T0 + 1_000, 1)));
        _time.Advance(TimeSpan.FromMilliseconds(10_000 + 5_000 + 30_000 - 1));
        Assert.Equal(0, state.CloseIdleWindows());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, state.CloseIdleWindows());
        var window = JsonDocument.Parse(Assert.Single(state.ClaimOutbox(10, TimeSpan.FromSeconds(1))).Value).RootElement;
        Assert.Equal("idle", window.GetProperty("closedBy").GetString());
    }

    [Fact]
    public void The_schema_check_names_each_violation()
    {
        var arguments = Arguments("not-a-uuid", "gw 1", [new("aq-1", "pm25", 1, T0, -1)]);
        arguments["extra"] = 1;
        var problems = BatchSchema.Validate(JsonSerializer.SerializeToElement(arguments));
        Assert.Contains(problems, p => p.StartsWith("$.batch.id:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("$.batch.gatewayId:", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("$.readings[0].s:", StringComparison.Ordinal));
        Assert.Contains("$.extra: is not allowed", problems);
    }
}
