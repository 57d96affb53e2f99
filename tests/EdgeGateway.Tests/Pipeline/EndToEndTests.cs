using System.Text.Json;
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
/// The whole gateway as a process: readings published over MQTT (QoS 1) come out of Kafka as MCP
/// batches, each with its device's context, every one of them, in per-device order.
/// </summary>
[Collection(KafkaBrokerOutages.Name)]
public sealed class EndToEndTests : LoggedTest
{
    private const int Devices = 20;
    private const int ReadingsPerDevice = 50;
    private readonly TempDirectory _directory = TempDirectory.Create("e2e");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Readings_published_over_MQTT_arrive_in_Kafka_with_context_in_order()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        var config = WriteConfiguration(broker, kafka, topic);

        await using var gateway = await StartGatewayAsync(config);

        await using (var sensors = await TestMqttClients.ConnectAsync(TestMqttClients.Options(broker, LoggerFactory), CancellationToken))
        {
            await PublishAsync(sensors, 0, ReadingsPerDevice);
        }

        var (batches, readings) = await ReadUntilAsync(kafka, topic, Devices * ReadingsPerDevice);

        Assert.Equal(Devices * ReadingsPerDevice, readings.Count);
        foreach (var device in readings.GroupBy(r => r.GetProperty("d").GetString()))
        {
            // Per-device order, nothing lost, nothing twice, calibration applied.
            Assert.Equal(Enumerable.Range(0, ReadingsPerDevice).Select(i => (long)i), device.Select(r => r.GetProperty("s").GetInt64()));
            Assert.All(device, r => Assert.Equal((r.GetProperty("s").GetInt64() + 0.5) * 2, r.GetProperty("v").GetDouble()));
        }

        var contexts = batches.SelectMany(b => b.GetProperty("devices").EnumerateArray()).ToList();
        Assert.All(contexts, c => Assert.Equal(1, c.GetProperty("revision").GetInt64()));
        Assert.Contains(contexts, c => c.GetProperty("id").GetString() == "aq-001" && c.GetProperty("location").GetProperty("district").GetString() == "south");
        Assert.All(batches, b => Assert.Equal("gw-e2e", b.GetProperty("batch").GetProperty("gatewayId").GetString()));

        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        Assert.Equal(0, gateway.ExitCode);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
    }

    [Fact]
    public async Task Nothing_acknowledged_is_lost_when_the_gateway_is_killed_during_a_stream()
    {
        const int rounds = 3;
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        var config = WriteConfiguration(broker, kafka, topic);
        await using var sensors = await TestMqttClients.ConnectAsync(TestMqttClients.Options(broker, LoggerFactory), CancellationToken);

        var gateway = await StartGatewayAsync(config);
        for (var round = 0; round < rounds; round++)
        {
            // A slice of the stream goes out; once part of it reached Kafka, the gateway dies mid-flow.
            var publishing = PublishAsync(sensors, round * ReadingsPerDevice, ReadingsPerDevice);
            await ReadUntilAsync(kafka, topic, (round * ReadingsPerDevice * Devices) + (Devices * 5));
            await gateway.KillAsync();
            await gateway.DisposeAsync();
            await Eventually.WithinAsync(publishing, "the sensors' publishes (the broker holds them for the dead gateway)");
            gateway = await StartGatewayAsync(config);
        }

        var (_, readings) = await ReadUntilAsync(kafka, topic, rounds * ReadingsPerDevice * Devices, distinct: true);
        await gateway.DisposeAsync();

        var delivered = readings.Select(r => (r.GetProperty("d").GetString(), r.GetProperty("s").GetInt64())).ToHashSet();
        for (var d = 0; d < Devices; d++)
        {
            for (var seq = 0; seq < rounds * ReadingsPerDevice; seq++)
            {
                Assert.Contains(($"aq-{d:000}", (long)seq), delivered);
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{readings.Count} readings in Kafka for {delivered.Count} distinct: {readings.Count - delivered.Count} duplicates after {rounds} kills");
    }

    [Fact]
    public async Task During_a_Kafka_outage_readings_are_acknowledged_from_the_buffer_and_delivered_in_order_afterwards()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        var config = WriteConfiguration(broker, kafka, topic);
        await using var gateway = await StartGatewayAsync(config);
        await using var sensors = await TestMqttClients.ConnectAsync(TestMqttClients.Options(broker, LoggerFactory), CancellationToken);

        kafka.SetBrokerDown(1);

        // Every publish completes (PUBACK) although Kafka is down: the gateway acknowledges from its buffer.
        await PublishAsync(sensors, 0, ReadingsPerDevice);
        kafka.SetBrokerUp(1);
        var (_, readings) = await ReadUntilAsync(kafka, topic, Devices * ReadingsPerDevice);

        foreach (var device in readings.GroupBy(r => r.GetProperty("d").GetString()))
        {
            Assert.Equal(Enumerable.Range(0, ReadingsPerDevice).Select(i => (long)i), device.Select(r => r.GetProperty("s").GetInt64()).Distinct());
        }

        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        Assert.Equal(0, gateway.ExitCode);
    }

    private static async Task PublishAsync(MqttClient sensors, int firstSequence, int count)
    {
        var sends = new List<Task<MqttPublishResult>>();
        for (var seq = firstSequence; seq < firstSequence + count; seq++)
        {
            for (var d = 0; d < Devices; d++)
            {
                var district = d % 2 == 0 ? "north" : "south";
                sends.Add(sensors.PublishAsync($"city/{district}/aq/aq-{d:000}", $$"""{"seq":{{seq}},"ts":1795341600000,"pm25":{{seq}}.5}""", MqttQualityOfService.AtLeastOnce, cancellationToken: CancellationToken));
            }
        }

        await Eventually.WithinAsync(Task.WhenAll(sends), "the sensors' publishes");
    }

    private static async Task<ExternalProcess> StartGatewayAsync(string config)
    {
        var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains("Subscribed to city/+/aq/+", StringComparison.Ordinal), "the gateway subscribed", cancellationToken: CancellationToken);
        return gateway;
    }

    private static async Task<(List<JsonElement> Batches, List<JsonElement> Readings)> ReadUntilAsync(KafkaFixture kafka, string topic, int count, bool distinct = false)
    {
        var readings = new List<JsonElement>();
        var batches = new List<JsonElement>();
        await Eventually.TrueAsync(
            async ct =>
            {
                var records = await kafka.ReadAvailableAsync(topic, cancellationToken: ct);
                batches = [.. records.Select(r => JsonDocument.Parse(r.Value!).RootElement.GetProperty("params").GetProperty("arguments"))];
                readings = [.. batches.SelectMany(b => b.GetProperty("readings").EnumerateArray())];
                var seen = distinct ? readings.Select(r => (r.GetProperty("d").GetString(), r.GetProperty("s").GetInt64())).Distinct().Count() : readings.Count;
                return seen >= count;
            },
            $"{count} readings are in Kafka",
            TimeSpan.FromSeconds(60),
            CancellationToken);
        return (batches, readings);
    }

    private string WriteConfiguration(MosquittoBroker broker, KafkaFixture kafka, string topic)
    {
        var devicesFile = _directory.WriteFile("devices.json", JsonSerializer.Serialize(new
        {
            devices = Enumerable.Range(0, Devices).Select(i => new
            {
                id = $"aq-{i:000}",
                type = "air-quality",
                location = new { lat = 52.5, lon = 13.4, district = i % 2 == 0 ? "north" : "south" },
                metrics = new Dictionary<string, object> { ["pm2_5"] = new { unit = "ug/m3", calibration = new { scale = 2.0, offset = 0.0 } } },
            }),
        }));
        var config = _directory.WriteFile("gateway.json", $$"""
            {
              "Gateway": { "Id": "gw-e2e" },
              "Mqtt": {
                "Host": "127.0.0.1", "Port": {{broker.Port}},
                "Subscriptions": [ {
                  "Topic": "city/{district}/aq/{deviceId}", "QoS": 1,
                  "Decoder": { "Kind": "json", "Json": { "TimeField": "ts", "SequenceField": "seq", "Metrics": [ { "Field": "pm25", "Metric": "pm2_5" } ] } }
                } ]
              },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}", "DevicesFile": "{{devicesFile}}" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Kafka": { "BootstrapServers": "{{kafka.BootstrapServers}}", "Topic": "{{topic}}", "Linger": "5ms" }
            }
            """);

        return config;
    }
}
