using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using EdgeGateway.Kafka.Native;
using EdgeGateway.Kafka.Producing;
using EdgeGateway.StreamProcessor.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EdgeGateway.StreamProcessor.Kafka;

/// <summary>
/// An MCP server behind a Kafka transport. One consumer in the processors' group reads the batch topic
/// (instances of the group share its partitions); records are demultiplexed by key (the gateway id)
/// into one <see cref="McpServer"/> session each, as the SDK's own HTTP host does per session, so
/// request ids of different gateways never meet in one server. Each request is handed to its session
/// and awaited; its answer is produced to the response topic with the same key, and only then is the
/// record's offset stored for commit. A crash therefore repeats at most the batches in flight, which
/// the state's batch-id check then answers as duplicates. Records that are not JSON-RPC, and requests
/// answered with a JSON-RPC error (schema violations), are copied to the dead-letter topic.
/// </summary>
internal sealed partial class KafkaMcpServerHost : BackgroundService
{
    private static readonly TimeSpan SessionIdleLimit = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RetryDelayMax = TimeSpan.FromSeconds(30);
    private readonly ProcessorOptions _options;
    private readonly ProcessorState _state;
    private readonly KafkaRecordProducer _producer;
    private readonly McpServerOptions _serverOptions;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private DateTimeOffset _nextEviction;

    /// <summary>Creates the host.</summary>
    public KafkaMcpServerHost(
        ProcessorOptions options,
        ProcessorState state,
        KafkaRecordProducer producer,
        McpServerOptions serverOptions,
        ILoggerFactory loggerFactory,
        IServiceProvider services,
        TimeProvider timeProvider)
    {
        _options = options;
        _state = state;
        _producer = producer;
        _serverOptions = serverOptions;
        _loggerFactory = loggerFactory;
        _services = services;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<KafkaMcpServerHost>();
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Confluent's Consume blocks its thread: the loop gets a thread of its own.
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                ConsumeLoop(stoppingToken);
                finished.SetResult();
            }
            catch (Exception error)
            {
                finished.SetException(error);
            }
        })
        {
            IsBackground = true,
            Name = "kafka-mcp-ingest",
        };
        thread.Start();
        return finished.Task;
    }

    private void ConsumeLoop(CancellationToken stoppingToken)
    {
        LibRdKafka.EnsureLoaded();
        using var consumer = BuildConsumer();
        consumer.Subscribe(_options.BatchTopic);
        LogSubscribed(_logger, _options.BatchTopic, _options.GroupId, _options.BootstrapServers);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<string?, byte[]?> record;
                try
                {
                    record = consumer.Consume(stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (ConsumeException error)
                {
                    LogConsumeError(_logger, error.Error.Code.ToString(), error.Error.Reason);
                    continue;
                }

                if (record is null || record.IsPartitionEOF)
                {
                    continue;
                }

                try
                {
                    Handle(record, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    // Stopping with this record unanswered: its offset is not stored, the next owner reads it again.
                    break;
                }

                consumer.StoreOffset(record);
                EvictIdleSessions();
            }
        }
        finally
        {
            foreach (var session in _sessions.Values)
            {
                session.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            _sessions.Clear();

            // Commits the stored offsets and leaves the group at once, so the others take the partitions over now.
            consumer.Close();
            LogClosed(_logger);
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1873", Justification = "Rebalances are rare and the line is guarded by IsEnabled.")]
    private IConsumer<string?, byte[]?> BuildConsumer()
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = _options.BootstrapServers,
            GroupId = _options.GroupId,
            ClientId = $"stream-processor-{_options.InstanceId}",
            EnableAutoCommit = true,
            AutoCommitIntervalMs = 1000,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Eager round-robin, not cooperative-sticky: Debian's librdkafka 2.0.2 has cooperative-sticky bugs that
            // stop a group (a reassignment loop that never settles, librdkafka#4783; an assertion that aborts the
            // process when a consumer closes during its first rebalance, #4312), and the failover test saw a restarted
            // instance never get its partitions. A rebalance pauses every instance briefly; nothing is lost (offsets
            // are stored only after a batch is answered, and batches are deduplicated).
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.RoundRobin,
            SessionTimeoutMs = (int)_options.SessionTimeout.TotalMilliseconds,
            HeartbeatIntervalMs = Math.Max(100, (int)_options.SessionTimeout.TotalMilliseconds / 5),
            FetchWaitMaxMs = Math.Max(1, (int)_options.FetchWaitMax.TotalMilliseconds),
            ReconnectBackoffMs = 100,
            ReconnectBackoffMaxMs = 5000,
        };
        _options.Security.ApplyTo(config);

        return new ConsumerBuilder<string?, byte[]?>(config)
            .SetErrorHandler((_, error) => LogKafkaError(_logger, error.Code.ToString(), error.Reason))
            .SetPartitionsAssignedHandler((consumer, partitions) =>
            {
                if (_logger.IsEnabled(LogLevel.Information))
                {
                    LogAssigned(_logger, new PartitionList(partitions), consumer.Assignment.Count + partitions.Count);
                }
            })
            .SetPartitionsRevokedHandler((_, partitions) => Revoked(partitions))
            .SetPartitionsLostHandler((_, partitions) => Revoked(partitions))
            .Build();
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1873", Justification = "Rebalances are rare and the line is guarded by IsEnabled.")]
    private void Revoked(List<TopicPartitionOffset> partitions)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
            LogRevoked(_logger, new PartitionList([.. partitions.Select(p => p.TopicPartition)]));
        }
    }

    private void Handle(ConsumeResult<string?, byte[]?> record, CancellationToken stoppingToken)
    {
        var key = record.Message.Key;
        JsonRpcMessage? message = null;
        string? problem = null;
        try
        {
            message = record.Message.Value is { Length: > 0 } value
                ? (JsonRpcMessage?)JsonSerializer.Deserialize(value, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)))
                : null;
            problem = message is null ? "the record has no value" : null;
        }
        catch (JsonException error)
        {
            problem = $"not a JSON-RPC message: {error.Message}";
        }

        if (string.IsNullOrEmpty(key))
        {
            problem ??= "the record has no key (the gateway id)";
        }

        if (problem is not null || message is null)
        {
            LogRejected(_logger, record.TopicPartitionOffset.ToString(), problem ?? "empty");
            var id = Header(record, "edge-batch-id");
            var error = JsonSerializer.Serialize(new { jsonrpc = "2.0", id, error = new { code = (int)McpErrorCode.ParseError, message = problem } });
            Produce(_options.ResponseTopic, key ?? string.Empty, Encoding.UTF8.GetBytes(error), ResponseHeaders(record), stoppingToken);
            DeadLetter(record, "not-json-rpc", problem ?? "empty", stoppingToken);
            _state.CountRejected();
            return;
        }

        var session = GetSession(key!, stoppingToken);
        if (message is not JsonRpcRequest request)
        {
            session.Transport.HandleMessageAsync(message, stoppingToken).GetAwaiter().GetResult();
            return;
        }

        var delay = TimeSpan.FromSeconds(1);
        JsonRpcMessageWithId answer;
        while (true)
        {
            answer = session.Transport.HandleRequestAsync(request, stoppingToken).GetAwaiter().GetResult();
            if (answer is not JsonRpcError { Error.Code: (int)McpErrorCode.InternalError } failure)
            {
                break;
            }

            // The state store failed (disk full, locked too long): the batch is not acknowledged, it is retried.
            LogRetrying(_logger, request.Id.ToString(), failure.Error.Message, delay.TotalSeconds);
            Task.Delay(delay, _timeProvider, stoppingToken).GetAwaiter().GetResult();
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, RetryDelayMax.Ticks));
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(answer, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)));
        Produce(_options.ResponseTopic, key!, bytes, ResponseHeaders(record), stoppingToken);
        if (answer is JsonRpcError refused)
        {
            LogRefused(_logger, request.Id.ToString(), key!, refused.Error.Code, refused.Error.Message);
            DeadLetter(record, $"json-rpc-error {refused.Error.Code}", refused.Error.Message, stoppingToken);
            _state.CountRejected();
        }
    }

    private Session GetSession(string key, CancellationToken stoppingToken)
    {
        if (_sessions.TryGetValue(key, out var session))
        {
            session.LastUsed = _timeProvider.GetUtcNow();
            return session;
        }

        var transport = new KafkaServerSessionTransport(
            key,
            (message, cancellationToken) => ProduceAsync(_options.ResponseTopic, key, JsonSerializer.SerializeToUtf8Bytes(message, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage))), [new("content-type", "application/json")], cancellationToken),
            _loggerFactory);
        var server = McpServer.Create(transport, _serverOptions, _loggerFactory, _services);
        session = new Session(transport, server, server.RunAsync(stoppingToken)) { LastUsed = _timeProvider.GetUtcNow() };
        _sessions.Add(key, session);
        LogSessionOpened(_logger, key);
        return session;
    }

    private void EvictIdleSessions()
    {
        var now = _timeProvider.GetUtcNow();
        if (now < _nextEviction)
        {
            return;
        }

        _nextEviction = now + TimeSpan.FromMinutes(1);
        foreach (var (key, session) in _sessions.Where(s => now - s.Value.LastUsed > SessionIdleLimit).ToList())
        {
            _sessions.Remove(key);
            session.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private void DeadLetter(ConsumeResult<string?, byte[]?> record, string reason, string detail, CancellationToken stoppingToken)
    {
        List<KeyValuePair<string, string>> headers =
        [
            .. (record.Message.Headers ?? []).Select(h => new KeyValuePair<string, string>(h.Key, Encoding.UTF8.GetString(h.GetValueBytes() ?? []))),
            new("edge-dead-letter-reason", reason),
            new("edge-dead-letter-detail", detail.Length > 2000 ? detail[..2000] : detail),
            new("edge-source", record.TopicPartitionOffset.ToString()),
        ];
        Produce(_options.DeadLetterTopic, record.Message.Key ?? string.Empty, record.Message.Value ?? [], headers, stoppingToken);
    }

    /// <summary>Produces and waits until the brokers have it; retries what can be retried, logs what cannot.</summary>
    private void Produce(string topic, string key, byte[] value, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken stoppingToken) =>
        ProduceAsync(topic, key, value, headers, stoppingToken).GetAwaiter().GetResult();

    private async Task ProduceAsync(string topic, string key, byte[] value, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            var outcome = await _producer.ProduceAsync(topic, Encoding.UTF8.GetBytes(key), value, headers, cancellationToken);
            switch (outcome.Status)
            {
                case KafkaDeliveryStatus.Delivered:
                    return;
                case KafkaDeliveryStatus.Rejected:
                    LogProduceRejected(_logger, topic, key, outcome.Error ?? "rejected");
                    return;
                default:
                    LogProduceRetry(_logger, topic, outcome.Error ?? "not delivered", delay.TotalSeconds);
                    await Task.Delay(delay, _timeProvider, cancellationToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, RetryDelayMax.Ticks));
                    break;
            }
        }
    }

    private static List<KeyValuePair<string, string>> ResponseHeaders(ConsumeResult<string?, byte[]?> record)
    {
        List<KeyValuePair<string, string>> headers = [new("content-type", "application/json")];
        if (Header(record, "edge-batch-id") is { } batchId)
        {
            headers.Add(new("edge-batch-id", batchId));
        }

        return headers;
    }

    private static string? Header(ConsumeResult<string?, byte[]?> record, string name) =>
        record.Message.Headers is { } headers && headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;


    [LoggerMessage(EventId = 801, Level = LogLevel.Information, Message = "Consuming {Topic} in group {GroupId} from {BootstrapServers}")]
    private static partial void LogSubscribed(ILogger logger, string topic, string groupId, string bootstrapServers);

    [LoggerMessage(EventId = 802, Level = LogLevel.Information, Message = "Partitions assigned: {Partitions} ({Count} in all)")]
    private static partial void LogAssigned(ILogger logger, PartitionList partitions, int count);

    [LoggerMessage(EventId = 803, Level = LogLevel.Information, Message = "Partitions revoked: {Partitions}")]
    private static partial void LogRevoked(ILogger logger, PartitionList partitions);

    [LoggerMessage(EventId = 804, Level = LogLevel.Warning, Message = "Kafka: {Code}: {Reason}")]
    private static partial void LogKafkaError(ILogger logger, string code, string reason);

    [LoggerMessage(EventId = 805, Level = LogLevel.Warning, Message = "Consume failed: {Code}: {Reason}")]
    private static partial void LogConsumeError(ILogger logger, string code, string reason);

    [LoggerMessage(EventId = 806, Level = LogLevel.Warning, Message = "Record {Record} dead-lettered: {Problem}")]
    private static partial void LogRejected(ILogger logger, string record, string problem);

    [LoggerMessage(EventId = 807, Level = LogLevel.Warning, Message = "Request {RequestId} from {Gateway} refused with JSON-RPC error {Code}: {Message}; dead-lettered")]
    private static partial void LogRefused(ILogger logger, string requestId, string gateway, int code, string message);

    [LoggerMessage(EventId = 808, Level = LogLevel.Error, Message = "Request {RequestId} failed ({Message}); retrying in {DelaySeconds} s")]
    private static partial void LogRetrying(ILogger logger, string requestId, string message, double delaySeconds);

    [LoggerMessage(EventId = 809, Level = LogLevel.Warning, Message = "Producing to {Topic} failed ({Error}); retrying in {DelaySeconds} s")]
    private static partial void LogProduceRetry(ILogger logger, string topic, string error, double delaySeconds);

    [LoggerMessage(EventId = 810, Level = LogLevel.Error, Message = "The brokers refused a record for {Topic} (key {Key}) for good: {Error}")]
    private static partial void LogProduceRejected(ILogger logger, string topic, string key, string error);

    [LoggerMessage(EventId = 811, Level = LogLevel.Information, Message = "MCP session opened for {Key}")]
    private static partial void LogSessionOpened(ILogger logger, string key);

    [LoggerMessage(EventId = 812, Level = LogLevel.Information, Message = "Consumer closed (offsets committed, group left)")]
    private static partial void LogClosed(ILogger logger);

    /// <summary>Partitions for a log line, formatted only when the line is written.</summary>
    private sealed class PartitionList(List<TopicPartition> partitions)
    {
        public override string ToString() => string.Join(", ", partitions.Select(p => $"{p.Topic}[{p.Partition.Value}]"));
    }

    private sealed class Session(KafkaServerSessionTransport transport, McpServer server, Task run) : IAsyncDisposable
    {
        public KafkaServerSessionTransport Transport { get; } = transport;

        public DateTimeOffset LastUsed { get; set; }

        public async ValueTask DisposeAsync()
        {
            await Transport.DisposeAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
                // The host is stopping.
            }

            await server.DisposeAsync();
        }
    }
}
