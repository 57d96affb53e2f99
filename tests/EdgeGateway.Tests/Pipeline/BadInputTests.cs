using System.Text;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Pipeline;

/// <summary>
/// Issue 4, test 5: bad input through the real process. Malformed JSON, wrong types, unknown devices
/// (policy reject), oversize payloads, invalid UTF-8 and empty payloads, interleaved with good readings:
/// each bad message becomes a dead letter with its reason and bytes, each cause is logged once, every
/// good reading arrives, and the counts match.
/// </summary>
public sealed class BadInputTests : LoggedTest
{
    private const int Rounds = 40;
    private const int Devices = 10;
    private const int OversizeEvery = 8;
    private const int OversizeBytes = 300 * 1024;
    private readonly GatewayRig _rig = new("bad");

    protected override ValueTask CleanUpAsync()
    {
        _rig.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Bad_input_is_dead_lettered_with_its_reason_while_good_readings_keep_flowing_and_the_counts_match()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        using var consumer = BatchConsumer.Start(kafka, topic);
        var fleet = Sensor.Fleet(Devices);
        _rig.WriteDevices(fleet);
        var config = _rig.WriteConfiguration(broker, kafka.BootstrapServers, topic, c => c["Context"]!["UnknownDevices"] = "reject");
        await using var gateway = await GatewayRig.StartGatewayAsync(config);
        await using var sensors = await SensorPublisher.ConnectAsync(broker, LoggerFactory);

        var messages = new List<(string Topic, byte[] Payload)>();
        var sent = new Dictionary<string, List<byte[]>>();
        void Bad(string reason, string topicName, byte[] payload)
        {
            messages.Add((topicName, payload));
            (sent.TryGetValue(reason, out var list) ? list : sent[reason] = []).Add(payload);
        }

        for (var round = 0; round < Rounds; round++)
        {
            messages.AddRange(SensorPublisher.Readings(fleet, round, 1));
            var victim = fleet[round % Devices].Topic;
            Bad("malformed-json", victim, Encoding.UTF8.GetBytes($$"""{"seq":{{round}},"pm25":"""));
            Bad("non-numeric-value", victim, Encoding.UTF8.GetBytes($$"""{"seq":{{round}},"ts":{{Sensor.EventTime}},"pm25":"n/a"}"""));
            Bad("invalid-sequence", victim, Encoding.UTF8.GetBytes($$"""{"seq":"r{{round}}","ts":{{Sensor.EventTime}},"pm25":1.5}"""));
            Bad("unknown-device", $"city/north/aq/ghost-{round:000}", Encoding.UTF8.GetBytes(Sensor.Payload(round)));
            Bad("invalid-utf8", victim, [.. Encoding.UTF8.GetBytes($$"""{"seq":{{round}},"pm25":1.5,"note":"caf"""), 0xC3, 0x28, .. "\"}"u8]);
            Bad("empty-payload", victim, []);
            if (round % OversizeEvery == 0)
            {
                // Well-formed, from a known device: only its size is wrong.
                var padding = new string('x', OversizeBytes);
                Bad("payload-too-large", victim, Encoding.UTF8.GetBytes($$"""{"seq":{{round}},"ts":{{Sensor.EventTime}},"pm25":1.5,"pad":"{{padding}}"}"""));
            }
        }

        var badCount = sent.Values.Sum(list => list.Count);
        await sensors.PublishAsync(messages);

        // The pipeline never stopped: every good reading, sent between the bad ones, arrives.
        await consumer.WaitForDistinctAsync(Devices * Rounds);
        await Eventually.TrueAsync(() => _rig.CountBuffer().DeadLetters >= badCount, $"{badCount} dead letters are stored", cancellationToken: CancellationToken);
        var counters = await GatewayRig.StopGatewayAsync(gateway);
        DotNetPrograms.AssertNoErrorLogLines(gateway);

        var readings = consumer.Snapshot();
        Assert.Equal(Devices * Rounds, readings.Count);
        foreach (var device in readings.GroupBy(r => r.Device))
        {
            Assert.Equal(Enumerable.Range(0, Rounds).Select(s => (long)s), device.Select(r => r.Sequence));
        }

        Assert.Equal(Devices * Rounds, counters.Committed);
        Assert.Equal(0, counters.DeadLettersDropped);

        // One dead letter per bad message, with its reason and the bytes as sent (in order per reason).
        var deadLetters = _rig.ReadBuffer().DeadLetters;
        var stored = deadLetters.GroupBy(d => d.Reason).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(sent.Keys.Order(), stored.Keys.Order());
        foreach (var (reason, payloads) in sent)
        {
            Assert.Equal(payloads.Count, stored[reason].Count);
            Assert.All(stored[reason], d => Assert.False(string.IsNullOrWhiteSpace(d.Detail), $"a {reason} dead letter without detail"));
            if (reason != "payload-too-large")
            {
                Assert.Equal(payloads.Select(Convert.ToHexString), stored[reason].Select(d => Convert.ToHexString(d.Raw)));
            }
        }

        // Too large: the first bytes are kept to identify it, not all of it.
        Assert.All(stored["payload-too-large"], d =>
        {
            Assert.InRange(d.Raw.Length, 1, 64 * 1024);
            Assert.StartsWith("{\"seq\":", Encoding.UTF8.GetString(d.Raw), StringComparison.Ordinal);
            Assert.Contains(OversizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)[..3], d.Detail, StringComparison.Ordinal);
        });

        // Logged once per cause, not once per message.
        foreach (var reason in sent.Keys)
        {
            Assert.Single(gateway.StandardOutput, line => line.Contains("Dead-lettering input", StringComparison.Ordinal) && line.Contains($": {reason} (", StringComparison.Ordinal));
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{messages.Count} messages: {Devices * Rounds} good readings delivered, {badCount} dead letters ({string.Join(", ", stored.Select(s => $"{s.Key} {s.Value.Count}"))})");
    }

    [Fact]
    public async Task Over_MQTT_3_1_1_a_payload_beyond_the_packet_size_limit_is_dead_lettered_and_the_stream_goes_on()
    {
        // 3.1.1 cannot announce the gateway's maximum packet size (a little over 1 MiB): the broker sends
        // such a message anyway. It used to break the connection, again after every reconnect.
        const int huge = 1300 * 1024;
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        using var consumer = BatchConsumer.Start(kafka, topic);
        var fleet = Sensor.Fleet(2);
        _rig.WriteDevices(fleet);
        var config = _rig.WriteConfiguration(broker, kafka.BootstrapServers, topic, c => c["Mqtt"]!["ProtocolVersion"] = "v311");
        await using var gateway = await GatewayRig.StartGatewayAsync(config);
        await using var sensors = await SensorPublisher.ConnectAsync(broker, LoggerFactory);

        var payload = Encoding.UTF8.GetBytes($$"""{"seq":1,"ts":{{Sensor.EventTime}},"pm25":1.5,"pad":"{{new string('x', huge)}}"}""");
        await sensors.PublishAsync([.. SensorPublisher.Readings(fleet, 0, 1), (fleet[0].Topic, payload), .. SensorPublisher.Readings(fleet, 1, 1)]);
        await consumer.WaitForDistinctAsync(4);
        await Eventually.TrueAsync(() => _rig.CountBuffer().DeadLetters == 1, "the large message is dead-lettered", cancellationToken: CancellationToken);
        await GatewayRig.StopGatewayAsync(gateway);
        DotNetPrograms.AssertNoErrorLogLines(gateway);

        var deadLetter = Assert.Single(_rig.ReadBuffer().DeadLetters);
        Assert.Equal("payload-too-large", deadLetter.Reason);
        Assert.Equal(payload.AsSpan(0, deadLetter.Raw.Length).ToArray(), deadLetter.Raw);
        Assert.Contains($"{payload.Length} bytes", deadLetter.Detail, StringComparison.Ordinal);
        Assert.Equal(4, consumer.Count);
        Assert.DoesNotContain(gateway.StandardOutput, line => line.Contains("Lost the connection", StringComparison.Ordinal));
    }
}
