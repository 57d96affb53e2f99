using EdgeGateway.Buffering;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Waiting;
using Microsoft.Data.Sqlite;
using Xunit;

namespace EdgeGateway.Tests.Pipeline;

/// <summary>
/// Rows the forwarder cannot decode (a damaged buffer file): each becomes a dead letter and leaves the
/// buffer, the rest is delivered, and a run of them is one log line plus a count, not a line per row.
/// </summary>
public sealed class CorruptRowTests : LoggedTest
{
    private readonly GatewayRig _rig = new("corrupt-rows");

    protected override ValueTask CleanUpAsync()
    {
        _rig.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Corrupt_rows_are_dead_lettered_the_rest_is_delivered_and_the_log_names_only_the_first_of_a_run()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        using var consumer = BatchConsumer.Start(kafka, topic);
        var fleet = Sensor.Fleet(2);
        _rig.WriteDevices(fleet);

        // Buffered while Kafka is unreachable (a port bound but not listening), then the gateway stops.
        using var unreachable = new RefusingPort();
        var offline = _rig.WriteConfiguration(broker, unreachable.Address, topic, name: "offline.json");
        var online = _rig.WriteConfiguration(broker, kafka.BootstrapServers, topic, name: "online.json");
        var gateway = await GatewayRig.StartGatewayAsync(offline);
        await using (var sensors = await SensorPublisher.ConnectAsync(broker, LoggerFactory))
        {
            await sensors.PublishAsync(SensorPublisher.Readings(fleet, 0, 10));
        }

        await Eventually.TrueAsync(() => _rig.CountBuffer().Readings == 20, "20 readings buffered", cancellationToken: CancellationToken);
        await GatewayRig.StopGatewayAsync(gateway);
        await gateway.DisposeAsync();

        var rows = _rig.ReadBuffer().Readings;
        var damaged = rows.Skip(3).Take(5).ToList();
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _rig.BufferPath, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE readings SET payload = x'7b2278223a' WHERE sequence IN ({string.Join(',', damaged.Select(r => r.BufferSequence))})";
            Assert.Equal(damaged.Count, command.ExecuteNonQuery());
        }

        gateway = await GatewayRig.StartGatewayAsync(online);
        await consumer.WaitForDistinctAsync(rows.Count - damaged.Count);
        await Eventually.TrueAsync(() => _rig.CountBuffer() == (0, damaged.Count), "the buffer emptied, the damaged rows dead letters", cancellationToken: CancellationToken);
        await GatewayRig.StopGatewayAsync(gateway);

        var deadLetters = _rig.ReadBuffer().DeadLetters;
        Assert.All(deadLetters, d => Assert.Equal(DeadLetterReasons.CorruptRow, d.Reason));
        Assert.Equal(rows.Except(damaged).Select(r => (r.Device, r.Sequence)).Order(), consumer.Snapshot().Select(r => (r.Device, r.Sequence)).Distinct().Order());

        // One line for the first damaged row, the other four counted and summed up when the gateway stopped.
        var lines = gateway.AllOutput.Split('\n');
        Assert.Single(lines, line => line.Contains("cannot be decoded", StringComparison.Ordinal));
        Assert.Single(lines, line => line.Contains("4 more corrupt-row from buffer", StringComparison.Ordinal));
        await gateway.DisposeAsync();
    }
}
