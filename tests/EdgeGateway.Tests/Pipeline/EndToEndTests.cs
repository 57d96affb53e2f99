using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using Xunit;

namespace EdgeGateway.Tests.Pipeline;

/// <summary>
/// The whole gateway as a process (issue 4, test 1): 20,000 readings from 200 devices published over
/// MQTT at QoS 1 come out of Kafka as MCP batches, every one exactly once, each device's in order,
/// each with the context and revision that applied when it was read.
/// </summary>
public sealed class EndToEndTests : LoggedTest
{
    private const int Devices = 200;
    private const int ReadingsPerDevice = 100;
    private const int Half = ReadingsPerDevice / 2;
    private readonly GatewayRig _rig = new("e2e");

    protected override ValueTask CleanUpAsync()
    {
        _rig.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Readings_of_200_devices_arrive_in_Kafka_exactly_once_in_order_with_the_context_revision_that_applied()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        using var consumer = BatchConsumer.Start(kafka, topic);
        var fleet = Sensor.Fleet(Devices);
        _rig.WriteDevices(fleet);
        var config = _rig.WriteConfiguration(broker, kafka.BootstrapServers, topic);
        await using var sensors = await SensorPublisher.ConnectAsync(broker, LoggerFactory);

        // First half under revision 1 of every device.
        var gateway = await GatewayRig.StartGatewayAsync(config);
        await sensors.PublishAsync(SensorPublisher.Readings(fleet, 0, Half));
        await consumer.WaitForDistinctAsync(Devices * Half);

        // Every row released (not only sent) before the restart, so nothing is sent twice.
        await Testing.Waiting.Eventually.TrueAsync(() => _rig.CountBuffer().Readings == 0, "the buffer is empty", cancellationToken: CancellationToken);
        await GatewayRig.StopGatewayAsync(gateway);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
        await gateway.DisposeAsync();

        // Every odd device moves to another cabinet and is recalibrated: revision 2 from the restart on.
        var revised = fleet.Select((s, i) => i % 2 == 1 ? s with { Site = $"cabinet-{i}", Scale = 3.0 } : s).ToList();
        _rig.WriteDevices(revised);
        gateway = await GatewayRig.StartGatewayAsync(config);
        await sensors.PublishAsync(SensorPublisher.Readings(fleet, Half, ReadingsPerDevice - Half));
        await consumer.WaitForDistinctAsync(Devices * ReadingsPerDevice);
        await Testing.Waiting.Eventually.TrueAsync(() => _rig.CountBuffer().Readings == 0, "the buffer is empty", cancellationToken: CancellationToken);
        var counters = await GatewayRig.StopGatewayAsync(gateway);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
        await gateway.DisposeAsync();

        var readings = consumer.Snapshot();
        Assert.Equal(Devices * ReadingsPerDevice, readings.Count);
        Assert.Equal(0, counters.Dropped);
        Assert.All(readings, r => Assert.Equal(GatewayRig.GatewayId, r.GatewayId));
        var byDevice = readings.GroupBy(r => r.Device).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(fleet.Select(s => s.Id).Order(), byDevice.Keys.Order());
        for (var i = 0; i < Devices; i++)
        {
            var device = byDevice[fleet[i].Id];

            // In order, nothing lost, nothing twice.
            Assert.Equal(Enumerable.Range(0, ReadingsPerDevice).Select(s => (long)s), device.Select(r => r.Sequence));
            foreach (var reading in device)
            {
                var applied = reading.Sequence >= Half ? revised[i] : fleet[i];
                var revision = reading.Sequence >= Half && i % 2 == 1 ? 2 : 1;
                Assert.True(
                    reading.Context is { } context && context.Revision == revision && context.Site == applied.Site && context.District == applied.District
                    && reading.Value == applied.ExpectedValue(reading.Sequence),
                    $"{reading} should carry revision {revision} ({applied}) and value {applied.ExpectedValue(reading.Sequence)}");
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{readings.Count} readings in {consumer.Records} batches");
    }
}
