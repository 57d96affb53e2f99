using System.Text.Json;
using EdgeGateway.Cli;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Status;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Status;

/// <summary>
/// The gateway as a process between a real mosquitto and Kafka's mock cluster, and
/// <c>edge-gateway status</c> run beside it as an operator would: the printed counters match what
/// was published, what reached Kafka and what was dead-lettered.
/// </summary>
public sealed class StatusEndToEndTests : LoggedTest
{
    private const int Devices = 10;
    private const int ReadingsPerDevice = 20;
    private const int Good = Devices * ReadingsPerDevice;
    private const int Malformed = 3;
    private const int Strangers = 2;
    private const int Bad = Malformed + Strangers;
    private readonly TempDirectory _directory = TempDirectory.Create("status-e2e");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Status_prints_counters_that_match_what_was_published_forwarded_and_dead_lettered()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        var config = WriteConfiguration(broker, kafka.BootstrapServers, topic);
        await using var gateway = await StartGatewayAsync(config);

        await using (var sensors = await TestMqttClients.ConnectAsync(TestMqttClients.Options(broker, LoggerFactory), CancellationToken))
        {
            await PublishAsync(sensors, withBadInput: true);
        }

        // The status file says it is all through: nothing left, every reading forwarded.
        await UntilStatusAsync(
            s => s.Kafka.ReadingsForwarded == Good && s.Ingest.DeadLettered == Bad && s.Buffer.Rows == 0 && s.Sources.Mqtt.Acknowledged == Good + Bad,
            "the status file shows every reading forwarded and every bad message dead-lettered");
        var inKafka = await ReadReadingsAsync(kafka, topic, Good);
        Assert.Equal(Good, inKafka);

        var result = await DotNetPrograms.RunGatewayAsync(["status", "--config", config], cancellationToken: CancellationToken);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Empty(result.StandardError);
        var report = Parse(result.StandardOutput);
        Assert.StartsWith("gw-status: running", report["gateway"][string.Empty], StringComparison.Ordinal);
        Assert.StartsWith($"connected: 127.0.0.1:{broker.Port}", report["mqtt"][string.Empty], StringComparison.Ordinal);
        Assert.Equal($"{Good + Bad} messages", report["mqtt"]["received"]);
        Assert.Equal($"{Good + Bad} messages", report["mqtt"]["acknowledged"]);
        Assert.Equal($"{Good} readings", report["ingest"]["ingested"]);
        Assert.Equal($"{Bad} (malformed-json {Malformed}, unknown-device {Strangers})", report["ingest"]["dead-lettered"]);
        Assert.StartsWith("0 rows (normal 0, priority 0; 0 in flight)", report["buffer"]["depth"], StringComparison.Ordinal);
        Assert.Equal("none", report["buffer"]["oldest unsent"]);
        Assert.Equal("no", report["buffer"]["blocked"]);
        Assert.Equal($"{Good} rows", report["buffer"]["committed"]);
        Assert.Equal($"{Good} rows", report["buffer"]["forwarded"]);
        Assert.Equal("0", report["buffer"]["dropped"]);
        Assert.StartsWith($"{Bad} stored", report["buffer"]["dead letters"], StringComparison.Ordinal);
        Assert.StartsWith($"connected: {kafka.BootstrapServers}, topic {topic}", report["kafka"][string.Empty], StringComparison.Ordinal);
        Assert.Equal($"{Good} readings", report["kafka"]["forwarded"]);
        Assert.Equal("0 readings dead-lettered, 0 batches split", report["kafka"]["rejected"]);

        // Stopped: the last snapshot is written after the pipeline stopped, and status says so.
        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        Assert.Equal(0, gateway.ExitCode);
        DotNetPrograms.AssertNoErrorLogLines(gateway);

        var after = await DotNetPrograms.RunGatewayAsync(["status", "--config", config, "--json"], cancellationToken: CancellationToken);
        Assert.Equal(ExitCodes.Failure, after.ExitCode);
        Assert.Contains("the gateway is not running: it stopped at", after.StandardError, StringComparison.Ordinal);
        var final = JsonSerializer.Deserialize(after.StandardOutput, StatusJsonContext.Default.GatewayStatus)!;
        Assert.Equal(GatewayRunState.Stopped, final.State);
        Assert.Equal(LinkState.Disconnected, final.Sources.Mqtt.State);
        Assert.Equal((Good, Bad, Good), (final.Ingest.ReadingsIngested, final.Ingest.DeadLettered, final.Kafka.ReadingsForwarded));
    }

    [Fact]
    public async Task While_Kafka_cannot_be_reached_status_shows_it_disconnected_with_the_readings_waiting_in_the_buffer()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);

        // A port nothing listens on: every connection attempt is refused.
        var config = WriteConfiguration(broker, $"127.0.0.1:{FreePort.Tcp()}", "edge.readings");
        await using var gateway = await StartGatewayAsync(config);
        await using (var sensors = await TestMqttClients.ConnectAsync(TestMqttClients.Options(broker, LoggerFactory), CancellationToken))
        {
            await PublishAsync(sensors, withBadInput: false);
        }

        await UntilStatusAsync(
            s => s.Buffer.Rows == Good && s.Kafka.State == LinkState.Disconnected && s.Buffer.OldestUnsentAgeSeconds > 0,
            "the status file shows the readings buffered and Kafka disconnected");
        var result = await DotNetPrograms.RunGatewayAsync(["status", "--config", config], cancellationToken: CancellationToken);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        var report = Parse(result.StandardOutput);
        Assert.StartsWith("DISCONNECTED: 127.0.0.1:", report["kafka"][string.Empty], StringComparison.Ordinal);
        Assert.StartsWith("Local_", report["kafka"]["last error"], StringComparison.Ordinal);
        Assert.Equal("never", report["kafka"]["last delivery"]);
        Assert.Equal("0 readings", report["kafka"]["forwarded"]);
        Assert.StartsWith($"{Good} rows", report["buffer"]["depth"], StringComparison.Ordinal);
        Assert.NotEqual("none", report["buffer"]["oldest unsent"]);
        Assert.Equal($"{Good} readings", report["ingest"]["ingested"]);
        Assert.Equal($"{Good} messages", report["mqtt"]["acknowledged"]);
    }

    /// <summary>The summary as section → label → value; a section's own line is under the empty label.</summary>
    private static Dictionary<string, Dictionary<string, string>> Parse(string output)
    {
        var sections = new Dictionary<string, Dictionary<string, string>>();
        Dictionary<string, string>? current = null;
        foreach (var line in output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0))
        {
            if (!line.StartsWith(' '))
            {
                var name = line.Split(' ', 2)[0];
                current = new Dictionary<string, string> { [string.Empty] = line.Length > name.Length ? line[name.Length..].Trim() : string.Empty };
                sections[name] = current;
                continue;
            }

            // "  label          value": labels may hold one space, the column gap is two or more.
            var body = line.Trim();
            var gap = body.IndexOf("  ", StringComparison.Ordinal);
            Assert.True(gap > 0, $"no label column in '{line}'");
            current![body[..gap]] = body[gap..].Trim();
        }

        return sections;
    }

    private static async Task PublishAsync(MqttClient sensors, bool withBadInput)
    {
        var sends = new List<Task<MqttPublishResult>>();
        for (var seq = 0; seq < ReadingsPerDevice; seq++)
        {
            for (var d = 0; d < Devices; d++)
            {
                sends.Add(sensors.PublishAsync($"city/north/aq/aq-{d:000}", $$"""{"seq":{{seq}},"ts":1795341600000,"pm25":{{seq}}.5}""", MqttQualityOfService.AtLeastOnce, cancellationToken: CancellationToken));
            }
        }

        if (withBadInput)
        {
            for (var i = 0; i < Malformed; i++)
            {
                sends.Add(sensors.PublishAsync("city/north/aq/aq-000", """{"seq":""", MqttQualityOfService.AtLeastOnce, cancellationToken: CancellationToken));
            }

            for (var i = 0; i < Strangers; i++)
            {
                sends.Add(sensors.PublishAsync($"city/north/aq/stranger-{i}", """{"seq":1,"ts":1795341600000,"pm25":1.5}""", MqttQualityOfService.AtLeastOnce, cancellationToken: CancellationToken));
            }
        }

        await Eventually.WithinAsync(Task.WhenAll(sends), "the sensors' publishes");
    }

    private async Task UntilStatusAsync(Func<GatewayStatus, bool> condition, string description)
    {
        var path = _directory.File("status.json");
        GatewayStatus? last = null;
        try
        {
            await Eventually.TrueAsync(
                async ct =>
                {
                    last = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(path, ct), StatusJsonContext.Default.GatewayStatus);
                    return last is not null && condition(last);
                },
                description,
                TimeSpan.FromSeconds(60),
                CancellationToken);
        }
        catch (TimeoutException error)
        {
            throw new TimeoutException($"{error.Message} Last snapshot: {(last is null ? "none" : JsonSerializer.Serialize(last, StatusJsonContext.Default.GatewayStatus))}", error);
        }
    }

    private static async Task<int> ReadReadingsAsync(KafkaFixture kafka, string topic, int atLeast)
    {
        var count = 0;
        await Eventually.TrueAsync(
            async ct =>
            {
                var records = await kafka.ReadAvailableAsync(topic, cancellationToken: ct);
                count = records.Sum(r => JsonDocument.Parse(r.Value!).RootElement.GetProperty("params").GetProperty("arguments").GetProperty("readings").GetArrayLength());
                return count >= atLeast;
            },
            $"{atLeast} readings are in Kafka",
            TimeSpan.FromSeconds(60),
            CancellationToken);
        return count;
    }

    private static async Task<ExternalProcess> StartGatewayAsync(string config)
    {
        var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains("Subscribed to city/+/aq/+", StringComparison.Ordinal), "the gateway subscribed", cancellationToken: CancellationToken);
        return gateway;
    }

    private string WriteConfiguration(MosquittoBroker broker, string bootstrapServers, string topic)
    {
        var devicesFile = _directory.WriteFile("devices.json", JsonSerializer.Serialize(new
        {
            devices = Enumerable.Range(0, Devices).Select(i => new
            {
                id = $"aq-{i:000}",
                type = "air-quality",
                location = new { lat = 52.5, lon = 13.4, district = "north" },
            }),
        }));
        return _directory.WriteFile("gateway.json", $$"""
            {
              "Gateway": { "Id": "gw-status", "StatusInterval": "200ms" },
              "Mqtt": {
                "Host": "127.0.0.1", "Port": {{broker.Port}},
                "Subscriptions": [ {
                  "Topic": "city/{district}/aq/{deviceId}", "QoS": 1,
                  "Decoder": { "Kind": "json", "Json": { "TimeField": "ts", "SequenceField": "seq", "Metrics": [ { "Field": "pm25", "Metric": "pm2_5" } ] } }
                } ]
              },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}", "DevicesFile": "{{devicesFile}}", "UnknownDevices": "reject" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Kafka": { "BootstrapServers": "{{bootstrapServers}}", "Topic": "{{topic}}", "Linger": "5ms" }
            }
            """);
    }
}
