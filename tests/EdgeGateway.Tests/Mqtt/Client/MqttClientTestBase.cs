using System.Text;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Waiting;

namespace EdgeGateway.Tests.Mqtt.Client;

/// <summary>A test with its own mosquitto and the clients it creates, all stopped at the end.</summary>
public abstract class MqttClientTestBase : LoggedTest
{
    private readonly List<MqttClient> _clients = [];

    protected MosquittoBroker Broker { get; private set; } = null!;

    protected virtual MosquittoOptions BrokerOptions => new();

    public override async ValueTask InitializeAsync() => Broker = await MosquittoBroker.StartAsync(BrokerOptions, CancellationToken);

    protected override async ValueTask CleanUpAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await Broker.DisposeAsync();
    }

    protected MqttClientOptions Options(MqttProtocolVersion version, string? clientId = null, Func<MqttClientOptions, MqttClientOptions>? configure = null) =>
        TestMqttClients.Options(Broker, LoggerFactory, version, clientId, configure);

    protected async Task<MqttClient> ConnectAsync(MqttClientOptions options)
    {
        var client = await TestMqttClients.ConnectAsync(options, CancellationToken);
        _clients.Add(client);
        return client;
    }

    protected Task<MqttClient> ConnectAsync(MqttProtocolVersion version, Func<MqttClientOptions, MqttClientOptions>? configure = null) =>
        ConnectAsync(Options(version, configure: configure));

    protected static async Task<MqttReceivedMessage> ReceiveAsync(MqttClient client) =>
        await Eventually.WithinAsync(client.Messages.ReadAsync(CancellationToken).AsTask(), "a message");

    protected static async Task<List<MqttReceivedMessage>> ReceiveAsync(MqttClient client, int count)
    {
        var messages = new List<MqttReceivedMessage>(count);
        while (messages.Count < count)
        {
            messages.Add(await ReceiveAsync(client));
        }

        return messages;
    }

    protected static string Text(MqttReceivedMessage message) => Encoding.UTF8.GetString(message.Payload.Span);

    protected static string UniqueTopic(string prefix = "test") => $"{prefix}/{Guid.NewGuid():N}";
}
