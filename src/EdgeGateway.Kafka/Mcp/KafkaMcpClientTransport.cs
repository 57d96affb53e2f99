using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using EdgeGateway.Kafka.Consuming;
using EdgeGateway.Kafka.Producing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace EdgeGateway.Kafka.Mcp;

/// <summary>Where and as whom <see cref="KafkaMcpClientTransport"/> calls a gateway.</summary>
public sealed record KafkaMcpClientOptions
{
    /// <summary><c>host:port[,host:port]</c>.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>The gateway to call (its <c>Gateway:Id</c>): the key of every record both ways.</summary>
    public required string GatewayId { get; init; }

    /// <summary>The gateway's <c>Mcp:Kafka:ControlTopic</c>.</summary>
    public string ControlTopic { get; init; } = "edge.mcp.control";

    /// <summary>The gateway's <c>Mcp:Kafka:ReplyTopic</c>.</summary>
    public string ReplyTopic { get; init; } = "edge.mcp.replies";

    /// <summary>The bearer token sent with every record (one of the gateway's <c>Mcp:Tokens</c>).</summary>
    public string? Token { get; init; }

    /// <summary>librdkafka <c>fetch.wait.max.ms</c> of the reply consumer.</summary>
    public TimeSpan FetchWait { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the brokers may take to tell the topics' partitions when connecting.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Client id shown to the brokers.</summary>
    public string ClientId { get; init; } = "edge-mcp-client";

    /// <summary>TLS and SASL towards the brokers (plaintext by default).</summary>
    public EdgeGateway.Kafka.Security.KafkaClientSecurity Security { get; init; } = EdgeGateway.Kafka.Security.KafkaClientSecurity.None;

    /// <summary>Extra librdkafka properties (tuning), applied last to both clients.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// The client side of MCP over Kafka, for the SDK's <see cref="McpClient"/>:
/// <c>McpClient.CreateAsync(new KafkaMcpClientTransport(options))</c> calls one gateway through the
/// control topic and reads its answers from the reply topic (records keyed by the gateway id, this
/// session's answers picked out by the session header). The reply topic is followed from its end
/// before the first request goes out, so no answer can be missed.
/// </summary>
/// <param name="options">Where and as whom.</param>
/// <param name="loggerFactory">Logging (none when null).</param>
public sealed class KafkaMcpClientTransport(KafkaMcpClientOptions options, ILoggerFactory? loggerFactory = null) : IClientTransport
{
    /// <inheritdoc />
    public string Name => $"kafka:{options.GatewayId}";

    /// <inheritdoc />
    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.GatewayId);
        return await KafkaMcpClientSession.ConnectAsync(options, loggerFactory ?? NullLoggerFactory.Instance, cancellationToken);
    }
}

/// <summary>One connected client session of <see cref="KafkaMcpClientTransport"/>.</summary>
internal sealed partial class KafkaMcpClientSession : TransportBase
{
    private readonly KafkaMcpClientOptions _options;
    private readonly byte[] _key;
    private readonly KafkaRecordProducer _producer;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private KafkaTopicTail? _tail;
    private Task _loop = Task.CompletedTask;
    private int _disposed;

    private KafkaMcpClientSession(KafkaMcpClientOptions options, ILoggerFactory loggerFactory)
        : base($"kafka-mcp-client {options.GatewayId}", loggerFactory)
    {
        _options = options;
        _key = Encoding.UTF8.GetBytes(options.GatewayId);
        _logger = loggerFactory.CreateLogger<KafkaMcpClientTransport>();
        SessionId = Guid.NewGuid().ToString("N");
        _producer = new KafkaRecordProducer(
            new KafkaProducerSettings
            {
                BootstrapServers = options.BootstrapServers,
                ClientId = options.ClientId,
                Linger = TimeSpan.Zero,
                DeliveryTimeout = TimeSpan.FromSeconds(30),
                Security = options.Security,
                Extra = options.Extra,
            },
            (error, fatal) => LogClientError(_logger, error, fatal));
    }

    public static async Task<KafkaMcpClientSession> ConnectAsync(KafkaMcpClientOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var session = new KafkaMcpClientSession(options, loggerFactory);
        try
        {
            // Both block on the brokers: off the caller's thread. The reply topic is followed before anything is sent.
            session._tail = await Task.Run(
                () => KafkaTopicTail.Start(
                    new KafkaTopicTailSettings
                    {
                        BootstrapServers = options.BootstrapServers,
                        Topic = options.ReplyTopic,
                        Key = session._key,
                        FetchWait = options.FetchWait,
                        ClientId = options.ClientId,
                        Security = options.Security,
                        Extra = options.Extra,
                    },
                    options.ConnectTimeout,
                    error => LogClientError(session._logger, error, false),
                    cancellationToken),
                cancellationToken);

            // The first produce to a topic otherwise waits for librdkafka's next metadata refresh (about a second).
            await Task.Run(() => session._producer.WarmUp(options.ControlTopic, options.ConnectTimeout), cancellationToken);
            session.SetConnected();
            session._loop = Task.Run(() => session.ReadAsync(session._tail.Records, session._stop.Token), CancellationToken.None);
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    public override async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await ProduceAsync(KafkaMcpWire.Serialize(message), control: null, cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (IsConnected)
        {
            // Tells the gateway to drop the session now rather than at its idle timeout; best effort.
            using var brief = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await ProduceAsync([], KafkaMcpWire.CloseControl, brief.Token);
            }
            catch (Exception error) when (error is IOException or OperationCanceledException)
            {
                LogCloseFailed(_logger, SessionId!, error.Message);
            }
        }

        await _stop.CancelAsync();
        _tail?.Dispose();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _producer.Dispose();
        _stop.Dispose();
        SetDisconnected();
    }

    private async Task ProduceAsync(byte[] value, string? control, CancellationToken cancellationToken)
    {
        List<KeyValuePair<string, string>> headers =
        [
            new(KafkaMcpWire.SessionHeader, SessionId!),
            new(KafkaMcpWire.ContentTypeHeader, KafkaMcpWire.ContentType),
        ];
        if (_options.Token is { Length: > 0 } token)
        {
            headers.Add(new(KafkaMcpWire.AuthorizationHeader, $"Bearer {token}"));
        }

        if (control is not null)
        {
            headers.Add(new(KafkaMcpWire.ControlHeader, control));
        }

        var outcome = await _producer.ProduceAsync(_options.ControlTopic, _key, value, headers, cancellationToken);
        if (outcome.Status != KafkaDeliveryStatus.Delivered)
        {
            throw new IOException($"The request could not be produced to '{_options.ControlTopic}': {outcome.Error ?? outcome.Status.ToString()}");
        }
    }

    private async Task ReadAsync(ChannelReader<KafkaInboundRecord> records, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var record in records.ReadAllAsync(cancellationToken))
            {
                if (!string.Equals(record.Header(KafkaMcpWire.SessionHeader), SessionId, StringComparison.Ordinal))
                {
                    continue;
                }

                JsonRpcMessage message;
                try
                {
                    message = KafkaMcpWire.Deserialize(record.Value);
                }
                catch (JsonException error)
                {
                    LogNotJsonRpc(_logger, record.Partition, record.Offset, error.Message);
                    continue;
                }

                await WriteMessageAsync(message, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
        finally
        {
            SetDisconnected();
        }
    }

    [LoggerMessage(EventId = 930, Level = LogLevel.Warning, Message = "MCP over Kafka client: Kafka error {Error} (fatal: {Fatal})")]
    private static partial void LogClientError(ILogger logger, string error, bool fatal);

    [LoggerMessage(EventId = 931, Level = LogLevel.Warning, Message = "MCP over Kafka client: a reply at partition {Partition} offset {Offset} is not one JSON-RPC message: {Problem}")]
    private static partial void LogNotJsonRpc(ILogger logger, int partition, long offset, string problem);

    [LoggerMessage(EventId = 932, Level = LogLevel.Debug, Message = "MCP over Kafka client: the close record of session {SessionId} was not delivered: {Problem}")]
    private static partial void LogCloseFailed(ILogger logger, string sessionId, string problem);
}
