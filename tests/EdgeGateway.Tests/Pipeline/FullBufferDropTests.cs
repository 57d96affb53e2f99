using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Buffering;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Pipeline;

/// <summary>
/// Issue 4, test 4, policies <c>drop-oldest</c> and <c>reject-new</c>: the gateway runs with a Kafka it
/// cannot reach until its 1 MiB buffer overflows, then again with a reachable one. Every reading
/// published is either delivered or counted as dropped (drop-oldest: the oldest; reject-new: the
/// newest, each also kept as a dead letter), and the counts add up.
/// </summary>
public sealed class FullBufferDropTests : LoggedTest
{
    private const int Devices = 50;
    private const int ReadingsPerDevice = 130;

    /// <summary>The fleet's readings and one more, last, from the end-of-stream sensor.</summary>
    private const int Total = (Devices * ReadingsPerDevice) + 1;

    /// <summary>The forwarder's batch (Kafka:BatchMaxReadings default): rows handed out are never dropped.</summary>
    private const int BatchMaxReadings = 500;

    /// <summary>
    /// The last reading of the stream: once it is in the buffer (as a row, or as a refusal's dead
    /// letter, the newest one, which nothing can push out) the gateway has taken everything before it.
    /// </summary>
    private static readonly Sensor EndOfStream = new("end-of-stream", "north");

    private readonly GatewayRig _rig = new("full");

    protected override ValueTask CleanUpAsync()
    {
        _rig.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Under_drop_oldest_a_full_buffer_drops_and_counts_the_oldest_readings_and_delivers_the_rest()
    {
        var (first, stored, readings) = await OverflowThenDeliverAsync("drop-oldest");

        Assert.True(first.DroppedOldest > 0, "the buffer dropped nothing");
        Assert.Equal(0, first.RefusedFull);
        Assert.Equal(Total, stored.Count + first.DroppedOldest);
        var delivered = readings.Select(r => (r.Device, r.Sequence)).ToHashSet();
        Assert.Equal(stored.Select(r => (r.Device, r.Sequence)).ToHashSet(), delivered);
        Assert.Equal(Total, delivered.Count + first.Dropped);

        // The dropped readings are the oldest: of the readings older than the newest one dropped, only
        // those handed to the forwarder (one batch) survived.
        var index = Stream().Select((m, i) => (Key: Identify(m.Topic, m.Payload), Index: i)).ToDictionary(e => e.Key, e => e.Index);
        var newestDropped = index.Where(e => !delivered.Contains(e.Key)).Max(e => e.Value);
        var olderKept = delivered.Count(r => index[r] < newestDropped);
        Assert.True(olderKept <= BatchMaxReadings, $"{olderKept} readings older than the newest dropped one were kept");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"drop-oldest: {Total} published, {first.DroppedOldest} dropped, {delivered.Count} delivered ({olderKept} older ones kept in the forwarder's batch)");
    }

    [Fact]
    public async Task Under_reject_new_a_full_buffer_refuses_counts_and_dead_letters_new_readings_and_delivers_the_rest()
    {
        var (first, stored, readings) = await OverflowThenDeliverAsync("reject-new");

        Assert.True(first.RefusedFull > 0, "the buffer refused nothing");
        Assert.Equal(0, first.DroppedOldest);
        var delivered = readings.Select(r => (r.Device, r.Sequence)).ToHashSet();
        Assert.Equal(stored.Select(r => (r.Device, r.Sequence)).ToHashSet(), delivered);
        Assert.Equal(Total, delivered.Count + first.RefusedFull);

        // Each refused reading is a dead letter with its bytes, unless the dead letters' share overflowed
        // (then the oldest dead letters went, and were counted).
        var refused = _rig.ReadBuffer().DeadLetters.Where(d => d.Reason == DeadLetterReasons.BufferFull).ToList();
        Assert.Equal(first.RefusedFull, refused.Count + first.DeadLettersDropped);
        var refusedReadings = refused.Select(d => Identify(d.Channel, d.Raw)).ToList();
        Assert.Equal(refused.Count, refusedReadings.Distinct().Count());
        Assert.All(refusedReadings, r => Assert.DoesNotContain(r, delivered));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"reject-new: {Total} published, {first.RefusedFull} refused ({refused.Count} dead letters kept, {first.DeadLettersDropped} dropped), {delivered.Count} delivered");
    }

    private static List<(string Topic, byte[] Payload)> Stream() =>
        [.. SensorPublisher.Readings(Sensor.Fleet(Devices), 0, ReadingsPerDevice), .. SensorPublisher.Readings([EndOfStream], 0, 1)];

    /// <summary>The device and sequence of a published reading.</summary>
    private static (string Device, long Sequence) Identify(string topic, byte[] payload) =>
        (topic.Split('/')[^1], JsonDocument.Parse(payload).RootElement.GetProperty("seq").GetInt64());

    /// <summary>
    /// Publishes the stream to a gateway whose Kafka is unreachable, until it has taken all of it (an
    /// end-of-stream message it dead-letters is the sign), stops it, and runs it again with a reachable
    /// Kafka until its buffer is empty. Returns the first run's counters, the rows the buffer held
    /// between the runs, and what reached Kafka.
    /// </summary>
    private async Task<(GatewayRig.BufferCounters First, IReadOnlyList<GatewayRig.BufferedRow> Stored, IReadOnlyList<DeliveredReading> Delivered)> OverflowThenDeliverAsync(
        string policy)
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        using var consumer = BatchConsumer.Start(kafka, topic);
        _rig.WriteDevices([.. Sensor.Fleet(Devices), EndOfStream]);

        using var unreachable = new RefusingPort();
        var offline = _rig.WriteConfiguration(broker, unreachable.Address, topic, FullBuffer.Configure(policy), "offline.json");
        var online = _rig.WriteConfiguration(broker, kafka.BootstrapServers, topic, FullBuffer.Configure(policy), "online.json");

        await using var sensors = await SensorPublisher.ConnectAsync(broker, LoggerFactory);
        var gateway = await GatewayRig.StartGatewayAsync(offline);
        await sensors.PublishAsync(Stream());
        await Eventually.TrueAsync(
            () => _rig.ReadBuffer() is var buffer
                && (buffer.Readings.Any(r => r.Device == EndOfStream.Id) || buffer.DeadLetters.Any(d => d.Channel == EndOfStream.Topic)),
            "the gateway took the whole stream (its last reading is buffered or refused)",
            cancellationToken: CancellationToken);
        await gateway.WaitForOutputAsync(line => line.Contains("Buffer full", StringComparison.Ordinal), "the buffer is full", cancellationToken: CancellationToken);
        var first = await GatewayRig.StopGatewayAsync(gateway);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
        await gateway.DisposeAsync();

        var stored = _rig.ReadBuffer();
        Assert.True(stored.Readings.Sum(r => r.Size) <= FullBuffer.ReadingCapacity, $"{stored.Readings.Sum(r => r.Size)} bytes buffered");
        Assert.Equal(Total, first.Committed + first.RefusedFull);
        Assert.Equal(first.Committed - first.DroppedOldest, stored.Readings.Count);

        // The same buffer, now with Kafka: what it kept is delivered, and nothing more is dropped.
        gateway = await GatewayRig.StartGatewayAsync(online);
        await consumer.WaitForDistinctAsync(stored.Readings.Count);
        await Eventually.TrueAsync(() => _rig.CountBuffer().Readings == 0, "the buffer is empty", cancellationToken: CancellationToken);
        var second = await GatewayRig.StopGatewayAsync(gateway);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
        await gateway.DisposeAsync();
        Assert.Equal(0, second.Dropped);

        var delivered = consumer.Snapshot();
        foreach (var device in delivered.GroupBy(r => r.Device))
        {
            var sequences = device.Select(r => r.Sequence).Distinct().ToList();
            Assert.Equal(sequences.Order(), sequences);
        }

        return (first, stored.Readings, delivered);
    }
}
