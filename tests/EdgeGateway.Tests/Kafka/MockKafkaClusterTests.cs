using Confluent.Kafka;
using EdgeGateway.Kafka.Native;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Kafka;

[Collection(KafkaBrokerOutages.Name)]
public sealed class MockKafkaClusterTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_listens_on_one_loopback_port_per_broker_until_disposed()
    {
        int[] ports;
        using (var cluster = MockKafkaCluster.Start(brokerCount: 3))
        {
            Assert.Equal(3, cluster.BrokerCount);
            var addresses = cluster.BootstrapServers.Split(',');
            Assert.Equal(3, addresses.Length);
            Assert.All(addresses, a => Assert.StartsWith("127.0.0.1:", a, StringComparison.Ordinal));
            ports = [.. addresses.Select(a => int.Parse(a["127.0.0.1:".Length..], System.Globalization.CultureInfo.InvariantCulture))];
            Assert.Equal(3, ports.Distinct().Count());
            foreach (var port in ports)
            {
                Assert.True(await FreePort.AcceptsConnectionsAsync(port, Token), $"broker port {port} accepts connections");
            }
        }

        foreach (var port in ports)
        {
            Assert.False(await FreePort.AcceptsConnectionsAsync(port, Token), $"port {port} is closed after Dispose");
        }
    }

    [Fact]
    public void Creating_a_topic_twice_throws_with_librdkafkas_error_name()
    {
        using var cluster = MockKafkaCluster.Start();
        cluster.CreateTopic("twice");

        var error = Assert.Throws<LibRdKafkaException>(() => cluster.CreateTopic("twice"));

        Assert.Equal("TOPIC_ALREADY_EXISTS", error.ErrorName);
        Assert.Equal(36, error.ErrorCode);
        Assert.Contains("TOPIC_ALREADY_EXISTS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_broker_id_throws_with_librdkafkas_error_name()
    {
        using var cluster = MockKafkaCluster.Start();

        var down = Assert.Throws<LibRdKafkaException>(() => cluster.SetBrokerDown(2));
        var up = Assert.Throws<LibRdKafkaException>(() => cluster.SetBrokerUp(0));

        Assert.Equal("BROKER_NOT_AVAILABLE", down.ErrorName);
        Assert.Equal("BROKER_NOT_AVAILABLE", up.ErrorName);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-1, 1)] // librdkafka 2.0.2 would abort the test process on this one.
    [InlineData(1, 0)]
    [InlineData(1, 2)] // more replicas than brokers
    public void Topic_counts_librdkafka_does_not_check_are_rejected_before_the_call(int partitions, int replicationFactor)
    {
        using var cluster = MockKafkaCluster.Start();

        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("bad", partitions, replicationFactor));
        cluster.CreateTopic("bad"); // nothing was created
    }

    [Fact]
    public void Calls_after_Dispose_throw_ObjectDisposedException_and_Dispose_twice_is_harmless()
    {
        var cluster = MockKafkaCluster.Start();
        cluster.Dispose();
        cluster.Dispose();

        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("late"));
        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerDown(1));
        Assert.Throws<ObjectDisposedException>(() => cluster.PushRequestErrors(KafkaApiKey.Produce, KafkaErrorCode.RequestTimedOut));
    }

    [Fact]
    public async Task Retriable_produce_errors_are_retried_by_an_idempotent_producer_and_the_record_is_written_once()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("retriable");
        var config = kafka.CreateProducerConfig();
        config.EnableIdempotence = true;
        config.Debug = "msg";
        var failedAttempts = 0;
        using var producer = kafka.CreateProducer(config, onLog: log =>
        {
            // librdkafka's "msg" debug context logs each failed attempt, e.g. "MessageSet with 1 message(s)
            // (MsgId 1, BaseSeq 0) encountered error: Broker: Not enough in-sync replicas (actions Retry,MsgNotPersisted)".
            if (log.Message.Contains("encountered error: Broker: Not enough in-sync replicas", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref failedAttempts);
            }
        });

        KafkaFixture.LoadTopicMetadata(producer, topic);

        kafka.PushRequestErrors(KafkaApiKey.Produce, KafkaErrorCode.NotEnoughReplicas, KafkaErrorCode.NotEnoughReplicas, KafkaErrorCode.NotEnoughReplicas);
        var delivery = await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = "once"u8.ToArray() }, Token);

        Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
        Assert.Equal(3, Volatile.Read(ref failedAttempts));
        var records = await kafka.ReadAvailableAsync(topic, cancellationToken: Token);
        Assert.Equal("once", Assert.Single(records).ValueString);
    }

    [Fact]
    public async Task A_non_retriable_produce_error_fails_the_delivery()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("permanent");
        using var producer = kafka.CreateProducer();
        KafkaFixture.LoadTopicMetadata(producer, topic);

        kafka.PushRequestErrors(KafkaApiKey.Produce, KafkaErrorCode.TopicAuthorizationFailed);
        var error = await Assert.ThrowsAsync<ProduceException<byte[]?, byte[]?>>(() =>
            producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = "refused"u8.ToArray() }, Token));

        Assert.Equal(ErrorCode.TopicAuthorizationFailed, error.Error.Code);
        Assert.Empty(await kafka.ReadAvailableAsync(topic, cancellationToken: Token));
    }

    [Fact]
    public async Task ClearRequestErrors_drops_errors_no_request_has_consumed()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("cleared");

        kafka.PushRequestErrors(KafkaApiKey.Produce, KafkaErrorCode.TopicAuthorizationFailed);
        kafka.ClearRequestErrors(KafkaApiKey.Produce);
        var written = await kafka.ProduceAsync(topic, "k", "delivered", cancellationToken: Token);

        Assert.Equal(0, written.Offset);
    }

    [Fact]
    public async Task A_produce_while_the_only_broker_is_down_fails_when_its_message_timeout_passes()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("down");
        kafka.SetBrokerDown(1);
        var config = kafka.CreateProducerConfig();
        config.MessageTimeoutMs = 300;
        using var producer = kafka.CreateProducer(config);

        var error = await Assert.ThrowsAsync<ProduceException<byte[]?, byte[]?>>(() =>
            producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = "lost"u8.ToArray() }, Token));

        Assert.Equal(ErrorCode.Local_MsgTimedOut, error.Error.Code);
        kafka.SetBrokerUp(1);
        await kafka.ProduceAsync(topic, "k", "after", cancellationToken: Token);
        var records = await kafka.ReadAvailableAsync(topic, cancellationToken: Token);
        Assert.Equal(["after"], records.Select(r => r.ValueString));
    }

    [Fact]
    public async Task A_delivery_waits_while_the_broker_is_down_and_completes_once_it_is_up()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("outage");
        var config = kafka.CreateProducerConfig();
        config.EnableIdempotence = true;
        var brokersDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var producer = kafka.CreateProducer(config, onError: error =>
        {
            if (error.Code == ErrorCode.Local_AllBrokersDown)
            {
                brokersDown.TrySetResult();
            }
        });
        KafkaFixture.LoadTopicMetadata(producer, topic);
        await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = "before"u8.ToArray() }, Token);

        kafka.SetBrokerDown(1);
        var pending = producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = "during"u8.ToArray() }, Token);
        await Eventually.WithinAsync(brokersDown.Task, "the producer to report all brokers down");
        Assert.False(pending.IsCompleted, "nothing can be delivered while the only broker is down");
        kafka.SetBrokerUp(1);

        var delivery = await Eventually.WithinAsync(pending, "the delivery once the broker is back up");
        Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
        var records = await kafka.ReadAvailableAsync(topic, cancellationToken: Token);
        Assert.Equal(["before", "during"], records.Select(r => r.ValueString));
    }
}
