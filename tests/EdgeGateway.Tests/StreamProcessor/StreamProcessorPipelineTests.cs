using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using EdgeGateway.Tests.Pipeline;
using Microsoft.Data.Sqlite;
using Xunit;

namespace EdgeGateway.Tests.StreamProcessor;

/// <summary>
/// The whole path with real processes: firmware-sim (with duplicate sends) → mosquitto → edge-gateway →
/// Kafka (mock cluster) → two stream-processor instances in one group on one state file. The gateway is
/// SIGKILLed and restarted, and so is the instance that owns the gateway's partition (the other takes
/// it over). At the end every window matches the one computed independently from the simulator's
/// ledger, each reading was processed exactly once (duplicates dropped, none late, none lost), and
/// every closed window reached the window topic.
/// </summary>
public sealed class StreamProcessorPipelineTests : LoggedTest
{
    private const string GatewayId = "gw-pipeline";
    private readonly TempDirectory _directory = TempDirectory.Create("processor-pipeline");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Windows_match_the_ledger_through_duplicates_a_gateway_kill_and_a_processor_failover()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        foreach (var topic in new[] { "edge.readings", "edge.responses", "edge.windows", "edge.alerts", "edge.deadletter" })
        {
            kafka.CreateTopic(topic, partitions: 2);
        }

        var config = WriteGatewayConfiguration(broker.Port, kafka.BootstrapServers);
        var state = _directory.File("processor.db");

        // Windows of 1 s with 2 s of allowed lateness; nothing closes by the wall clock during the test.
        string[] options = ["--window", "1s", "--allowed-lateness", "2s", "--idle-timeout", "10m", "--outbox-lease", "2s", "--alert", "pm25>15"];
        var processors = new Dictionary<string, ExternalProcess>
        {
            ["a"] = await ProcessorProgram.StartRunAsync(kafka.BootstrapServers, state, "a", options),
            ["b"] = await ProcessorProgram.StartRunAsync(kafka.BootstrapServers, state, "b", options),
        };
        var gateway = await GatewayRig.StartGatewayAsync(config, "city/+/+/+");
        var ledger = _directory.File("ledger.jsonl");
        var simulator = DotNetPrograms.RunFirmwareSimAsync(
            ["--broker", $"127.0.0.1:{broker.Port}", "--devices", "12", "--rate", "120", "--duration", "12", "--qos", "1", "--seed", "8",
             "--faults", "duplicate=0.05", "--ledger", ledger, "--progress", "0"],
            CancellationToken);

        await Eventually.TrueAsync(() => Counter(state, "batches") >= 5, "the processors took the first batches", cancellationToken: CancellationToken);
        await gateway.KillAsync();
        gateway = await GatewayRig.StartGatewayAsync(config, "city/+/+/+");

        await Eventually.TrueAsync(() => Counter(state, "batches") >= 15, "batches flow again after the gateway's restart", cancellationToken: CancellationToken);
        var owner = processors.Single(p => p.Value.StandardOutput.Any(l => l.Contains($"MCP session opened for {GatewayId}", StringComparison.Ordinal))).Key;
        await processors[owner].KillAsync();
        var other = processors.Keys.Single(k => k != owner);
        await processors[other].WaitForOutputAsync(l => l.Contains($"MCP session opened for {GatewayId}", StringComparison.Ordinal), "the other instance took the gateway's partition over", cancellationToken: CancellationToken);
        processors[owner] = await ProcessorProgram.StartRunAsync(kafka.BootstrapServers, state, owner + "2", options);

        var run = await simulator;
        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);

        // Everything in the ledger reaches Kafka; then the processors take every distinct reading once.
        var expected = ReadLedger(ledger);
        var distinct = new HashSet<(string, long, string)>();
        await Eventually.TrueAsync(
            async _ =>
            {
                distinct = await DistinctReadingsAsync(kafka);
                return expected.Keys.All(distinct.Contains);
            },
            "every ledger reading is in Kafka",
            cancellationToken: CancellationToken);
        await Eventually.TrueAsync(() => Counter(state, "accepted") + Counter(state, "late") >= distinct.Count, "the processors took every reading", cancellationToken: CancellationToken);
        Assert.Equal(distinct.Count, Counter(state, "accepted"));
        Assert.Equal(0, Counter(state, "late"));
        Assert.True(Counter(state, "duplicates") > 0, "the simulator's duplicate sends reach the processor and are dropped there");

        // The windows, from the state file (closed and still open), against the ledger.
        var windows = ReadWindows(state);
        var computed = expected.Values
            .GroupBy(r => (r.Device, r.Metric, Start: r.Time - (r.Time % 1000)))
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Time).ToList());
        Assert.Equal(computed.Keys.Order(), windows.Keys.Order());
        foreach (var (key, readings) in computed)
        {
            var window = windows[key];
            Assert.Equal(readings.Count, window.Count);
            Assert.Equal(readings.Min(r => r.Value), window.Min);
            Assert.Equal(readings.Max(r => r.Value), window.Max);
            Assert.Equal(readings.Average(r => r.Value), window.Sum / window.Count, 9);
            Assert.Equal(readings[^1].Value, window.Last);
        }

        // Every closed window is on the window topic (at least once, always with the same values).
        var closed = windows.Where(w => w.Value.Closed).ToDictionary();
        Assert.NotEmpty(closed);
        await Eventually.TrueAsync(
            async _ => (await WindowRecordsAsync(kafka)).Select(w => w.Key).Distinct().Count() >= closed.Count,
            "the closed windows reached the window topic",
            cancellationToken: CancellationToken);
        foreach (var group in (await WindowRecordsAsync(kafka)).GroupBy(w => w.Key))
        {
            var stored = closed[group.Key];
            Assert.All(group, record => Assert.Equal((stored.Count, stored.Min, stored.Max, stored.Last), (record.Count, record.Min, record.Max, record.Last)));
        }

        await GatewayRigStopAsync(gateway);
        foreach (var processor in processors.Values.Where(p => !p.HasExited))
        {
            await ProcessorProgram.StopAsync(processor);
        }
    }

    private string WriteGatewayConfiguration(int mqttPort, string bootstrapServers) =>
        _directory.WriteFile("gateway.json", new JsonObject
        {
            ["Gateway"] = new JsonObject { ["Id"] = GatewayId },
            ["Mqtt"] = new JsonObject
            {
                ["Host"] = "127.0.0.1",
                ["Port"] = mqttPort,
                ["Subscriptions"] = new JsonArray(new JsonObject
                {
                    ["Topic"] = "city/{district}/{model}/{deviceId}",
                    ["QoS"] = 1,
                    ["Decoder"] = JsonNode.Parse("""{ "Kind": "json", "Json": { "TimeField": "ts", "SequenceField": "seq", "AllNumericFields": true } }"""),
                }),
            },
            ["Context"] = new JsonObject { ["RegistryPath"] = _directory.File("registry.db") },
            ["Buffer"] = new JsonObject { ["Path"] = _directory.File("buffer.db") },
            ["Kafka"] = new JsonObject { ["BootstrapServers"] = bootstrapServers, ["Topic"] = "edge.readings", ["Linger"] = "20ms" },
        }.ToJsonString());

    private static async Task GatewayRigStopAsync(ExternalProcess gateway)
    {
        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        Assert.Equal(0, gateway.ExitCode);
    }

    private static Dictionary<(string Device, long Sequence, string Metric), LedgerReading> ReadLedger(string path)
    {
        var readings = new Dictionary<(string, long, string), LedgerReading>();
        foreach (var line in File.ReadLines(path).Where(l => l.Length > 0))
        {
            var root = JsonDocument.Parse(line).RootElement;
            var reading = new LedgerReading(root.GetProperty("device").GetString()!, root.GetProperty("metric").GetString()!, root.GetProperty("value").GetDouble(), root.GetProperty("time").GetInt64());
            readings.Add((reading.Device, root.GetProperty("seq").GetInt64(), reading.Metric), reading);
        }

        return readings;
    }

    private static async Task<HashSet<(string, long, string)>> DistinctReadingsAsync(KafkaFixture kafka)
    {
        var keys = new HashSet<(string, long, string)>();
        foreach (var record in await kafka.ReadAvailableAsync("edge.readings", cancellationToken: CancellationToken))
        {
            foreach (var reading in JsonDocument.Parse(record.Value!).RootElement.GetProperty("params").GetProperty("arguments").GetProperty("readings").EnumerateArray())
            {
                keys.Add((reading.GetProperty("d").GetString()!, reading.GetProperty("s").GetInt64(), reading.GetProperty("m").GetString()!));
            }
        }

        return keys;
    }

    private static async Task<List<WindowRecord>> WindowRecordsAsync(KafkaFixture kafka) =>
        [.. (await kafka.ReadAvailableAsync("edge.windows", cancellationToken: CancellationToken)).Select(record =>
        {
            var root = JsonDocument.Parse(record.Value!).RootElement;
            return new WindowRecord(
                (root.GetProperty("deviceId").GetString()!, root.GetProperty("metric").GetString()!, root.GetProperty("start").GetDateTimeOffset().ToUnixTimeMilliseconds()),
                root.GetProperty("count").GetInt64(), root.GetProperty("min").GetDouble(), root.GetProperty("max").GetDouble(), root.GetProperty("last").GetDouble());
        })];

    private static long Counter(string statePath, string name)
    {
        if (!File.Exists(statePath))
        {
            return 0;
        }

        using var connection = Open(statePath);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(max(value), 0) FROM counters WHERE name = $n";
        command.Parameters.AddWithValue("$n", name);
        return (long)command.ExecuteScalar()!;
    }

    private static Dictionary<(string Device, string Metric, long Start), StoredWindow> ReadWindows(string statePath)
    {
        using var connection = Open(statePath);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT device, metric, start, count, min, max, sum, last, closed FROM windows";
        using var reader = command.ExecuteReader();
        var windows = new Dictionary<(string, string, long), StoredWindow>();
        while (reader.Read())
        {
            windows.Add(
                (reader.GetString(0), reader.GetString(1), reader.GetInt64(2)),
                new StoredWindow(reader.GetInt64(3), reader.GetDouble(4), reader.GetDouble(5), reader.GetDouble(6), reader.GetDouble(7), reader.GetInt64(8) == 1));
        }

        return windows;
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private sealed record LedgerReading(string Device, string Metric, double Value, long Time);

    private sealed record StoredWindow(long Count, double Min, double Max, double Sum, double Last, bool Closed);

    private sealed record WindowRecord((string Device, string Metric, long Start) Key, long Count, double Min, double Max, double Last);
}
