using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Processes;
using Xunit;

namespace EdgeGateway.Tests.Harness;

public sealed class KafkaFixtureTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_record_produced_through_Confluent_is_read_by_kcat_in_another_process()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("to-kcat");
        await kafka.ProduceAsync(topic, "sensor-1", "{\"t\":21.5}", cancellationToken: Token);

        var kcat = await ExternalProcess.RunAsync(
            "kcat",
            ["-C", "-b", kafka.BootstrapServers, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k %s\\n"],
            cancellationToken: Token);

        Assert.Equal(0, kcat.ExitCode);
        Assert.Equal("sensor-1 {\"t\":21.5}", kcat.StandardOutput.Trim());
    }

    [Fact]
    public async Task Records_produced_by_kcat_are_read_back_with_key_value_and_headers()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("from-kcat");
        await using (var kcat = ExternalProcess.Start(
            "kcat",
            ["-P", "-b", kafka.BootstrapServers, "-t", topic, "-K", ":", "-H", "source=kcat"],
            redirectStdin: true))
        {
            await kcat.StandardInput.WriteAsync("k1:first\nk2:second\n");
            kcat.StandardInput.Close();
            await kcat.WaitForExitAsync(cancellationToken: Token);
            Assert.Equal(0, kcat.ExitCode);
        }

        var records = await kafka.ReadAllAsync(topic, expectedCount: 2, cancellationToken: Token);

        Assert.Equal(["k1", "k2"], records.Select(r => r.KeyString));
        Assert.Equal(["first", "second"], records.Select(r => r.ValueString));
        Assert.Equal([0L, 1L], records.Select(r => r.Offset));
        Assert.All(records, r => Assert.Equal("kcat", r.Header("source")));
        Assert.All(records, r => Assert.InRange(r.Timestamp, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1)));
    }

    [Fact]
    public async Task Three_brokers_hold_a_topic_of_three_partitions_replicated_three_times_and_every_partition_is_read()
    {
        await using var kafka = KafkaFixture.Start(brokers: 3);
        var topic = kafka.CreateUniqueTopic("replicated", partitions: 3, replicationFactor: 3);

        var metadata = kafka.GetTopicMetadata(topic);
        Assert.Equal([0, 1, 2], metadata.Partitions.Select(p => p.PartitionId).Order());
        Assert.All(metadata.Partitions, p => Assert.Equal([1, 2, 3], p.Replicas.Order()));

        for (var partition = 0; partition < 3; partition++)
        {
            await kafka.ProduceAsync(topic, $"k{partition}", $"a{partition}", partition: partition, cancellationToken: Token);
            await kafka.ProduceAsync(topic, $"k{partition}", $"b{partition}", partition: partition, cancellationToken: Token);
        }

        var records = await kafka.ReadAllAsync(topic, expectedCount: 6, cancellationToken: Token);

        Assert.Equal(
            ["0@0 a0", "0@1 b0", "1@0 a1", "1@1 b1", "2@0 a2", "2@1 b2"],
            records.Select(r => $"{r.Partition}@{r.Offset} {r.ValueString}"));
    }

    [Fact]
    public async Task Produced_headers_and_null_key_survive_the_round_trip()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("headers");

        var written = await kafka.ProduceAsync(topic, key: null, "v", [new("device", "aq-1"), new("schema", "2")], cancellationToken: Token);
        var read = Assert.Single(await kafka.ReadAllAsync(topic, 1, cancellationToken: Token));

        Assert.Null(read.Key);
        Assert.Equal("v", read.ValueString);
        Assert.Equal(["device=aq-1", "schema=2"], read.Headers.Select(h => $"{h.Key}={h.ValueString}"));
        Assert.Equal(written.Offset, read.Offset);
        Assert.Equal(written.Timestamp, read.Timestamp);
    }

    [Fact]
    public async Task ReadAvailableAsync_returns_everything_the_topic_holds_including_from_empty_partitions()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("available", partitions: 3);
        Assert.Empty(await kafka.ReadAvailableAsync(topic, cancellationToken: Token));

        await kafka.ProduceAsync(topic, "a", "1", partition: 1, cancellationToken: Token);
        await kafka.ProduceAsync(topic, "b", "2", partition: 1, cancellationToken: Token);
        await kafka.ProduceAsync(topic, "c", "3", partition: 2, cancellationToken: Token);

        var records = await kafka.ReadAvailableAsync(topic, cancellationToken: Token);
        Assert.Equal(["1", "2", "3"], records.Select(r => r.ValueString));
    }

    [Fact]
    public async Task ReadAllAsync_waits_for_a_topic_created_after_the_read_began()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = $"late-{Guid.NewGuid():N}";

        var reading = kafka.ReadAllAsync(topic, 1, cancellationToken: Token);
        kafka.CreateTopic(topic);
        await kafka.ProduceAsync(topic, "k", "late", cancellationToken: Token);

        Assert.Equal("late", Assert.Single(await reading).ValueString);
    }

    [Fact]
    public async Task ReadAllAsync_fails_with_what_it_read_when_too_few_records_arrive()
    {
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("short");
        await kafka.ProduceAsync(topic, "k", "only-one", cancellationToken: Token);

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            kafka.ReadAllAsync(topic, expectedCount: 2, TimeSpan.FromSeconds(5), Token));

        Assert.Contains("wanted 2 records, read 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("value=only-one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAvailableAsync_fails_clearly_for_a_topic_that_does_not_exist()
    {
        await using var kafka = KafkaFixture.Start();

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            kafka.ReadAvailableAsync("never-created", TimeSpan.FromMilliseconds(300), Token));

        Assert.Contains("never-created", error.Message, StringComparison.Ordinal);
    }
}
