using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using Xunit;

namespace EdgeGateway.Tests.Pipeline;

/// <summary>
/// Issue 4, test 3: Kafka's brokers go down during a stream. The gateway keeps acknowledging from its
/// buffer, delivers everything in order once they are back, and its memory stays flat meanwhile.
/// </summary>
[Collection(KafkaBrokerOutages.Name)]
public sealed class KafkaOutageTests : LoggedTest
{
    private const int Devices = 50;
    private const int ReadingsPerDevice = 200;
    private const int Total = Devices * ReadingsPerDevice;

    /// <summary>Generous: the gateway idles at 60-80 MB; a backlog held in memory would show as hundreds.</summary>
    private const long MemoryBound = 250L << 20;

    private readonly GatewayRig _rig = new("outage");

    protected override ValueTask CleanUpAsync()
    {
        _rig.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task During_a_Kafka_outage_readings_are_buffered_then_all_delivered_in_order_with_flat_memory()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        using var consumer = BatchConsumer.Start(kafka, topic);
        var fleet = Sensor.Fleet(Devices);
        _rig.WriteDevices(fleet);
        var config = _rig.WriteConfiguration(broker, kafka.BootstrapServers, topic);
        await using var gateway = await GatewayRig.StartGatewayAsync(config);
        await using var sensors = await SensorPublisher.ConnectAsync(broker, LoggerFactory);

        // Some readings before the outage, so the forwarder is connected and warm when the brokers go.
        await sensors.PublishAsync(SensorPublisher.Readings(fleet, 0, 10));
        await consumer.WaitForDistinctAsync(Devices * 10);
        var samples = new List<(string When, long Bytes)> { ("before the outage", GatewayRig.ResidentBytes(gateway)) };

        kafka.SetBrokerDown(1);

        // Every publish completes although Kafka is down: the gateway acknowledges from its buffer.
        // Published in slices so memory is sampled while the backlog grows.
        const int slices = 5;
        const int perSlice = (ReadingsPerDevice - 10) / slices;
        for (var slice = 0; slice < slices; slice++)
        {
            await sensors.PublishAsync(SensorPublisher.Readings(fleet, 10 + (slice * perSlice), perSlice));
            samples.Add(($"outage, {(slice + 1) * perSlice * Devices} published", GatewayRig.ResidentBytes(gateway)));
        }

        // Acknowledged means committed: the whole backlog is in the buffer file, nothing is in Kafka yet.
        await Testing.Waiting.Eventually.TrueAsync(
            () => _rig.CountBuffer().Readings == Total - (Devices * 10), "the backlog is in the buffer", cancellationToken: CancellationToken);
        Assert.Equal(Devices * 10, consumer.DistinctCount);
        samples.Add(("outage, backlog buffered", GatewayRig.ResidentBytes(gateway)));

        kafka.SetBrokerUp(1);
        await consumer.WaitForDistinctAsync(Total);
        samples.Add(("after the drain", GatewayRig.ResidentBytes(gateway)));
        var counters = await GatewayRig.StopGatewayAsync(gateway);
        DotNetPrograms.AssertNoErrorLogLines(gateway);

        var readings = consumer.Snapshot();
        foreach (var device in readings.GroupBy(r => r.Device))
        {
            // In order; a batch caught by the outage may have been retried, so duplicates are allowed.
            var firstSeen = device.Select(r => r.Sequence).Distinct().ToList();
            Assert.Equal(Enumerable.Range(0, ReadingsPerDevice).Select(s => (long)s), firstSeen);
        }

        Assert.Equal(0, counters.Dropped);
        Assert.Empty(_rig.ReadBuffer().DeadLetters);
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"{readings.Count} readings delivered for {Total} published ({readings.Count - Total} duplicates)");
        foreach (var (when, bytes) in samples)
        {
            output?.WriteLine($"gateway RSS {when}: {bytes / (1 << 20)} MiB");
        }

        Assert.All(samples, s => Assert.True(s.Bytes < MemoryBound, $"RSS {s.When} was {s.Bytes / (1 << 20)} MiB, over {MemoryBound / (1 << 20)} MiB"));
    }
}
