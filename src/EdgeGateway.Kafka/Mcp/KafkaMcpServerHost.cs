using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using EdgeGateway.Kafka.Consuming;
using EdgeGateway.Kafka.Producing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace EdgeGateway.Kafka.Mcp;

/// <summary>What <see cref="KafkaMcpServerHost"/> needs.</summary>
public sealed record KafkaMcpServerSettings
{
    /// <summary><c>host:port[,host:port]</c>.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>The topic requests arrive on (shared by a fleet; keyed by gateway id).</summary>
    public required string ControlTopic { get; init; }

    /// <summary>The topic answers go to, with the same key.</summary>
    public required string ReplyTopic { get; init; }

    /// <summary>This server's key: only records with it are read.</summary>
    public required string GatewayId { get; init; }

    /// <summary>librdkafka <c>fetch.wait.max.ms</c> of the control topic's consumer.</summary>
    public TimeSpan FetchWait { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A session with no record for this long is closed.</summary>
    public TimeSpan SessionIdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The most sessions at once; a new one beyond it closes the one idle longest.</summary>
    public int MaxSessions { get; init; } = 32;

    /// <summary>How long the brokers may take to tell the control topic's partitions at start.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Client id shown to the brokers.</summary>
    public string ClientId { get; init; } = "edge-gateway-mcp";

    /// <summary>TLS and SASL towards the brokers (plaintext by default).</summary>
    public EdgeGateway.Kafka.Security.KafkaClientSecurity Security { get; init; } = EdgeGateway.Kafka.Security.KafkaClientSecurity.None;

    /// <summary>Extra librdkafka properties (tuning), applied last to both clients.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}

/// <summary>What the application decides for <see cref="KafkaMcpServerHost"/>.</summary>
public sealed record KafkaMcpServerCallbacks
{
    /// <summary>The principal of a bearer token, or null when the token is missing or not accepted.</summary>
    public required Func<string?, ClaimsPrincipal?> Authenticate { get; init; }

    /// <summary>Runs an MCP server over a new session's transport until the token is cancelled or the transport ends.</summary>
    public required Func<ITransport, CancellationToken, Task> RunSession { get; init; }

    /// <summary>Called when a record is refused (who, what, why), e.g. to write an audit line.</summary>
    public Action<string, string, string>? Refused { get; init; }

    /// <summary>
    /// Asked before a skipped record is logged, with its cause (<see cref="NoSession"/>,
    /// <see cref="NotJsonRpc"/>): false when the caller only counts it, so a flood of junk on the control
    /// topic cannot flood the log (the gateway's bad-input throttle). Null: every one is logged.
    /// </summary>
    public Func<string, bool>? ShouldLogSkipped { get; init; }

    /// <summary>The cause of a record skipped for want of a valid session id header.</summary>
    public const string NoSession = "no-session";

    /// <summary>The cause of a record skipped because it is not one JSON-RPC message.</summary>
    public const string NotJsonRpc = "not-json-rpc";
}

/// <summary>
/// The server side of MCP over Kafka. It follows the control topic from its end and reads only the
/// records whose key is this gateway's id; each client session (header <see cref="KafkaMcpWire.SessionHeader"/>)
/// gets its own transport and MCP server, answered on the reply topic under the same key. Every record
/// carries a bearer token (header <see cref="KafkaMcpWire.AuthorizationHeader"/>) that is checked on its
/// own, as an HTTP request's would be; a request without an accepted token is answered with a JSON-RPC
/// error and goes no further. No consumer group is used: every gateway on the topic sees every record
/// and keeps its own, and a gateway's start costs no group join.
/// </summary>
public sealed partial class KafkaMcpServerHost : IAsyncDisposable
{
    private readonly KafkaMcpServerSettings _settings;
    private readonly KafkaMcpServerCallbacks _callbacks;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly byte[] _key;
    private readonly Dictionary<string, KafkaMcpServerSession> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private KafkaTopicTail? _tail;
    private KafkaRecordProducer? _producer;
    private Task? _loop;
    private Task? _sweep;
    private int _disposed;

    /// <summary>Creates the host; nothing connects before <see cref="StartAsync"/>.</summary>
    public KafkaMcpServerHost(KafkaMcpServerSettings settings, KafkaMcpServerCallbacks callbacks, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(callbacks);
        ArgumentException.ThrowIfNullOrWhiteSpace(settings.GatewayId);
        _settings = settings;
        _callbacks = callbacks;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = _loggerFactory.CreateLogger<KafkaMcpServerHost>();
        _key = Encoding.UTF8.GetBytes(settings.GatewayId);
    }

    /// <summary>The sessions open now.</summary>
    public int SessionCount
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>
    /// Assigns the control topic's partitions at their ends and starts serving. Returns once records
    /// produced from now on will be seen.
    /// </summary>
    /// <exception cref="TimeoutException">The control topic could not be found in time.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        _producer = new KafkaRecordProducer(
            new KafkaProducerSettings
            {
                BootstrapServers = _settings.BootstrapServers,
                ClientId = _settings.ClientId,
                Linger = TimeSpan.Zero,
                DeliveryTimeout = TimeSpan.FromSeconds(30),
                Security = _settings.Security,
                Extra = _settings.Extra,
            },
            (error, fatal) => LogClientError(_logger, "reply producer", error, fatal));

        // Both block on the brokers: off the caller's thread.
        _tail = await Task.Run(
            () => KafkaTopicTail.Start(
                new KafkaTopicTailSettings
                {
                    BootstrapServers = _settings.BootstrapServers,
                    Topic = _settings.ControlTopic,
                    Key = _key,
                    FetchWait = _settings.FetchWait,
                    ClientId = _settings.ClientId,
                    Security = _settings.Security,
                    Extra = _settings.Extra,
                },
                _settings.StartTimeout,
                error => LogClientError(_logger, "control consumer", error, false),
                cancellationToken),
            cancellationToken);
        await Task.Run(() => _producer.WarmUp(_settings.ReplyTopic, _settings.StartTimeout), cancellationToken);
        _loop = Task.Run(() => ServeAsync(_tail.Records, _stop.Token), CancellationToken.None);
        _sweep = Task.Run(() => SweepAsync(_stop.Token), CancellationToken.None);
        LogListening(_logger, _settings.ControlTopic, _tail.Partitions.Count, _settings.GatewayId, _settings.ReplyTopic);
    }

    /// <summary>Stops reading, closes every session and waits for their servers to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        _tail?.Dispose();
        foreach (var task in new[] { _loop, _sweep })
        {
            if (task is not null)
            {
                await task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        List<KafkaMcpServerSession> open;
        lock (_gate)
        {
            open = [.. _sessions.Values];
            _sessions.Clear();
        }

        foreach (var session in open)
        {
            await session.CloseAsync();
        }

        _producer?.Dispose();
        _stop.Dispose();
    }

    /// <summary>Produces one message of a session to the reply topic.</summary>
    internal async Task ReplyAsync(string sessionId, JsonRpcMessage message, CancellationToken cancellationToken)
    {
        var producer = _producer ?? throw new InvalidOperationException("Not started.");
        var outcome = await producer.ProduceAsync(
            _settings.ReplyTopic,
            _key,
            KafkaMcpWire.Serialize(message),
            [new(KafkaMcpWire.SessionHeader, sessionId), new(KafkaMcpWire.ContentTypeHeader, KafkaMcpWire.ContentType)],
            cancellationToken);
        if (outcome.Status != KafkaDeliveryStatus.Delivered)
        {
            LogReplyFailed(_logger, sessionId, _settings.ReplyTopic, outcome.Error ?? outcome.Status.ToString());
            throw new IOException($"The reply could not be produced to '{_settings.ReplyTopic}': {outcome.Error ?? outcome.Status.ToString()}");
        }
    }

    private async Task ServeAsync(ChannelReader<KafkaInboundRecord> records, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var record in records.ReadAllAsync(cancellationToken))
            {
                try
                {
                    await HandleAsync(record, cancellationToken);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    // One bad record or session must not stop the others.
                    LogRecordFailed(_logger, record.Partition, record.Offset, error);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task HandleAsync(KafkaInboundRecord record, CancellationToken cancellationToken)
    {
        var sessionId = record.Header(KafkaMcpWire.SessionHeader);
        if (!KafkaMcpWire.IsValidSessionId(sessionId))
        {
            if (_callbacks.ShouldLogSkipped?.Invoke(KafkaMcpServerCallbacks.NoSession) ?? true)
            {
                LogNoSession(_logger, record.Partition, record.Offset);
            }

            return;
        }

        if (string.Equals(record.Header(KafkaMcpWire.ControlHeader), KafkaMcpWire.CloseControl, StringComparison.Ordinal))
        {
            KafkaMcpServerSession? closing;
            lock (_gate)
            {
                _sessions.Remove(sessionId!, out closing);
            }

            if (closing is not null)
            {
                LogSessionClosed(_logger, sessionId!, "closed by the client");
                await closing.CloseAsync();
            }

            return;
        }

        JsonRpcMessage message;
        try
        {
            message = KafkaMcpWire.Deserialize(record.Value);
        }
        catch (JsonException error)
        {
            if (_callbacks.ShouldLogSkipped?.Invoke(KafkaMcpServerCallbacks.NotJsonRpc) ?? true)
            {
                LogNotJsonRpc(_logger, sessionId!, record.Partition, record.Offset, error.Message);
            }

            return;
        }

        var user = _callbacks.Authenticate(KafkaMcpWire.BearerToken(record.Header(KafkaMcpWire.AuthorizationHeader)));
        if (user?.Identity?.Name is not { } caller)
        {
            _callbacks.Refused?.Invoke(record.Header(KafkaMcpWire.AuthorizationHeader) is null ? "anonymous" : "unknown-token", $"Kafka {Describe(message)}", "missing or invalid bearer token");
            await RefuseAsync(sessionId!, message, $"unauthorized: the record has no accepted bearer token in header '{KafkaMcpWire.AuthorizationHeader}'", cancellationToken);
            return;
        }

        var session = GetOrOpen(sessionId!, caller, out var foreign);
        if (foreign)
        {
            _callbacks.Refused?.Invoke(caller, $"Kafka {Describe(message)}", "the session belongs to another token");
            await RefuseAsync(sessionId!, message, "forbidden: this session was opened with another token", cancellationToken);
            return;
        }

        message.Context = new JsonRpcMessageContext { User = user };
        await session!.DeliverAsync(message, cancellationToken);
    }

    private KafkaMcpServerSession? GetOrOpen(string sessionId, string caller, out bool foreign)
    {
        foreign = false;
        KafkaMcpServerSession? evicted = null;
        KafkaMcpServerSession session;
        lock (_gate)
        {
            if (_sessions.TryGetValue(sessionId, out var existing))
            {
                if (!string.Equals(existing.Owner, caller, StringComparison.Ordinal))
                {
                    foreign = true;
                    return null;
                }

                existing.Touch(_timeProvider.GetTimestamp());
                return existing;
            }

            if (_sessions.Count >= Math.Max(1, _settings.MaxSessions))
            {
                evicted = _sessions.Values.MinBy(s => s.LastActivity);
                _sessions.Remove(evicted!.SessionId!);
            }

            session = new KafkaMcpServerSession(sessionId, caller, this, _loggerFactory);
            session.Touch(_timeProvider.GetTimestamp());
            _sessions.Add(sessionId, session);
        }

        if (evicted is not null)
        {
            LogSessionEvicted(_logger, evicted.SessionId!, _settings.MaxSessions);
            _ = evicted.CloseAsync().AsTask();
        }

        LogSessionOpened(_logger, sessionId, caller);
        session.Start(_callbacks.RunSession, ended => Forget(session, ended), _stop.Token);
        return session;
    }

    private void Forget(KafkaMcpServerSession session, Exception? error)
    {
        lock (_gate)
        {
            if (_sessions.TryGetValue(session.SessionId!, out var current) && ReferenceEquals(current, session))
            {
                _sessions.Remove(session.SessionId!);
            }
        }

        if (error is not null)
        {
            LogSessionFailed(_logger, session.SessionId!, error);
        }
    }

    private async Task RefuseAsync(string sessionId, JsonRpcMessage message, string reason, CancellationToken cancellationToken)
    {
        LogRefused(_logger, sessionId, Describe(message), reason);
        if (message is JsonRpcRequest request)
        {
            await ReplyAsync(
                sessionId,
                new JsonRpcError { Id = request.Id, Error = new JsonRpcErrorDetail { Code = (int)McpErrorCode.InvalidRequest, Message = reason } },
                cancellationToken);
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromTicks(Math.Clamp(_settings.SessionIdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromMinutes(1).Ticks));
        try
        {
            while (true)
            {
                await Task.Delay(interval, _timeProvider, cancellationToken);
                var now = _timeProvider.GetTimestamp();
                List<KafkaMcpServerSession> idle;
                lock (_gate)
                {
                    idle = [.. _sessions.Values.Where(s => _timeProvider.GetElapsedTime(s.LastActivity, now) >= _settings.SessionIdleTimeout)];
                    foreach (var session in idle)
                    {
                        _sessions.Remove(session.SessionId!);
                    }
                }

                foreach (var session in idle)
                {
                    LogSessionIdle(_logger, session.SessionId!, _settings.SessionIdleTimeout);
                    await session.CloseAsync();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private static string Describe(JsonRpcMessage message) => message switch
    {
        JsonRpcRequest request => request.Method,
        JsonRpcNotification notification => notification.Method,
        _ => message.GetType().Name,
    };

    [LoggerMessage(EventId = 920, Level = LogLevel.Information,
        Message = "MCP over Kafka listening on control topic {ControlTopic} ({Partitions} partitions) for key {GatewayId}; replies go to {ReplyTopic}")]
    private static partial void LogListening(ILogger logger, string controlTopic, int partitions, string gatewayId, string replyTopic);

    [LoggerMessage(EventId = 921, Level = LogLevel.Information, Message = "MCP over Kafka: session {SessionId} opened by {Caller}")]
    private static partial void LogSessionOpened(ILogger logger, string sessionId, string caller);

    [LoggerMessage(EventId = 922, Level = LogLevel.Information, Message = "MCP over Kafka: session {SessionId} ended ({Why})")]
    private static partial void LogSessionClosed(ILogger logger, string sessionId, string why);

    [LoggerMessage(EventId = 933, Level = LogLevel.Information, Message = "MCP over Kafka: session {SessionId} closed: over {MaxSessions} sessions, it was idle longest")]
    private static partial void LogSessionEvicted(ILogger logger, string sessionId, int maxSessions);

    [LoggerMessage(EventId = 934, Level = LogLevel.Information, Message = "MCP over Kafka: session {SessionId} closed after {Idle} idle")]
    private static partial void LogSessionIdle(ILogger logger, string sessionId, TimeSpan idle);

    [LoggerMessage(EventId = 923, Level = LogLevel.Warning, Message = "MCP over Kafka: refused {What} in session {SessionId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string sessionId, string what, string reason);

    [LoggerMessage(EventId = 924, Level = LogLevel.Warning, Message = "MCP over Kafka: a record at partition {Partition} offset {Offset} has no valid session id header; skipped")]
    private static partial void LogNoSession(ILogger logger, int partition, long offset);

    [LoggerMessage(EventId = 925, Level = LogLevel.Warning, Message = "MCP over Kafka: session {SessionId} sent a record that is not one JSON-RPC message (partition {Partition} offset {Offset}): {Problem}")]
    private static partial void LogNotJsonRpc(ILogger logger, string sessionId, int partition, long offset, string problem);

    [LoggerMessage(EventId = 926, Level = LogLevel.Warning, Message = "MCP over Kafka: a reply of session {SessionId} could not be produced to {Topic}: {Error}")]
    private static partial void LogReplyFailed(ILogger logger, string sessionId, string topic, string error);

    [LoggerMessage(EventId = 927, Level = LogLevel.Warning, Message = "MCP over Kafka: the record at partition {Partition} offset {Offset} could not be handled")]
    private static partial void LogRecordFailed(ILogger logger, int partition, long offset, Exception error);

    [LoggerMessage(EventId = 928, Level = LogLevel.Warning, Message = "MCP over Kafka: session {SessionId} failed")]
    private static partial void LogSessionFailed(ILogger logger, string sessionId, Exception error);

    [LoggerMessage(EventId = 929, Level = LogLevel.Warning, Message = "MCP over Kafka: {Client} error {Error} (fatal: {Fatal})")]
    private static partial void LogClientError(ILogger logger, string client, string error, bool fatal);
}
