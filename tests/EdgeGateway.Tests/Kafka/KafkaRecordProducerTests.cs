using System.Text;
using EdgeGateway.Kafka.Native;
using EdgeGateway.Kafka.Producing;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Kafka;

[Collection(KafkaBrokerOutages.Name)]
public sealed class KafkaRecordProducerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static readonly KeyValuePair<string, string>[] Headers = [new("content-type", "application/json"), new("edge-batch-id", "b-1")];

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task A_record_is_delivered_with_its_key_and_headers()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("producer");
        using var producer = new KafkaRecordProducer(new KafkaProducerSettings { BootstrapServers = kafka.BootstrapServers });
        producer.WarmUp(topic, TestTimeouts.Default);

        var outcome = await producer.ProduceAsync(topic, Bytes("gw-17"), Bytes("{\"batch\":1}"), Headers, Token);

        Assert.Equal(KafkaDeliveryStatus.Delivered, outcome.Status);
        var record = Assert.Single(await kafka.ReadAllAsync(topic, 1, cancellationToken: Token));
        Assert.Equal("gw-17", record.KeyString);
        Assert.Equal("{\"batch\":1}", record.ValueString);
        Assert.Equal("b-1", record.Header("edge-batch-id"));
        Assert.Equal(outcome.Offset, record.Offset);
    }

    [Fact]
    public async Task A_record_produced_while_the_broker_is_down_is_delivered_once_it_returns()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("outage");
        var brokersDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var producer = new KafkaRecordProducer(
            new KafkaProducerSettings { BootstrapServers = kafka.BootstrapServers },
            (error, _) =>
            {
                if (error.StartsWith("Local_AllBrokersDown", StringComparison.Ordinal))
                {
                    brokersDown.TrySetResult();
                }
            });
        producer.WarmUp(topic, TestTimeouts.Default);

        kafka.SetBrokerDown(1);
        var pending = producer.ProduceAsync(topic, Bytes("gw-17"), Bytes("during outage"), Headers, Token);
        await Eventually.WithinAsync(brokersDown.Task, "the producer to notice the outage");
        Assert.False(pending.IsCompleted);
        kafka.SetBrokerUp(1);

        var outcome = await Eventually.WithinAsync(pending, "the delivery after the broker returned");
        Assert.Equal(KafkaDeliveryStatus.Delivered, outcome.Status);
        Assert.Equal("during outage", Assert.Single(await kafka.ReadAvailableAsync(topic, cancellationToken: Token)).ValueString);
    }

    [Fact]
    public async Task A_record_larger_than_allowed_is_rejected_for_good_not_retried()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("large");
        using var producer = new KafkaRecordProducer(new KafkaProducerSettings { BootstrapServers = kafka.BootstrapServers, MaximumRecordBytes = 10_000 });

        var outcome = await producer.ProduceAsync(topic, Bytes("gw-17"), new byte[20_000], Headers, Token);

        Assert.Equal(KafkaDeliveryStatus.Rejected, outcome.Status);
        Assert.Contains("MsgSizeTooLarge", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_from_the_broker_is_rejected_for_good()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("refused");
        using var producer = new KafkaRecordProducer(new KafkaProducerSettings { BootstrapServers = kafka.BootstrapServers });
        producer.WarmUp(topic, TestTimeouts.Default);

        kafka.PushRequestErrors(KafkaApiKey.Produce, KafkaErrorCode.TopicAuthorizationFailed);
        var refused = await producer.ProduceAsync(topic, Bytes("gw-17"), Bytes("refused"), Headers, Token);

        Assert.Equal(KafkaDeliveryStatus.Rejected, refused.Status);
        Assert.Contains("TopicAuthorizationFailed", refused.Error, StringComparison.Ordinal);
        Assert.Empty(await kafka.ReadAvailableAsync(topic, cancellationToken: Token));
    }

    [Fact]
    public async Task Transient_broker_errors_are_retried_until_the_record_is_delivered_once()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("transient");
        using var producer = new KafkaRecordProducer(new KafkaProducerSettings { BootstrapServers = kafka.BootstrapServers });
        producer.WarmUp(topic, TestTimeouts.Default);

        kafka.PushRequestErrors(KafkaApiKey.Produce, KafkaErrorCode.NotEnoughReplicas, KafkaErrorCode.NotLeaderForPartition);
        var retried = await producer.ProduceAsync(topic, Bytes("gw-17"), Bytes("retried"), Headers, Token);

        Assert.True(retried.Status == KafkaDeliveryStatus.Delivered, retried.Error);
        Assert.Equal(["retried"], (await kafka.ReadAvailableAsync(topic, cancellationToken: Token)).Select(r => r.ValueString));
    }
}
