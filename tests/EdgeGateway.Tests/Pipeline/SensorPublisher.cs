using System.Text;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Waiting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace EdgeGateway.Tests.Pipeline;

/// <summary>
/// The sensors' side: one MQTT 5.0 client publishing at QoS 1 with a sliding window of outstanding
/// publishes (in call order, so each device's messages leave in order). A publish counts once the
/// broker acknowledged it (PUBACK): from then on the broker answers for it, not the sensor.
/// </summary>
internal sealed class SensorPublisher : IAsyncDisposable
{
    private const int Window = 1000;
    private readonly MqttClient _client;
    private long _acknowledged;

    private SensorPublisher(MqttClient client) => _client = client;

    /// <summary>Messages the broker acknowledged so far.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public static async Task<SensorPublisher> ConnectAsync(MosquittoBroker broker, ILoggerFactory loggerFactory)
    {
        var options = TestMqttClients.Options(broker, loggerFactory, configure: o => o with { MaximumInflight = Window });
        return new SensorPublisher(await TestMqttClients.ConnectAsync(options, TestContext.Current.CancellationToken));
    }

    /// <summary>
    /// Readings <paramref name="firstSeq"/> to <paramref name="firstSeq"/> + <paramref name="count"/> - 1
    /// of every sensor, round-robin over the sensors (sequence by sequence).
    /// </summary>
    public static IEnumerable<(string Topic, byte[] Payload)> Readings(IReadOnlyList<Sensor> sensors, long firstSeq, long count)
    {
        for (var seq = firstSeq; seq < firstSeq + count; seq++)
        {
            foreach (var sensor in sensors)
            {
                yield return (sensor.Topic, Encoding.UTF8.GetBytes(Sensor.Payload(seq)));
            }
        }
    }

    /// <summary>Publishes every message and completes when the broker acknowledged them all.</summary>
    public Task PublishAsync(IEnumerable<(string Topic, byte[] Payload)> messages) => PublishAsync(messages, TestTimeouts.Default * 2);

    /// <inheritdoc cref="PublishAsync(IEnumerable{ValueTuple{string, byte[]}})"/>
    public async Task PublishAsync(IEnumerable<(string Topic, byte[] Payload)> messages, TimeSpan timeout)
    {
        var token = TestContext.Current.CancellationToken;
        var outstanding = new Queue<Task<MqttPublishResult>>(Window);
        foreach (var (topic, payload) in messages)
        {
            if (outstanding.Count == Window)
            {
                await CompleteAsync(outstanding.Dequeue(), timeout);
            }

            outstanding.Enqueue(_client.PublishAsync(new MqttApplicationMessage { Topic = topic, Payload = payload, QoS = MqttQualityOfService.AtLeastOnce }, token));
        }

        while (outstanding.Count > 0)
        {
            await CompleteAsync(outstanding.Dequeue(), timeout);
        }
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private async Task CompleteAsync(Task<MqttPublishResult> publish, TimeSpan timeout)
    {
        var result = await Eventually.WithinAsync(publish, "the broker's PUBACK", timeout);
        Assert.True(result.IsSuccess, $"The broker refused a publish: {result.ReasonCode} {result.ReasonString}");
        Interlocked.Increment(ref _acknowledged);
    }
}
