using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Pipeline;

/// <summary>
/// How the gateway forwards, as a process: to an embedded mock cluster when no brokers are configured
/// (try-outs), and at a bounded rate when one is set (backlogs on metered uplinks).
/// </summary>
public sealed partial class ForwardingModesTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("forwarding-modes");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Without_bootstrap_servers_the_gateway_forwards_to_an_embedded_cluster_and_says_it_is_not_durable()
    {
        const int readings = 100;
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        var config = WriteConfiguration(broker, kafka: """{ "Topic": "edge.readings", "Linger": "5ms" }""");

        await using var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains("Subscribed to city/+/aq/+", StringComparison.Ordinal), "the gateway subscribed", cancellationToken: CancellationToken);
        var warning = Assert.Single(gateway.AllOutput.Split('\n'), line => line.Contains("embedded mock Kafka cluster", StringComparison.Ordinal));
        Assert.StartsWith("<4>", warning, StringComparison.Ordinal); // a warning, in the default (systemd) format
        Assert.Contains("not for production", warning, StringComparison.Ordinal);
        var bootstrap = EmbeddedAddress().Match(warning).Groups[1].Value;

        await PublishAsync(broker, devices: 4, perDevice: readings / 4);

        // Another process (kcat) reads the embedded cluster at the logged address.
        var values = new List<string>();
        await Eventually.TrueAsync(
            async ct =>
            {
                var kcat = await ExternalProcess.RunAsync("kcat", ["-C", "-b", bootstrap, "-t", "edge.readings", "-o", "beginning", "-e", "-q", "-f", "%s\\n"], cancellationToken: ct);
                values = [.. kcat.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
                return values.Sum(ReadingsIn) >= readings;
            },
            $"{readings} readings in the embedded cluster",
            cancellationToken: CancellationToken);
        Assert.Equal(readings, values.Sum(ReadingsIn));

        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        Assert.Equal(0, gateway.ExitCode);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
    }

    [Fact]
    public async Task With_a_rate_limit_a_backlog_drains_no_faster_than_the_rate()
    {
        const int rate = 500;
        const int total = 2500;
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("paced");
        var config = WriteConfiguration(broker, kafka: $$"""
            { "BootstrapServers": "{{kafka.BootstrapServers}}", "Topic": "{{topic}}", "Linger": "5ms", "BatchMaxReadings": 100, "MaxReadingsPerSecond": {{rate}} }
            """);
        await using var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains("Subscribed to city/+/aq/+", StringComparison.Ordinal), "the gateway subscribed", cancellationToken: CancellationToken);

        await PublishAsync(broker, devices: 5, perDevice: total / 5);
        IReadOnlyList<KafkaRecord> records = [];
        await Eventually.TrueAsync(
            async ct =>
            {
                records = await kafka.ReadAvailableAsync(topic, cancellationToken: ct);
                return records.Sum(r => ReadingsIn(System.Text.Encoding.UTF8.GetString(r.Value!))) >= total;
            },
            $"{total} readings in Kafka",
            TimeSpan.FromSeconds(60),
            CancellationToken);

        // At most one second's worth goes at once; the rest waits its share of the rate. A slow machine
        // only stretches the span, so the lower bound cannot fail spuriously.
        var span = records[^1].Timestamp - records[0].Timestamp;
        var batchesOverTheLimit = records.Count(r => ReadingsIn(System.Text.Encoding.UTF8.GetString(r.Value!)) > 100);
        Assert.Equal(0, batchesOverTheLimit);
        Assert.True(span >= TimeSpan.FromSeconds(3), $"{total} readings at {rate}/s took {span.TotalSeconds:0.00} s from first to last batch");

        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        Assert.Equal(0, gateway.ExitCode);
    }

    [Fact]
    public async Task Readings_that_trickle_in_wait_for_a_full_batch_or_the_linger_since_the_oldest_arrived()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("linger");
        var config = WriteConfiguration(broker, kafka: $$"""
            { "BootstrapServers": "{{kafka.BootstrapServers}}", "Topic": "{{topic}}", "Linger": "5s", "BatchMaxReadings": 5 }
            """);
        await using var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains("Subscribed to city/+/aq/+", StringComparison.Ordinal), "the gateway subscribed", cancellationToken: CancellationToken);
        await using var sensor = await TestMqttClients.ConnectAsync(TestMqttClients.Options(broker, LoggerFactory), CancellationToken);

        // One at a time: each is committed (and so unsent) before the next is published. Without the
        // linger the first would leave alone as soon as it was committed; with it the batch fills first.
        var publishing = new List<DateTimeOffset>();
        for (var seq = 0; seq < 7; seq++)
        {
            publishing.Add(DateTimeOffset.UtcNow);
            await sensor.PublishAsync("city/north/aq/aq-001", $$"""{"seq":{{seq}},"ts":1795341600000,"pm25":{{seq}}.5}""", MqttQualityOfService.AtLeastOnce, cancellationToken: CancellationToken);
        }

        IReadOnlyList<KafkaRecord> records = [];
        await Eventually.TrueAsync(
            async ct =>
            {
                records = await kafka.ReadAvailableAsync(topic, cancellationToken: ct);
                return records.Sum(r => ReadingsIn(System.Text.Encoding.UTF8.GetString(r.Value!))) >= 7;
            },
            "7 readings in Kafka",
            TimeSpan.FromSeconds(60),
            CancellationToken);

        // A full batch of five, then the two left, sent once the older of them had waited the linger.
        Assert.Equal([5, 2], records.Select(r => ReadingsIn(System.Text.Encoding.UTF8.GetString(r.Value!))));
        // The gateway received the older one after its publish began. Slack of 100 ms, not less: the record
        // time is in whole ms, and the runtime's timers run on a coarse clock (a scheduler tick, up to 10 ms
        // on some kernels) so they may fire that much early. Without the linger the gap would be a few ms.
        Assert.True(records[1].Timestamp >= publishing[5].AddSeconds(4.9), $"the last two left {(records[1].Timestamp - publishing[5]).TotalSeconds:0.000} s after the older was published");

        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        Assert.Equal(0, gateway.ExitCode);
    }

    private static int ReadingsIn(string record) =>
        JsonDocument.Parse(record).RootElement.GetProperty("params").GetProperty("arguments").GetProperty("readings").GetArrayLength();

    private async Task PublishAsync(MosquittoBroker broker, int devices, int perDevice)
    {
        await using var sensors = await TestMqttClients.ConnectAsync(TestMqttClients.Options(broker, LoggerFactory), CancellationToken);
        var sends = new List<Task<MqttPublishResult>>();
        for (var seq = 0; seq < perDevice; seq++)
        {
            for (var d = 0; d < devices; d++)
            {
                sends.Add(sensors.PublishAsync($"city/north/aq/aq-{d:000}", $$"""{"seq":{{seq}},"ts":1795341600000,"pm25":{{seq}}.5}""", MqttQualityOfService.AtLeastOnce, cancellationToken: CancellationToken));
            }
        }

        await Eventually.WithinAsync(Task.WhenAll(sends), "the sensors' publishes");
    }

    private string WriteConfiguration(MosquittoBroker broker, string kafka) =>
        _directory.WriteFile("gateway.json", $$"""
            {
              "Gateway": { "Id": "gw-modes" },
              "Mqtt": {
                "Host": "127.0.0.1", "Port": {{broker.Port}},
                "Subscriptions": [ {
                  "Topic": "city/{district}/aq/{deviceId}", "QoS": 1,
                  "Decoder": { "Kind": "json", "Json": { "TimeField": "ts", "SequenceField": "seq", "Metrics": [ { "Field": "pm25", "Metric": "pm2_5" } ] } }
                } ]
              },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}", "UnknownDevices": "register" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Kafka": {{kafka}}
            }
            """);

    [GeneratedRegex(@"embedded mock Kafka cluster at (\S+)")]
    private static partial Regex EmbeddedAddress();
}
