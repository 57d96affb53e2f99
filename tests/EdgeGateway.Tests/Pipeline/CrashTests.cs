using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Pipeline;

/// <summary>
/// Issue 4, test 2: the gateway process is SIGKILLed five times at random points of a stream and
/// restarted each time; afterwards every reading the sensors published is in Kafka. Duplicates are
/// allowed (at least once), counted and recognisable by device + sequence. (A restart with messages
/// in flight is also what made the gateway hang before its MQTT source drained messages while
/// subscribing: mosquitto sends a session's backlog, more than Receive Maximum, ahead of the SUBACK.)
/// </summary>
public sealed class CrashTests : LoggedTest
{
    private const int Devices = 100;
    private const int ReadingsPerDevice = 80;
    private const int Total = Devices * ReadingsPerDevice;
    private const int Kills = 5;
    private readonly GatewayRig _rig = new("crash");

    protected override ValueTask CleanUpAsync()
    {
        _rig.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Nothing_acknowledged_is_lost_when_the_gateway_is_killed_five_times_during_a_stream()
    {
        // Seeded, and the seed is printed, so a failing run can be replayed: EDGEGW_TEST_SEED=<seed>.
        var seed = Environment.GetEnvironmentVariable("EDGEGW_TEST_SEED") is { Length: > 0 } fixedSeed
            ? int.Parse(fixedSeed, System.Globalization.CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        var random = new Random(seed);
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"seed {seed}");

        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        using var consumer = BatchConsumer.Start(kafka, topic);
        var fleet = Sensor.Fleet(Devices);
        _rig.WriteDevices(fleet);
        var config = _rig.WriteConfiguration(broker, kafka.BootstrapServers, topic);
        await using var sensors = await SensorPublisher.ConnectAsync(broker, LoggerFactory);

        var gateway = await GatewayRig.StartGatewayAsync(config);

        // The sensors publish the whole stream without pausing; the broker keeps what the dead gateway has not acknowledged.
        var publishing = sensors.PublishAsync(SensorPublisher.Readings(fleet, 0, ReadingsPerDevice));

        // Kill points: each in its own fifth of the stream at a random place, measured either by what
        // the sensors have published or by what has reached Kafka.
        for (var kill = 0; kill < Kills; kill++)
        {
            var point = (int)(Total * (kill + random.NextDouble()) / (Kills + 1));
            var byPublished = random.Next(2) == 0;
            if (byPublished)
            {
                await Eventually.TrueAsync(() => sensors.Acknowledged >= point, $"{point} readings are published", TimeSpan.FromSeconds(60), CancellationToken);
            }
            else
            {
                await consumer.WaitForDistinctAsync(point);
            }

            output?.WriteLine($"kill {kill + 1} at {(byPublished ? "published" : "in Kafka")} >= {point}: published {sensors.Acknowledged}, in Kafka {consumer.DistinctCount} distinct of {consumer.Count}");
            await gateway.KillAsync();
            await gateway.DisposeAsync();
            gateway = await GatewayRig.StartGatewayAsync(config);
        }

        await Eventually.WithinAsync(publishing, "the sensors' publishes");
        await consumer.WaitForDistinctAsync(Total);
        await GatewayRig.StopGatewayAsync(gateway);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
        await gateway.DisposeAsync();

        var readings = consumer.Snapshot();
        var delivered = readings.Select(r => (r.Device, r.Sequence)).ToHashSet();
        foreach (var sensor in fleet)
        {
            for (var seq = 0; seq < ReadingsPerDevice; seq++)
            {
                Assert.Contains((sensor.Id, (long)seq), delivered);
            }
        }

        // Per-device order: a duplicate repeats what came before it, and every reading seen for the
        // first time follows the device's previous new reading.
        foreach (var device in readings.GroupBy(r => r.Device))
        {
            var firstSeen = device.Select(r => r.Sequence).Distinct().ToList();
            Assert.Equal(firstSeen.Order(), firstSeen);
        }

        // Duplicates carry what identifies them: the same device, sequence and value.
        Assert.All(readings.GroupBy(r => (r.Device, r.Sequence)), copies => Assert.Single(copies.Select(r => r.Value).Distinct()));
        var duplicates = readings.Count - delivered.Count;
        output?.WriteLine($"{readings.Count} readings in Kafka for {delivered.Count} distinct: {duplicates} duplicates after {Kills} kills (seed {seed})");
    }
}
