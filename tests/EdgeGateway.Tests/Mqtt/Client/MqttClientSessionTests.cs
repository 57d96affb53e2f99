using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Mqtt.Client;

public sealed class MqttClientSessionTests : MqttClientTestBase
{
    private MqttClientOptions Persistent(MqttProtocolVersion version, string clientId, bool cleanStart) =>
        Options(version, clientId, o => o with
        {
            CleanStart = version == MqttProtocolVersion.V500 ? cleanStart : false,
            SessionExpiry = TimeSpan.FromHours(1),
        });

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Unacknowledged_messages_are_redelivered_exactly_after_the_client_dies(MqttProtocolVersion version)
    {
        const int count = 25;
        var topic = UniqueTopic("session");
        var clientId = $"persistent-{Guid.NewGuid():N}"[..24];
        var first = new MqttClient(Persistent(version, clientId, cleanStart: true));
        await first.ConnectAsync(CancellationToken);
        await first.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);
        var publisher = await ConnectAsync(version);

        // 10 are acknowledged (in reverse order: any order is fine), 25 are received but never acknowledged.
        for (var i = 0; i < 10 + count; i++)
        {
            await publisher.PublishAsync(topic, $"m{i}", MqttQualityOfService.AtLeastOnce, cancellationToken: CancellationToken);
        }

        var received = await ReceiveAsync(first, 10 + count);
        foreach (var message in received.Take(10).Reverse())
        {
            Assert.True(await message.AcknowledgeAsync(CancellationToken));
        }

        // The broker handles a connection's packets in order: once this SUBACK is back, it has the 10 PUBACKs.
        await first.SubscribeAsync($"{topic}/barrier", MqttQualityOfService.AtMostOnce, CancellationToken);

        // A crash: the socket drops without DISCONNECT. The broker keeps the session.
        await first.AbortAsync();
        await first.DisposeAsync();

        var second = await ConnectAsync(Persistent(version, clientId, cleanStart: false));
        var redelivered = await ReceiveAsync(second, count);
        Assert.Equal(received.Skip(10).Select(Text), redelivered.Select(Text));
        Assert.All(redelivered, m => Assert.True(m.Duplicate));
        foreach (var message in redelivered)
        {
            await message.AcknowledgeAsync(CancellationToken);
        }

        // Exactly those: the next message is the one published now, not an eleventh redelivery.
        await publisher.PublishAsync(topic, "after", MqttQualityOfService.AtLeastOnce, cancellationToken: CancellationToken);
        Assert.Equal("after", Text(await ReceiveAsync(second)));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task After_a_broker_restart_the_client_reconnects_resubscribes_and_keeps_receiving(MqttProtocolVersion version)
    {
        var topic = UniqueTopic("restart");
        var states = new List<MqttConnectionState>();
        var client = await ConnectAsync(version);
        client.ConnectionStateChanged += (_, change) =>
        {
            lock (states)
            {
                states.Add(change.State);
            }
        };
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);

        await Broker.StopAsync(CancellationToken);
        await Eventually.TrueAsync(() => client.State != MqttConnectionState.Connected, "the client noticed", cancellationToken: CancellationToken);
        await Broker.RestartAsync(CancellationToken);
        await Eventually.TrueAsync(() => client.Counters.Connects == 2, "the client reconnected", cancellationToken: CancellationToken);

        // A clean session: only the renewed subscription can deliver this.
        await Eventually.TrueAsync(
            async ct =>
            {
                await MosquittoClients.PublishAsync(Broker, topic, "after restart", qos: 1, cancellationToken: ct);
                return client.Messages.TryPeek(out _);
            },
            "a message published after the restart arrives",
            cancellationToken: CancellationToken);
        Assert.Equal("after restart", Text(await ReceiveAsync(client)));
        lock (states)
        {
            Assert.Contains(MqttConnectionState.Reconnecting, states);
            Assert.Equal(MqttConnectionState.Connected, states[^1]);
        }
    }

    [Fact]
    public async Task Publishes_made_while_the_network_is_down_are_sent_after_the_reconnect()
    {
        var topic = UniqueTopic("outage");
        var subscriber = await ConnectAsync(MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);
        await using var network = new TcpProxy(Broker.Port);
        var publisher = await ConnectAsync(Options(MqttProtocolVersion.V500) with { Port = network.Port });

        network.RefuseNewConnections();
        network.DropConnections();
        await Eventually.TrueAsync(() => publisher.State != MqttConnectionState.Connected, "the publisher noticed", cancellationToken: CancellationToken);
        var pending = Enumerable.Range(0, 5).Select(i => publisher.PublishAsync(topic, $"queued {i}", cancellationToken: CancellationToken)).ToList();
        Assert.Equal(5, publisher.PendingPublishCount);

        network.AcceptNewConnections();
        var results = await Eventually.WithinAsync(Task.WhenAll(pending), "the queued publishes to complete");

        Assert.All(results, r => Assert.True(r.IsSuccess));
        var received = await ReceiveAsync(subscriber, 5);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"queued {i}"), received.Select(Text));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task An_acknowledgement_for_a_message_of_a_lost_connection_is_not_sent_and_the_message_comes_again(MqttProtocolVersion version)
    {
        var topic = UniqueTopic("stale");
        var clientId = $"stale-{Guid.NewGuid():N}"[..20];
        await using var network = new TcpProxy(Broker.Port);
        var client = await ConnectAsync(Persistent(version, clientId, cleanStart: true) with { Port = network.Port });
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);
        await client.PublishAsync(topic, "once", cancellationToken: CancellationToken);
        var first = await ReceiveAsync(client);

        network.DropConnections();
        var again = await ReceiveAsync(client);

        Assert.False(await first.AcknowledgeAsync(CancellationToken));
        Assert.Equal(1, client.Counters.StaleAcknowledgements);
        Assert.Equal("once", Text(again));
        Assert.True(again.Duplicate);
        Assert.True(await again.AcknowledgeAsync(CancellationToken));
    }

    [Fact]
    public async Task With_a_stalled_consumer_the_broker_holds_messages_beyond_the_receive_maximum()
    {
        const int receiveMaximum = 5;
        const int total = 60;
        var topic = UniqueTopic("flow");
        var consumer = await ConnectAsync(MqttProtocolVersion.V500, o => o with { ReceiveMaximum = receiveMaximum });
        await consumer.SubscribeAsync($"{topic}/#", MqttQualityOfService.AtLeastOnce, CancellationToken);
        var publisher = await ConnectAsync(MqttProtocolVersion.V500);

        for (var i = 0; i < total; i++)
        {
            await publisher.PublishAsync($"{topic}/data", $"m{i}", cancellationToken: CancellationToken);
        }

        // QoS 0 is outside the receive maximum: once this marker arrives, the broker has had every
        // chance to push more QoS 1 messages, and must not have.
        await publisher.PublishAsync($"{topic}/marker", "marker", MqttQualityOfService.AtMostOnce, cancellationToken: CancellationToken);
        var window = await ReceiveAsync(consumer, receiveMaximum + 1);
        Assert.Equal(receiveMaximum, window.Count(m => m.QoS == MqttQualityOfService.AtLeastOnce));
        Assert.Equal("marker", Text(window[^1]));
        Assert.Equal(receiveMaximum + 1, consumer.Counters.MessagesReceived);
        Assert.Equal(0, consumer.Counters.ReceiveMaximumExceeded);

        // The consumer resumes: everything the broker held arrives, in order.
        var data = window.Where(m => m.QoS == MqttQualityOfService.AtLeastOnce).ToList();
        await consumer.AcknowledgeAsync(data, CancellationToken);
        while (data.Count < total)
        {
            var message = await ReceiveAsync(consumer);
            await message.AcknowledgeAsync(CancellationToken);
            data.Add(message);
        }

        Assert.Equal(Enumerable.Range(0, total).Select(i => $"m{i}"), data.Select(Text));
    }

    [Fact]
    public async Task A_link_that_goes_quiet_is_detected_by_keep_alive_and_replaced()
    {
        await using var network = new TcpProxy(Broker.Port);
        var client = await ConnectAsync(Options(MqttProtocolVersion.V500) with { Port = network.Port, KeepAlive = TimeSpan.FromSeconds(1) });
        var topic = UniqueTopic("quiet");
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);

        network.FreezeConnections();
        await Eventually.TrueAsync(() => client.Counters.Connects == 2 && client.State == MqttConnectionState.Connected, "keep-alive noticed and the client reconnected", cancellationToken: CancellationToken);

        await client.PublishAsync(topic, "over the new link", cancellationToken: CancellationToken);
        Assert.Equal("over the new link", Text(await ReceiveAsync(client)));
        Assert.Contains(Logs.Entries, e => e.EventId.Id == (int)MqttLogEvent.KeepAliveTimeout);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task The_will_message_is_published_when_the_client_dies_without_disconnecting(MqttProtocolVersion version)
    {
        var willTopic = UniqueTopic("will");
        await using var watcher = await MosquittoClients.StartSubscriberAsync(Broker, willTopic, qos: 1, count: 1, cancellationToken: CancellationToken);
        var client = await ConnectAsync(Options(version) with
        {
            Will = new MqttWillMessage { Topic = willTopic, Payload = "offline"u8.ToArray(), QoS = MqttQualityOfService.AtLeastOnce },
        });

        await client.AbortAsync();

        Assert.Equal([$"{willTopic} offline"], await watcher.WaitForMessagesAsync(cancellationToken: CancellationToken));
    }
}
