using System.Text;
using EdgeGateway.Configuration;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Sources;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Operations;

/// <summary>
/// Publishes commands to devices over the gateway's MQTT broker (section <c>Mqtt</c>), each on a short
/// connection of its own: commands are rare, and keeping them off the source's connection leaves
/// the source's session, acknowledgements and reconfiguration alone. One command at a time (they
/// share a client id).
/// </summary>
public sealed class DeviceCommandPublisher : IDisposable
{
    private readonly MqttBrokerOptions _options;
    private readonly string _clientId;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates the publisher from the <c>Mqtt</c> options.</summary>
    public DeviceCommandPublisher(IOptions<MqttBrokerOptions> options, IOptions<GatewayOptions> gateway, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gateway);
        _options = options.Value;
        _clientId = $"{(string.IsNullOrEmpty(_options.ClientId) ? $"edge-gateway-{gateway.Value.EffectiveId}" : _options.ClientId)}-cmd";
        _timeProvider = timeProvider;
    }

    /// <summary>The command topic of a device that last published on <paramref name="readingTopic"/> (<c>Mqtt:CommandTopic</c>).</summary>
    public string CommandTopic(string readingTopic, string deviceId) =>
        _options.CommandTopic.Replace("{topic}", readingTopic, StringComparison.Ordinal).Replace("{deviceId}", deviceId, StringComparison.Ordinal);

    /// <summary>Publishes <paramref name="payload"/> with QoS 1 and waits for the broker's acknowledgement.</summary>
    /// <exception cref="MqttClientException">The broker could not be reached or refused the message.</exception>
    /// <exception cref="InvalidOperationException">The broker refused the publish (reason code).</exception>
    public async Task PublishAsync(string topic, string payload, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var client = new MqttClient(MqttBrokerConnection.ClientOptions(_options, _clientId, _timeProvider) with
            {
                CleanStart = true,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                Reconnect = new MqttReconnectOptions { Enabled = false },
            });
            await client.ConnectAsync(cancellationToken);
            var result = await client.PublishAsync(
                new MqttApplicationMessage { Topic = topic, Payload = Encoding.UTF8.GetBytes(payload), QoS = MqttQualityOfService.AtLeastOnce },
                cancellationToken);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"the broker refused the command ({result.ReasonCode}{(result.ReasonString is null ? string.Empty : $": {result.ReasonString}")})");
            }

            await client.DisconnectAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();
}
