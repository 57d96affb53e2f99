using EdgeGateway.Configuration;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Sources;

/// <summary>
/// The MQTT source: a persistent session with manual acknowledgement. It takes whatever messages
/// are waiting (up to a group), hands them to the ingest path, and acknowledges them only once the
/// buffer has committed them (or their dead letters), so a crash at any moment loses nothing the
/// broker was told is safe. The broker's Receive Maximum is the back-pressure.
/// </summary>
public sealed partial class MqttSource : BackgroundService
{
    /// <summary>How many leading bytes of a payload over <see cref="MqttBrokerOptions.MaxPayloadSize"/> its dead letter keeps: enough to tell what sent it.</summary>
    public const int OversizeBytesKept = 4096;

    private const int GroupSize = 1000;

    /// <summary>
    /// The Maximum Packet Size announced to the broker (MQTT 5.0): the largest payload a source may hand
    /// over plus room for the topic and properties, so a payload over Mqtt:MaxPayloadSize still arrives
    /// and is dead-lettered rather than discarded unseen by the broker.
    /// </summary>
    private const int MaximumPacketSize = RawMessage.MaxPayloadBytes + (128 * 1024);
    private readonly MqttBrokerOptions _options;
    private readonly string _clientId;
    private readonly int _maxPayloadBytes;
    private readonly ReadingIngestor _ingestor;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ILogger _clientLogger;
    private readonly List<(MqttSourceSubscription Options, TopicTemplate Template, IPayloadDecoder Decoder)> _subscriptions;

    /// <summary>Creates the source from the <c>Mqtt</c> options.</summary>
    public MqttSource(IOptions<MqttBrokerOptions> options, IOptions<GatewayOptions> gateway, ReadingIngestor ingestor, TimeProvider timeProvider, ILogger<MqttSource> logger, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value;
        _clientId = string.IsNullOrEmpty(_options.ClientId) ? $"edge-gateway-{gateway.Value.EffectiveId}" : _options.ClientId;
        _ingestor = ingestor;
        _timeProvider = timeProvider;
        _logger = logger;
        _clientLogger = loggerFactory.CreateLogger("EdgeGateway.Sources.MqttClient");
        _maxPayloadBytes = (int)Math.Min(_options.MaxPayloadSize.Bytes, RawMessage.MaxPayloadBytes);
        _subscriptions = [.. _options.Subscriptions.Select(s => (s, TopicTemplate.Parse(s.Topic), PayloadDecoders.Create(s.Decoder)))];
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_subscriptions.Count == 0)
        {
            LogNoSubscriptions(_logger);
            return;
        }

        await using var client = new MqttClient(new MqttClientOptions
        {
            Host = _options.Host,
            Port = _options.Port,
            ProtocolVersion = _options.ProtocolVersion == MqttProtocolVersion.V311 ? Mqtt.Packets.MqttProtocolVersion.V311 : Mqtt.Packets.MqttProtocolVersion.V500,
            ClientId = _clientId,
            CleanStart = false,
            SessionExpiry = _options.SessionExpiry,
            KeepAlive = _options.KeepAlive,
            Username = _options.Username,
            Password = _options.Password,
            Tls = _options.UseTls ? new MqttTlsOptions { CaFile = _options.CaFile } : null,
            ReceiveMaximum = (ushort)_options.ReceiveMaximum,
            MaximumPacketSize = MaximumPacketSize,
            AcknowledgementMode = MqttAcknowledgementMode.Manual,
            TimeProvider = _timeProvider,
            Logger = new ClientLogger(_clientLogger),
        });

        await ConnectAsync(client, stoppingToken);

        // Take messages before the subscription is confirmed: a persistent session's backlog arrives
        // right after CONNACK, ahead of the SUBACK, and when it is more than the client holds (mosquitto
        // 2.0.11 sends more than Receive Maximum after a reconnect) the SUBACK is read only once the
        // consumer made room. Waiting for it first would wait forever.
        using var stopConsuming = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var consuming = ConsumeAsync(client, stopConsuming.Token);
        try
        {
            await SubscribeAsync(client, stoppingToken);
        }
        catch
        {
            await stopConsuming.CancelAsync();
            await consuming;
            throw;
        }

        await consuming;
    }

    private async Task ConsumeAsync(MqttClient client, CancellationToken cancellationToken)
    {
        var group = new List<MqttReceivedMessage>(GroupSize);
        var items = new List<IngestItem>(GroupSize);
        try
        {
            while (await client.Messages.WaitToReadAsync(cancellationToken))
            {
                group.Clear();
                items.Clear();
                while (group.Count < GroupSize && client.Messages.TryRead(out var message))
                {
                    group.Add(message);
                    var subscription = Match(message.Topic);
                    var payload = message.Payload;
                    DecodeFailure? tooLarge = null;
                    if (message.PayloadLength > _maxPayloadBytes || message.IsPayloadCut)
                    {
                        // Not decoded, and only its head kept: enough to find the sender, not to fill the disk.
                        // (Over MQTT 3.1.1 the client itself cut what exceeded its maximum packet size.)
                        tooLarge = new DecodeFailure(
                            DecodeFailureReason.PayloadTooLarge,
                            $"the payload is {message.PayloadLength} bytes, over Mqtt:MaxPayloadSize ({_options.MaxPayloadSize}); only its first {OversizeBytesKept} bytes are kept");
                        payload = payload[..Math.Min(payload.Length, OversizeBytesKept)];
                    }

                    var raw = new RawMessage(SourceKind.Mqtt, "mqtt", message.Topic, payload, _timeProvider.GetUtcNow());
                    items.Add(new IngestItem(raw, subscription.Decoder, subscription.Template) { SourceFailure = tooLarge });
                }

                // Durable first (readings or dead letters), acknowledged second.
                await _ingestor.IngestAsync(items, cancellationToken);
                await client.AcknowledgeAsync(group, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: what was not acknowledged is redelivered by the broker after the restart.
        }
    }

    private async Task ConnectAsync(MqttClient client, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                await client.ConnectAsync(stoppingToken);
                break;
            }
            catch (MqttClientException error) when (error is not MqttConnectRefusedException)
            {
                // The broker may start after the gateway (boot order in a cabinet): keep trying.
                LogWaitingForBroker(_logger, _options.Host, _options.Port, error.Message);
                await Task.Delay(delay, _timeProvider, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private async Task SubscribeAsync(MqttClient client, CancellationToken stoppingToken)
    {
        var results = await client.SubscribeAsync(
            [.. _subscriptions.Select(s => new MqttSubscription(s.Template.SubscriptionFilter, new MqttSubscriptionOptions((MqttQualityOfService)s.Options.QoS)))],
            stoppingToken);
        foreach (var result in results)
        {
            LogSubscribed(_logger, result.TopicFilter, result.ReasonCode);
        }
    }

    private (TopicTemplate Template, IPayloadDecoder Decoder) Match(string topic)
    {
        // Runs for every message: the span overload matches without allocating.
        Span<Range> values = stackalloc Range[TopicTemplate.MaxVariables];
        foreach (var (_, template, decoder) in _subscriptions)
        {
            if (template.TryMatch(topic, values))
            {
                return (template, decoder);
            }
        }

        // Delivered for an overlapping subscription of an earlier configuration: the first decoder decides.
        return (_subscriptions[0].Template, _subscriptions[0].Decoder);
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "MQTT source: no subscriptions configured (Mqtt:Subscriptions); not connecting")]
    private static partial void LogNoSubscriptions(ILogger logger);

    [LoggerMessage(EventId = 501, Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port} not reachable yet ({Reason}); retrying")]
    private static partial void LogWaitingForBroker(ILogger logger, string host, int port, string reason);

    [LoggerMessage(EventId = 502, Level = LogLevel.Information, Message = "Subscribed to {Filter}: {Result}")]
    private static partial void LogSubscribed(ILogger logger, string filter, MqttSubAckReasonCode result);

    /// <summary>Sends the MQTT client's log to the gateway's logging.</summary>
    private sealed class ClientLogger(ILogger logger) : IMqttClientLogger
    {
        public void Log(MqttLogLevel level, MqttLogEvent logEvent, string message, Exception? exception = null)
        {
            var mapped = level switch
            {
                MqttLogLevel.Debug => LogLevel.Debug,
                MqttLogLevel.Information => LogLevel.Information,
                MqttLogLevel.Warning => LogLevel.Warning,
                _ => LogLevel.Error,
            };
            if (logger.IsEnabled(mapped))
            {
                LogClient(logger, mapped, new EventId(600 + (int)logEvent, logEvent.ToString()), message, exception);
            }
        }

        private static void LogClient(ILogger logger, LogLevel level, EventId eventId, string message, Exception? exception) =>
#pragma warning disable CA1848, CA2254, CA1873 // The level and event come from the client at run time; one dynamic call site is the adapter.
            logger.Log(level, eventId, exception, "{Message}", message);
#pragma warning restore CA1848, CA2254, CA1873
    }
}
