using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using EdgeGateway.Kafka.Native;
using EdgeGateway.Kafka.Producing;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace EdgeGateway.StreamProcessor.Gateways;

/// <summary>Where and how to reach one gateway's MCP server over Kafka.</summary>
internal sealed record KafkaMcpClientSettings
{
    /// <summary>Kafka brokers.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>The gateway addressed: the key of every request and of its replies.</summary>
    public required string GatewayId { get; init; }

    /// <summary>The topic the gateways read their calls from.</summary>
    public string ControlTopic { get; init; } = "edge.control";

    /// <summary>The topic the gateways answer on (same key).</summary>
    public string ReplyTopic { get; init; } = "edge.control.replies";

    /// <summary>A bearer token for the gateway (sent in the <c>mcp-authorization</c> header), if it asks for one.</summary>
    public string? Token { get; init; }

    /// <summary>How long to wait for the reply topic's metadata and offsets.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The client side of MCP over Kafka (design: shared/notes/mcp-sdk.md): each JSON-RPC message is one
/// record on the control topic, keyed by the gateway id, with this session's id in the
/// <c>mcp-session-id</c> header; the gateway answers on the reply topic with the same key and header.
/// Replies are read by a consumer assigned (no group) to every partition of the reply topic at its
/// high watermark, taken before the first request is sent so no reply can be missed, keeping only
/// records with this gateway's key and this session's id. Disposing sends a record with
/// <c>mcp-control: close</c> so the gateway can drop the session.
/// </summary>
internal sealed class KafkaMcpClientTransport(KafkaMcpClientSettings settings, ILoggerFactory? loggerFactory = null) : IClientTransport
{
    /// <inheritdoc />
    public string Name => $"kafka:{settings.ControlTopic}/{settings.GatewayId}";

    /// <inheritdoc />
    public Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        Task.Run<ITransport>(() => KafkaClientSessionTransport.Connect(settings, loggerFactory), cancellationToken);
}

/// <summary>One client session of <see cref="KafkaMcpClientTransport"/>.</summary>
internal sealed class KafkaClientSessionTransport : TransportBase
{
    private readonly KafkaMcpClientSettings _settings;
    private readonly KafkaRecordProducer _producer;
    private readonly IConsumer<string?, byte[]?> _consumer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _reader;
    private readonly byte[] _key;
    private int _disposed;

    private KafkaClientSessionTransport(KafkaMcpClientSettings settings, KafkaRecordProducer producer, IConsumer<string?, byte[]?> consumer, string sessionId, ILoggerFactory? loggerFactory)
        : base($"kafka:{settings.GatewayId}", loggerFactory)
    {
        _settings = settings;
        _producer = producer;
        _consumer = consumer;
        _key = Encoding.UTF8.GetBytes(settings.GatewayId);
        SessionId = sessionId;
        _reader = new Thread(ReadReplies) { IsBackground = true, Name = "kafka-mcp-replies" };
    }

    /// <summary>Assigns the reply consumer at the high watermarks, warms the producer, starts reading.</summary>
    public static KafkaClientSessionTransport Connect(KafkaMcpClientSettings settings, ILoggerFactory? loggerFactory)
    {
        LibRdKafka.EnsureLoaded();
        var sessionId = $"{settings.GatewayId}:{Guid.NewGuid():N}";
        var consumer = new ConsumerBuilder<string?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = settings.BootstrapServers,

            // Confluent.Kafka insists on a group id; Assign never joins it and nothing is committed.
            GroupId = $"stream-processor-call-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Latest,
            FetchWaitMaxMs = 10,
        }).Build();
        try
        {
            List<TopicPartitionOffset> starts = [];
            using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
            {
                var topic = admin.GetMetadata(settings.ReplyTopic, settings.ConnectTimeout).Topics.Single(t => t.Topic == settings.ReplyTopic);
                if (topic.Error.IsError || topic.Partitions.Count == 0)
                {
                    throw new McpException($"The reply topic {settings.ReplyTopic} cannot be read: {topic.Error.Reason}");
                }

                foreach (var partition in topic.Partitions)
                {
                    var at = new TopicPartition(settings.ReplyTopic, new Partition(partition.PartitionId));
                    starts.Add(new TopicPartitionOffset(at, consumer.QueryWatermarkOffsets(at, settings.ConnectTimeout).High));
                }
            }

            consumer.Assign(starts);
            var producer = new KafkaRecordProducer(new KafkaProducerSettings
            {
                BootstrapServers = settings.BootstrapServers,
                ClientId = "stream-processor-gateway-call",
                Linger = TimeSpan.Zero,
                DeliveryTimeout = settings.ConnectTimeout,
            });
            producer.WarmUp(settings.ControlTopic, settings.ConnectTimeout);
            var transport = new KafkaClientSessionTransport(settings, producer, consumer, sessionId, loggerFactory);
            transport.SetConnected();
            transport._reader.Start();
            return transport;
        }
        catch (KafkaException error)
        {
            consumer.Dispose();
            throw new McpException($"Kafka at {settings.BootstrapServers} could not be reached: {error.Error.Reason}", error);
        }
        catch
        {
            consumer.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        var value = JsonSerializer.SerializeToUtf8Bytes(message, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)));
        var outcome = await _producer.ProduceAsync(_settings.ControlTopic, _key, value, Headers(control: null), cancellationToken);
        if (outcome.Status != KafkaDeliveryStatus.Delivered)
        {
            throw new McpException($"The request could not be sent to {_settings.ControlTopic}: {outcome.Error}");
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _producer.ProduceAsync(_settings.ControlTopic, _key, [], Headers(control: "close"), timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Best effort: the gateway's idle timeout ends the session anyway.
        }

        await _stop.CancelAsync();
        if (_reader.IsAlive)
        {
            _reader.Join();
        }

        _consumer.Close();
        _consumer.Dispose();
        _producer.Dispose();
        _stop.Dispose();
        SetDisconnected();
    }

    private List<KeyValuePair<string, string>> Headers(string? control)
    {
        List<KeyValuePair<string, string>> headers =
        [
            new("content-type", "application/json"),
            new("mcp-session-id", SessionId!),
            new("mcp-reply-topic", _settings.ReplyTopic),
        ];
        if (_settings.Token is { Length: > 0 } token)
        {
            headers.Add(new("mcp-authorization", $"Bearer {token}"));
        }

        if (control is not null)
        {
            headers.Add(new("mcp-control", control));
        }

        return headers;
    }

    private void ReadReplies()
    {
        var typeInfo = McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));
        while (!_stop.IsCancellationRequested)
        {
            ConsumeResult<string?, byte[]?>? record;
            try
            {
                record = _consumer.Consume(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ConsumeException)
            {
                continue;
            }

            if (record?.Message is not { Value.Length: > 0 } message || message.Key != _settings.GatewayId)
            {
                continue;
            }

            if (message.Headers is { } headers && headers.TryGetLastBytes("mcp-session-id", out var session)
                && Encoding.UTF8.GetString(session) != SessionId)
            {
                continue;
            }

            JsonRpcMessage? reply;
            try
            {
                reply = (JsonRpcMessage?)JsonSerializer.Deserialize(message.Value, typeInfo);
            }
            catch (JsonException)
            {
                continue;
            }

            if (reply is not null)
            {
                WriteMessageAsync(reply, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default).GetAwaiter().GetResult();
            }
        }
    }
}
