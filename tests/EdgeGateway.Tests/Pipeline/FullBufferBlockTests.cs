using System.Text.Json.Nodes;
using EdgeGateway.Buffering;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using Xunit;

namespace EdgeGateway.Tests.Pipeline;

/// <summary>
/// Issue 4, test 4, policy <c>block</c>: with Kafka down the buffer fills to its bound, the gateway
/// stops acknowledging and the MQTT broker holds the rest; when Kafka returns, everything arrives.
/// </summary>
[Collection(KafkaBrokerOutages.Name)]
public sealed class FullBufferBlockTests : LoggedTest
{
    private const int Devices = 50;
    private const int ReadingsPerDevice = 160;
    private const int Total = Devices * ReadingsPerDevice;
    private const int ReceiveMaximum = 100;
    private readonly GatewayRig _rig = new("block");

    protected override ValueTask CleanUpAsync()
    {
        _rig.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Under_block_a_full_buffer_leaves_the_rest_with_the_MQTT_broker_and_nothing_is_lost_once_Kafka_returns()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        using var consumer = BatchConsumer.Start(kafka, topic);
        var fleet = Sensor.Fleet(Devices);
        _rig.WriteDevices(fleet);
        var config = _rig.WriteConfiguration(broker, kafka.BootstrapServers, topic, FullBuffer.Configure("block", ReceiveMaximum));
        await using var gateway = await GatewayRig.StartGatewayAsync(config);
        await using var sensors = await SensorPublisher.ConnectAsync(broker, LoggerFactory);

        kafka.SetBrokerDown(1);

        // The broker acknowledges the sensors whatever the gateway does.
        await sensors.PublishAsync(SensorPublisher.Readings(fleet, 0, ReadingsPerDevice));
        await gateway.WaitForOutputAsync(line => line.Contains("Buffer full", StringComparison.Ordinal), "the buffer is full", cancellationToken: CancellationToken);

        // Blocked: the buffer stays within its bound and far from holding everything, with the gateway
        // holding at most Receive Maximum unacknowledged messages: the MQTT broker has the rest.
        var blocked = _rig.ReadBuffer();
        Assert.True(blocked.Readings.Sum(r => r.Size) <= FullBuffer.ReadingCapacity, $"{blocked.Readings.Sum(r => r.Size)} bytes buffered");
        Assert.True(blocked.Readings.Count + ReceiveMaximum < Total - 1000, $"{blocked.Readings.Count} of {Total} readings buffered");
        Assert.Empty(blocked.DeadLetters);
        Assert.Equal(0, consumer.Count);

        kafka.SetBrokerUp(1);
        await consumer.WaitForDistinctAsync(Total);
        var counters = await GatewayRig.StopGatewayAsync(gateway);
        DotNetPrograms.AssertNoErrorLogLines(gateway);

        var readings = consumer.Snapshot();
        foreach (var device in readings.GroupBy(r => r.Device))
        {
            Assert.Equal(Enumerable.Range(0, ReadingsPerDevice).Select(s => (long)s), device.Select(r => r.Sequence).Distinct());
        }

        Assert.Equal(0, counters.Dropped);
        Assert.Equal(Total, counters.Committed);
        Assert.Empty(_rig.ReadBuffer().DeadLetters);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"blocked at {blocked.Readings.Count} buffered readings ({blocked.Readings.Sum(r => r.Size)} bytes) of {Total} published; {readings.Count} delivered, {readings.Count - Total} duplicates");
    }
}

/// <summary>The full-buffer tests' settings: the smallest buffer (1 MiB), no disk guard.</summary>
internal static class FullBuffer
{
    public const long MaxSize = 1L << 20;

    /// <summary>What readings may use of <see cref="MaxSize"/> (the rest is the dead letters' share).</summary>
    public const long ReadingCapacity = MaxSize - (MaxSize * ReadingBuffer.DeadLetterSharePercent / 100);

    public static Action<JsonObject> Configure(string policy, int? receiveMaximum = null) => config =>
    {
        config["Buffer"]!["MaxSize"] = "1MiB";
        config["Buffer"]!["FullPolicy"] = policy;
        config["Buffer"]!["MinFreeDisk"] = "0";
        if (receiveMaximum is int maximum)
        {
            config["Mqtt"]!["ReceiveMaximum"] = maximum;
        }
    };
}
