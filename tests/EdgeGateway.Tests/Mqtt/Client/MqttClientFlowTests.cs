using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Mqtt.Client;

public sealed class MqttClientFlowTests : MqttClientTestBase
{
    public static TheoryData<MqttProtocolVersion, MqttQualityOfService> VersionsAndQoS()
    {
        var data = new TheoryData<MqttProtocolVersion, MqttQualityOfService>();
        foreach (var version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            foreach (var qos in new[] { MqttQualityOfService.AtMostOnce, MqttQualityOfService.AtLeastOnce, MqttQualityOfService.ExactlyOnce })
            {
                data.Add(version, qos);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(VersionsAndQoS))]
    public async Task Publishes_and_receives_at_every_QoS(MqttProtocolVersion version, MqttQualityOfService qos)
    {
        var topic = UniqueTopic();
        var subscriber = await ConnectAsync(version);
        var publisher = await ConnectAsync(version);
        var granted = await subscriber.SubscribeAsync(topic, qos, CancellationToken);
        Assert.True(granted.IsSuccess);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            publisher.PublishAsync(topic, $"reading {i}", qos, cancellationToken: CancellationToken)));
        var received = await ReceiveAsync(subscriber, 20);
        foreach (var message in received)
        {
            Assert.True(await message.AcknowledgeAsync(CancellationToken));
        }

        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.Equal(
            Enumerable.Range(0, 20).Select(i => $"reading {i}").Order(),
            received.Select(Text).Order());
        Assert.All(received, m => Assert.Equal(qos, m.QoS));
        Assert.Equal(0, publisher.PendingPublishCount);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Interoperates_with_mosquitto_pub_and_mosquitto_sub(MqttProtocolVersion version)
    {
        var topic = UniqueTopic("interop");
        var client = await ConnectAsync(version);
        await client.SubscribeAsync($"{topic}/in", MqttQualityOfService.ExactlyOnce, CancellationToken);

        await MosquittoClients.PublishAsync(Broker, $"{topic}/in", "from mosquitto_pub", qos: 2, cancellationToken: CancellationToken);
        var inbound = await ReceiveAsync(client);
        await inbound.AcknowledgeAsync(CancellationToken);
        Assert.Equal("from mosquitto_pub", Text(inbound));
        Assert.Equal(MqttQualityOfService.ExactlyOnce, inbound.QoS);

        await using var subscriber = await MosquittoClients.StartSubscriberAsync(Broker, $"{topic}/out", qos: 1, count: 2, cancellationToken: CancellationToken);
        await client.PublishAsync($"{topic}/out", "one", MqttQualityOfService.AtLeastOnce, cancellationToken: CancellationToken);
        await client.PublishAsync($"{topic}/out", "two", MqttQualityOfService.ExactlyOnce, cancellationToken: CancellationToken);
        var lines = await subscriber.WaitForMessagesAsync(cancellationToken: CancellationToken);
        Assert.Equal([$"{topic}/out one", $"{topic}/out two"], lines);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Retained_messages_reach_later_subscribers_flagged_as_retained(MqttProtocolVersion version)
    {
        var topic = UniqueTopic("retained");
        var publisher = await ConnectAsync(version);
        await publisher.PublishAsync(topic, "last known value", MqttQualityOfService.AtLeastOnce, retain: true, CancellationToken);

        var subscriber = await ConnectAsync(version);
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);
        var message = await ReceiveAsync(subscriber);

        Assert.Equal("last known value", Text(message));
        Assert.True(message.Retain);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Wildcard_subscriptions_get_matching_topics_only(MqttProtocolVersion version)
    {
        var root = UniqueTopic("city");
        var client = await ConnectAsync(version);
        await client.SubscribeAsync($"{root}/+/aq/#", MqttQualityOfService.AtLeastOnce, CancellationToken);

        await client.PublishAsync($"{root}/north/traffic/t-1", "no", cancellationToken: CancellationToken);
        await client.PublishAsync($"{root}/north/aq", "yes: # matches the parent level", cancellationToken: CancellationToken);
        await client.PublishAsync($"{root}/north/aq/aq-1/pm25", "yes: deep", cancellationToken: CancellationToken);
        await client.PublishAsync($"{root}/south/east/aq/aq-2", "no: + is one level", cancellationToken: CancellationToken);
        await client.PublishAsync($"{root}/south/aq/aq-2", "yes: last", cancellationToken: CancellationToken);

        var received = await ReceiveAsync(client, 3);
        Assert.Equal(["yes: # matches the parent level", "yes: deep", "yes: last"], received.Select(Text));
        Assert.Equal($"{root}/north/aq/aq-1/pm25", received[1].Topic);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Publishes_made_without_waiting_leave_in_the_order_they_were_made(MqttProtocolVersion version)
    {
        var topic = UniqueTopic("order");
        var subscriber = await ConnectAsync(version, o => o with { AcknowledgementMode = MqttAcknowledgementMode.Automatic });
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);
        var publisher = await ConnectAsync(version, o => o with { MaximumInflight = 3 });

        var sends = Enumerable.Range(0, 300).Select(i => publisher.PublishAsync(topic, $"{i}", MqttQualityOfService.AtLeastOnce, cancellationToken: CancellationToken)).ToList();
        await Task.WhenAll(sends);

        var received = await ReceiveAsync(subscriber, 300);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"{i}"), received.Select(Text));
    }

    [Fact]
    public async Task Unsubscribing_stops_delivery()
    {
        var topic = UniqueTopic();
        var client = await ConnectAsync(MqttProtocolVersion.V500);
        await client.SubscribeAsync($"{topic}/a", MqttQualityOfService.AtLeastOnce, CancellationToken);
        await client.SubscribeAsync($"{topic}/b", MqttQualityOfService.AtLeastOnce, CancellationToken);

        await client.UnsubscribeAsync([$"{topic}/a"], CancellationToken);
        await client.PublishAsync($"{topic}/a", "gone", cancellationToken: CancellationToken);
        await client.PublishAsync($"{topic}/b", "still here", cancellationToken: CancellationToken);

        Assert.Equal("still here", Text(await ReceiveAsync(client)));
    }

    [Fact]
    public async Task MQTT5_properties_travel_end_to_end()
    {
        var topic = UniqueTopic();
        var client = await ConnectAsync(MqttProtocolVersion.V500);
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);

        await client.PublishAsync(
            new MqttApplicationMessage
            {
                Topic = topic,
                Payload = "{}"u8.ToArray(),
                ContentType = "application/json",
                ResponseTopic = $"{topic}/reply",
                CorrelationData = new byte[] { 1, 2, 3 },
                UserProperties = [new MqttUserProperty("device", "aq-1")],
            },
            CancellationToken);
        var message = await ReceiveAsync(client);

        Assert.Equal("application/json", message.Packet.ContentType);
        Assert.Equal($"{topic}/reply", message.Packet.ResponseTopic);
        Assert.Equal(new byte[] { 1, 2, 3 }, message.Packet.CorrelationData!.Value.ToArray());
        Assert.Contains(new MqttUserProperty("device", "aq-1"), message.Packet.UserProperties);
    }

    [Fact]
    public async Task Automatic_acknowledgement_needs_no_consumer_action()
    {
        var topic = UniqueTopic();
        var client = await ConnectAsync(MqttProtocolVersion.V500, o => o with { AcknowledgementMode = MqttAcknowledgementMode.Automatic });
        await client.SubscribeAsync(topic, MqttQualityOfService.ExactlyOnce, CancellationToken);

        await client.PublishAsync(topic, "auto", MqttQualityOfService.ExactlyOnce, cancellationToken: CancellationToken);
        var message = await ReceiveAsync(client);

        Assert.True(message.IsAcknowledged);
        await Eventually.TrueAsync(() => client.Counters.MessagesAcknowledged == 1, "the PUBREC was sent", cancellationToken: CancellationToken);
    }

    [Fact]
    public async Task Bad_arguments_are_refused_before_anything_is_sent()
    {
        var client = await ConnectAsync(MqttProtocolVersion.V500);

        await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync("city/+/aq", "x", cancellationToken: CancellationToken));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync("city/#/aq", MqttQualityOfService.AtLeastOnce, CancellationToken));
        Assert.Throws<ArgumentException>(() => new MqttClient(new MqttClientOptions { Host = "127.0.0.1", CleanStart = false }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MqttClient(new MqttClientOptions { Host = "127.0.0.1", ReadCoalescing = TimeSpan.FromMilliseconds(-1) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MqttClient(new MqttClientOptions { Host = "127.0.0.1", ReadCoalescing = TimeSpan.FromSeconds(2) }));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(20)]
    public async Task A_stream_acknowledged_in_batches_arrives_complete_and_in_order_whatever_the_read_coalescing(int coalescingMilliseconds)
    {
        const int total = 3000;
        const int window = 200;
        var coalescing = TimeSpan.FromMilliseconds(coalescingMilliseconds);
        var topic = UniqueTopic("stream");
        var subscriber = await ConnectAsync(MqttProtocolVersion.V500, o => o with { ReadCoalescing = coalescing, ReceiveMaximum = window });
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);
        var publisher = await ConnectAsync(MqttProtocolVersion.V500, o => o with { ReadCoalescing = coalescing, MaximumInflight = window });

        // Many publishes outstanding, issued in order (as a forwarding gateway would).
        var publishing = Task.Run(
            async () =>
            {
                var pending = new Queue<Task<MqttPublishResult>>();
                var failed = 0;
                for (var i = 0; i < total; i++)
                {
                    if (pending.Count == window)
                    {
                        failed += (await pending.Dequeue()).IsSuccess ? 0 : 1;
                    }

                    pending.Enqueue(publisher.PublishAsync(topic, $"m{i}", cancellationToken: CancellationToken));
                }

                foreach (var result in await Task.WhenAll(pending))
                {
                    failed += result.IsSuccess ? 0 : 1;
                }

                return failed;
            },
            CancellationToken);

        // Consumed as the gateway does: whatever has arrived, acknowledged with one call after its commit.
        var received = new List<string>(total);
        while (received.Count < total)
        {
            var batch = new List<MqttReceivedMessage> { await ReceiveAsync(subscriber) };
            while (batch.Count < window && subscriber.Messages.TryRead(out var more))
            {
                batch.Add(more);
            }

            Assert.Equal(0, await subscriber.AcknowledgeAsync(batch, CancellationToken));
            received.AddRange(batch.Select(Text));
        }

        Assert.Equal(0, await Eventually.WithinAsync(publishing, "the publishes to complete"));
        Assert.Equal(Enumerable.Range(0, total).Select(i => $"m{i}"), received);
        Assert.Equal(total, subscriber.Counters.MessagesAcknowledged);
        Assert.Equal(0, publisher.PendingPublishCount);
    }

    [Fact]
    public async Task A_message_larger_than_the_read_buffer_arrives_intact()
    {
        var topic = UniqueTopic("large");
        var client = await ConnectAsync(MqttProtocolVersion.V500);
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);
        var payload = new byte[300_000];
        new Random(7).NextBytes(payload);

        await client.PublishAsync(new MqttApplicationMessage { Topic = topic, Payload = payload }, CancellationToken);
        await client.PublishAsync(topic, "after", cancellationToken: CancellationToken);
        var received = await ReceiveAsync(client, 2);

        Assert.Equal(payload, received[0].Payload.ToArray());
        Assert.Equal("after", Text(received[1]));
    }
}
