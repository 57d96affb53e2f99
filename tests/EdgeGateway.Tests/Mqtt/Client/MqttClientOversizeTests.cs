using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using Xunit;

namespace EdgeGateway.Tests.Mqtt.Client;

/// <summary>Messages larger than the client's maximum packet size, arriving from the broker.</summary>
public sealed class MqttClientOversizeTests : MqttClientTestBase
{
    private const int Limit = 64 * 1024;
    private const int Oversize = 300 * 1024;

    [Theory]
    [InlineData(MqttQualityOfService.AtMostOnce)]
    [InlineData(MqttQualityOfService.AtLeastOnce)]
    [InlineData(MqttQualityOfService.ExactlyOnce)]
    public async Task Over_MQTT_3_1_1_an_oversize_message_arrives_cut_and_the_connection_goes_on(MqttQualityOfService qos)
    {
        // 3.1.1 cannot tell the broker the limit; closing the connection would only bring the message back.
        var topic = UniqueTopic("oversize");
        var consumer = await ConnectAsync(MqttProtocolVersion.V311, o => o with { MaximumPacketSize = Limit });
        await consumer.SubscribeAsync(topic, qos, CancellationToken);
        var publisher = await ConnectAsync(MqttProtocolVersion.V500);
        var big = new byte[Oversize];
        Random.Shared.NextBytes(big);

        await publisher.PublishAsync(topic, "before", qos, cancellationToken: CancellationToken);
        await publisher.PublishAsync(new MqttApplicationMessage { Topic = topic, Payload = big, QoS = qos }, CancellationToken);
        await publisher.PublishAsync(topic, "after", qos, cancellationToken: CancellationToken);
        var received = await ReceiveAsync(consumer, 3);

        Assert.Equal("before", Text(received[0]));
        Assert.True(received[1].IsPayloadCut);
        Assert.Equal(Oversize, received[1].PayloadLength);
        Assert.Equal(big.AsSpan(0, 4096).ToArray(), received[1].Payload.ToArray());
        Assert.Equal(topic, received[1].Topic);
        Assert.Equal("after", Text(received[2]));
        Assert.False(received[2].IsPayloadCut);
        foreach (var message in received)
        {
            await message.AcknowledgeAsync(CancellationToken);
        }

        // Acknowledged like any other: not sent again, and the connection never dropped.
        await publisher.PublishAsync(topic, "last", qos, cancellationToken: CancellationToken);
        Assert.Equal("last", Text(await ReceiveAsync(consumer)));
        Assert.Equal(1, consumer.Counters.Connects);
    }

    [Fact]
    public async Task Over_MQTT_5_the_broker_keeps_an_oversize_message_from_the_client()
    {
        // 5.0 announces the limit in CONNECT; mosquitto then drops what exceeds it (its decision, logged there).
        var topic = UniqueTopic("oversize");
        var consumer = await ConnectAsync(MqttProtocolVersion.V500, o => o with { MaximumPacketSize = Limit });
        await consumer.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);
        var publisher = await ConnectAsync(MqttProtocolVersion.V500);

        await publisher.PublishAsync(new MqttApplicationMessage { Topic = topic, Payload = new byte[Oversize] }, CancellationToken);
        await publisher.PublishAsync(topic, "after", cancellationToken: CancellationToken);

        var next = await ReceiveAsync(consumer);
        Assert.Equal("after", Text(next));
        Assert.Equal(1, consumer.Counters.Connects);
    }
}
