using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Testing.Mqtt;
using Xunit;

namespace EdgeGateway.Tests.Mqtt.Client;

public sealed class MqttClientLimitsTests : MqttClientTestBase
{
    protected override MosquittoOptions BrokerOptions => new() { ExtraConfig = ["max_packet_size 1000"] };

    [Theory]
    [InlineData(MqttQualityOfService.AtMostOnce)]
    [InlineData(MqttQualityOfService.AtLeastOnce)]
    public async Task A_message_larger_than_the_broker_accepts_fails_alone_and_the_connection_stays(MqttQualityOfService qos)
    {
        var topic = UniqueTopic("limits");
        var client = await ConnectAsync(MqttProtocolVersion.V500);
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);

        var error = await Assert.ThrowsAsync<MqttPacketTooLargeException>(() =>
            client.PublishAsync(new MqttApplicationMessage { Topic = topic, Payload = new byte[2000], QoS = qos }, CancellationToken));
        await client.PublishAsync(topic, "small", qos, cancellationToken: CancellationToken);

        Assert.Equal(1000, error.MaximumPacketSize);
        Assert.Equal("small", Text(await ReceiveAsync(client)));
        Assert.Equal(1, client.Counters.Connects);
        Assert.Equal(0, client.PendingPublishCount);
    }
}
