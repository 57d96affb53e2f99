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
    private readonly Lock _statusLock = new();
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly TaskCompletionSource _firstSubscription = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Swapped whole by ApplySubscriptionsAsync; read lock-free by the consumer.
    private volatile ActiveSubscription[] _subscriptions;

    // Subscriptions of earlier configurations: messages already on their way when one was removed still decode.
    private volatile ActiveSubscription[] _retired = [];
    private bool _subscribed;
    private MqttClient? _client;
    private MqttSourceState _state;
    private DateTimeOffset _stateSince;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;

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
        _subscriptions = Activate(_options.Subscriptions);
        _state = _subscriptions.Length == 0 ? MqttSourceState.Off : MqttSourceState.Connecting;
        if (_subscriptions.Length > 0)
        {
            _firstSubscription.SetResult();
        }
        _stateSince = timeProvider.GetUtcNow();
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _applyLock.Dispose();
        base.Dispose();
    }

    /// <summary>A snapshot of the connection and the counters (since the gateway started).</summary>
    public MqttSourceStatistics GetStatistics()
    {
        lock (_statusLock)
        {
            var counters = _client?.Counters;
            return new MqttSourceStatistics
            {
                Broker = $"{_options.Host}:{_options.Port}",
                ClientId = _clientId,
                Subscriptions = _subscriptions.Length,
                State = _state,
                StateSince = _stateSince,
                MessagesReceived = counters?.MessagesReceived ?? 0,
                MessagesAcknowledged = counters?.MessagesAcknowledged ?? 0,
                Connects = counters?.Connects ?? 0,
                ConnectionsLost = counters?.ConnectionsLost ?? 0,
                LastError = _lastError,
                LastErrorAt = _lastErrorAt,
            };
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_subscriptions.Length == 0)
        {
            // Stays off until a subscription is added at run time (apply_config, add_source).
            LogNoSubscriptions(_logger);
            await _firstSubscription.Task.WaitAsync(stoppingToken);
            SetState(MqttSourceState.Connecting, null);
        }

        await using var client = new MqttClient(MqttBrokerConnection.ClientOptions(_options, _clientId, _timeProvider) with
        {
            CleanStart = false,
            SessionExpiry = _options.SessionExpiry,
            KeepAlive = _options.KeepAlive,
            ReceiveMaximum = (ushort)_options.ReceiveMaximum,
            MaximumPacketSize = MaximumPacketSize,
            AcknowledgementMode = MqttAcknowledgementMode.Manual,
            Logger = new ClientLogger(_clientLogger, RecordClientError),
        });
        client.ConnectionStateChanged += OnConnectionStateChanged;
        lock (_statusLock)
        {
            _client = client;
        }

        await ConnectAsync(client, stoppingToken);

        // Take messages before the subscription is confirmed: a persistent session's backlog arrives
        // right after CONNACK, ahead of the SUBACK, and when it is more than the client holds (mosquitto
        // 2.0.11 sends more than Receive Maximum after a reconnect) the SUBACK is read only once the
        // consumer made room. Waiting for it first would wait forever.
        using var stopConsuming = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var consuming = ConsumeAsync(client, stopConsuming.Token);
        try
        {
            await _applyLock.WaitAsync(stoppingToken);
            try
            {
                await SubscribeAsync(client, _subscriptions, stoppingToken);
                _subscribed = true;
            }
            finally
            {
                _applyLock.Release();
            }
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

                // One clock reading per group: the messages were taken from the client together.
                var receivedAt = _timeProvider.GetUtcNow();
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

                    var raw = new RawMessage(SourceKind.Mqtt, "mqtt", message.Topic, payload, receivedAt);
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
                SetState(MqttSourceState.Connecting, error.Message);
                await Task.Delay(delay, _timeProvider, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private async Task<IReadOnlyList<MqttSubscribeResult>> SubscribeAsync(MqttClient client, IReadOnlyList<ActiveSubscription> subscriptions, CancellationToken cancellationToken)
    {
        if (subscriptions.Count == 0)
        {
            return [];
        }

        var results = await client.SubscribeAsync(
            [.. subscriptions.Select(s => new MqttSubscription(s.Template.SubscriptionFilter, new MqttSubscriptionOptions((MqttQualityOfService)s.Options.QoS)))],
            cancellationToken);
        foreach (var result in results)
        {
            LogSubscribed(_logger, result.TopicFilter, result.ReasonCode);
        }

        return results;
    }

    /// <summary>The topic templates subscribed to now (enabled subscriptions only).</summary>
    public IReadOnlyList<string> ActiveTopics => [.. _subscriptions.Select(s => s.Options.Topic)];

    /// <summary>
    /// The topic template and decoder of the current subscription that takes <paramref name="topic"/>
    /// (to replay a dead letter with what is configured now); false when none does.
    /// </summary>
    public bool TryMatch(string topic, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TopicTemplate? template, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPayloadDecoder? decoder)
    {
        Span<Range> values = stackalloc Range[TopicTemplate.MaxVariables];
        foreach (var subscription in _subscriptions)
        {
            if (subscription.Template.TryMatch(topic, values))
            {
                (template, decoder) = (subscription.Template, subscription.Decoder);
                return true;
            }
        }

        (template, decoder) = (null, null);
        return false;
    }

    /// <summary>
    /// Changes the subscriptions while running, without reconnecting: subscribes to what is new (or has a
    /// new QoS), unsubscribes from what is gone or disabled, and decodes with the new decoders from now on.
    /// Messages already delivered for a removed subscription are still decoded and acknowledged.
    /// Applying the previous list undoes a change.
    /// </summary>
    /// <exception cref="InvalidOperationException">The broker refused a subscription (e.g. not authorized).</exception>
    public async Task ApplySubscriptionsAsync(IReadOnlyList<MqttSourceSubscription> subscriptions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        var next = Activate(subscriptions);
        await _applyLock.WaitAsync(cancellationToken);
        try
        {
            var before = _subscriptions;
            var added = next.Where(n => !before.Any(b => SameFilter(b, n) && b.Options.QoS == n.Options.QoS)).ToList();
            var removed = before.Where(b => !next.Any(n => SameFilter(b, n))).Select(b => b.Template.SubscriptionFilter).Distinct(StringComparer.Ordinal).ToList();
            _retired = [.. _retired.Concat(before).DistinctBy(r => (r.Options.Topic, r.Options.QoS)).TakeLast(64)];
            _subscriptions = next;
            if (next.Length > 0)
            {
                _firstSubscription.TrySetResult();
            }

            var client = _client;
            if (client is null || !_subscribed)
            {
                // Not subscribed yet: the source subscribes to the current list once connected.
                return;
            }

            try
            {
                var results = await SubscribeAsync(client, added, cancellationToken);
                var refused = results.Where(r => !r.IsSuccess).ToList();
                if (refused.Count > 0)
                {
                    throw new InvalidOperationException(
                        $"the broker refused the subscription to {string.Join(", ", refused.Select(r => $"{r.TopicFilter} ({r.ReasonCode})"))}");
                }

                if (removed.Count > 0)
                {
                    await client.UnsubscribeAsync(removed, cancellationToken);
                    var filters = string.Join(", ", removed);
                    LogUnsubscribed(_logger, filters);
                }
            }
            catch (MqttNotConnectedException)
            {
                // The client renews what it remembers after the reconnect, with the new list.
            }
        }
        finally
        {
            _applyLock.Release();
        }
    }

    private static bool SameFilter(ActiveSubscription a, ActiveSubscription b) =>
        string.Equals(a.Template.SubscriptionFilter, b.Template.SubscriptionFilter, StringComparison.Ordinal);

    private static ActiveSubscription[] Activate(IEnumerable<MqttSourceSubscription> subscriptions) =>
        [.. subscriptions.Where(s => s.Enabled).Select(s => new ActiveSubscription(s, TopicTemplate.Parse(s.Topic), PayloadDecoders.Create(s.Decoder)))];

    private void OnConnectionStateChanged(object? sender, MqttConnectionStateChange change)
    {
        // Raised on the client's task: quick, and never throws.
        var state = change.State switch
        {
            MqttConnectionState.Connected => MqttSourceState.Connected,
            MqttConnectionState.Disconnected => MqttSourceState.Disconnected,
            _ => MqttSourceState.Connecting,
        };
        SetState(state, change.Error?.Message);
    }

    private void SetState(MqttSourceState state, string? error)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_statusLock)
        {
            if (_state != state)
            {
                _state = state;
                _stateSince = now;
            }

            if (error is not null)
            {
                _lastError = error;
                _lastErrorAt = now;
            }
        }
    }

    private (TopicTemplate Template, IPayloadDecoder Decoder) Match(string topic)
    {
        // Runs for every message: the span overload matches without allocating.
        Span<Range> values = stackalloc Range[TopicTemplate.MaxVariables];
        var current = _subscriptions;
        foreach (var (_, template, decoder) in current)
        {
            if (template.TryMatch(topic, values))
            {
                return (template, decoder);
            }
        }

        var retired = _retired;
        foreach (var (_, template, decoder) in retired)
        {
            if (template.TryMatch(topic, values))
            {
                return (template, decoder);
            }
        }

        // Delivered for an overlapping subscription of an earlier configuration: the first decoder decides.
        var fallback = current.Length > 0 ? current[0] : retired[^1];
        return (fallback.Template, fallback.Decoder);
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "MQTT source: no subscriptions configured (Mqtt:Subscriptions); not connecting")]
    private static partial void LogNoSubscriptions(ILogger logger);

    [LoggerMessage(EventId = 501, Level = LogLevel.Warning, Message = "MQTT broker {Host}:{Port} not reachable yet ({Reason}); retrying")]
    private static partial void LogWaitingForBroker(ILogger logger, string host, int port, string reason);

    [LoggerMessage(EventId = 502, Level = LogLevel.Information, Message = "Subscribed to {Filter}: {Result}")]
    private static partial void LogSubscribed(ILogger logger, string filter, MqttSubAckReasonCode result);

    [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "Unsubscribed from {Filters}")]
    private static partial void LogUnsubscribed(ILogger logger, string filters);

    private sealed record ActiveSubscription(MqttSourceSubscription Options, TopicTemplate Template, IPayloadDecoder Decoder);

    private void RecordClientError(string message)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_statusLock)
        {
            _lastError = message;
            _lastErrorAt = now;
        }
    }

    /// <summary>Sends the MQTT client's log to the gateway's logging, and its connection errors to the status.</summary>
    private sealed class ClientLogger(ILogger logger, Action<string> onConnectionError) : IMqttClientLogger
    {
        public void Log(MqttLogLevel level, MqttLogEvent logEvent, string message, Exception? exception = null)
        {
            if (logEvent is MqttLogEvent.ConnectFailed or MqttLogEvent.ConnectRefused or MqttLogEvent.ConnectionLost
                or MqttLogEvent.ProtocolError or MqttLogEvent.DisconnectedByBroker or MqttLogEvent.KeepAliveTimeout)
            {
                onConnectionError(message);
            }

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

/// <summary>Where the MQTT source's connection stands.</summary>
public enum MqttSourceState
{
    /// <summary>No subscriptions are configured, so the source does not connect (until one is added at run time).</summary>
    Off,

    /// <summary>Connecting, or waiting to try again (the broker is not reachable yet, or the connection was lost).</summary>
    Connecting,

    /// <summary>Connected and subscribed.</summary>
    Connected,

    /// <summary>Not connected and not trying (the gateway is stopping).</summary>
    Disconnected,
}

/// <summary>The MQTT source's connection and counters, from <see cref="MqttSource.GetStatistics"/>.</summary>
public sealed record MqttSourceStatistics
{
    /// <summary>The broker, <c>host:port</c>.</summary>
    public required string Broker { get; init; }

    /// <summary>The client id of the gateway's session.</summary>
    public required string ClientId { get; init; }

    /// <summary>Subscriptions configured.</summary>
    public required int Subscriptions { get; init; }

    /// <summary>The connection's state.</summary>
    public required MqttSourceState State { get; init; }

    /// <summary>When the state last changed (the gateway's start for the first state).</summary>
    public required DateTimeOffset StateSince { get; init; }

    /// <summary>Messages the broker delivered (redeliveries after a reconnect count again).</summary>
    public required long MessagesReceived { get; init; }

    /// <summary>Messages acknowledged to the broker, each after its readings or dead letters were committed.</summary>
    public required long MessagesAcknowledged { get; init; }

    /// <summary>Successful connects (the first and every reconnect).</summary>
    public required long Connects { get; init; }

    /// <summary>Connections lost.</summary>
    public required long ConnectionsLost { get; init; }

    /// <summary>The last connection error, if any.</summary>
    public string? LastError { get; init; }

    /// <summary>When that error happened.</summary>
    public DateTimeOffset? LastErrorAt { get; init; }
}
