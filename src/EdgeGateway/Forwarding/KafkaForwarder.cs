using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Hosting;
using EdgeGateway.Kafka.Producing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Forwarding;

/// <summary>
/// The forwarder: reads unsent readings from the buffer in order, builds a batch, produces it as an
/// MCP record, and releases the rows only when the brokers acknowledged it. One batch is in flight
/// at a time, so a failure never lets a later batch overtake an earlier one; memory stays at one
/// batch whatever the backlog.
/// </summary>
public sealed partial class KafkaForwarder : BackgroundService
{
    private readonly ReadingBuffer _buffer;
    private readonly BatchAssembler _assembler;
    private readonly McpBatchEncoder _encoder;
    private readonly FieldEncryptor? _encryptor;
    private readonly KafkaRecordProducer _producer;
    private readonly KafkaOptions _options;
    private readonly KafkaConnectionTracker _connection;
    private readonly TimeProvider _timeProvider;
    private readonly ForwardingPacer _pacer;
    private readonly BatchLinger _linger;
    private readonly string _bootstrapServers;
    private readonly ILogger _logger;
    private readonly ForwardingMetrics? _metrics;
    private readonly Logging.BadInputLog _problems;
    private long _batchesSent;
    private long _readingsForwarded;
    private long _batchesSplit;
    private long _readingsRejected;
    private long _deliveryRetries;
    private TaskCompletionSource? _resumed;

    /// <summary>Creates the forwarder.</summary>
    /// <param name="buffer">Where the readings come from.</param>
    /// <param name="assembler">Builds the batches.</param>
    /// <param name="producer">The Kafka producer.</param>
    /// <param name="options">The <c>Kafka</c> options.</param>
    /// <param name="endpoint">Where the brokers are (configured, or the embedded cluster).</param>
    /// <param name="connection">Where delivery outcomes are reported, for the gateway's status (shared with the producer's error callback).</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="encryption">The <c>Encryption</c> options: the key that encrypts personal-data values, if any.</param>
    /// <param name="logger">The forwarder's log.</param>
    /// <param name="metrics">The forwarder's instruments, when metrics are collected.</param>
    /// <param name="logging">Section <c>Logging</c>: how long repeats of a corrupt row or a refused reading are only counted.</param>
    public KafkaForwarder(
        ReadingBuffer buffer,
        BatchAssembler assembler,
        KafkaRecordProducer producer,
        IOptions<KafkaOptions> options,
        KafkaEndpoint endpoint,
        KafkaConnectionTracker connection,
        TimeProvider timeProvider,
        IOptions<EncryptionOptions> encryption,
        ILogger<KafkaForwarder> logger,
        ForwardingMetrics? metrics = null,
        IOptions<Logging.LoggingOptions>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(encryption);
        ArgumentNullException.ThrowIfNull(endpoint);
        _buffer = buffer;
        _bootstrapServers = endpoint.IsEmbedded ? $"{endpoint.BootstrapServers} (embedded, not durable)" : endpoint.BootstrapServers;
        _assembler = assembler;
        _producer = producer;
        _connection = connection;
        _options = options.Value;
        _encryptor = encryption.Value is { IsEnabled: true } fields
            ? FieldEncryptor.Create(FieldKeyRing.Load(fields.KeysFile!), fields.ActiveKeyId!)
            : null;
        _encoder = new McpBatchEncoder(_options.ToolName, ThisAssembly.Version, _encryptor);
        _timeProvider = timeProvider;
        _pacer = new ForwardingPacer(_options.MaxReadingsPerSecond, timeProvider);
        _linger = new BatchLinger(timeProvider);
        _logger = logger;
        _metrics = metrics;

        // Corrupt rows and readings Kafka refuses for good come in runs (a damaged file, a topic's size
        // limit): the first of a run is logged, the rest counted (Logging:BadInputWindow).
        _problems = new Logging.BadInputLog((logging?.Value ?? new Logging.LoggingOptions()).BadInputWindow, timeProvider, logger);
        metrics?.Observe(GetStatistics);
    }

    /// <summary>True while forwarding is paused (readings keep being buffered).</summary>
    public bool IsPaused => Volatile.Read(ref _resumed) is not null;

    /// <summary>
    /// Stops sending after the batch in flight (if any) is settled; readings keep being buffered and
    /// acknowledged. False when already paused.
    /// </summary>
    public bool Pause()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _resumed, gate, null) is not null)
        {
            return false;
        }

        LogPaused(_logger);
        return true;
    }

    /// <summary>Sends again after <see cref="Pause"/>. False when not paused.</summary>
    public bool Resume()
    {
        var gate = Interlocked.Exchange(ref _resumed, null);
        if (gate is null)
        {
            return false;
        }

        gate.TrySetResult();
        LogResumed(_logger);
        return true;
    }

    /// <summary>The rate limit in force (readings per second, 0 = none).</summary>
    public int MaxReadingsPerSecond => (int)_pacer.ReadingsPerSecond;

    /// <summary>Changes <c>Kafka:MaxReadingsPerSecond</c> while running (from the next batch on).</summary>
    public void SetMaxReadingsPerSecond(int readingsPerSecond) => _pacer.SetRate(readingsPerSecond);

    /// <summary>Batches the brokers acknowledged.</summary>
    public long BatchesSent => Interlocked.Read(ref _batchesSent);

    /// <summary>A snapshot of the counters (since the gateway started) and of the link to Kafka.</summary>
    public KafkaForwarderStatistics GetStatistics() => new()
    {
        BootstrapServers = _bootstrapServers,
        Topic = _options.Topic,
        Connection = _connection.GetSnapshot(),
        BatchesSent = BatchesSent,
        ReadingsForwarded = Interlocked.Read(ref _readingsForwarded),
        BatchesSplit = Interlocked.Read(ref _batchesSplit),
        ReadingsRejected = Interlocked.Read(ref _readingsRejected),
        DeliveryRetries = Interlocked.Read(ref _deliveryRetries),
    };

    // Under a rate limit no batch carries more than a second's worth, so pacing stays smooth.
    private int BatchLimit() => _pacer.IsLimited ? Math.Min(_options.BatchMaxReadings, MaxReadingsPerSecond) : _options.BatchMaxReadings;

    /// <inheritdoc />
    public override void Dispose()
    {
        _encryptor?.Dispose();
        _problems.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_producer.WarmUp(_options.Topic, TimeSpan.FromSeconds(2)))
        {
            _connection.OnBrokerAnswered();
        }

        var retryDelay = TimeSpan.FromMilliseconds(100);
        var maxReadings = BatchLimit();
        while (!stoppingToken.IsCancellationRequested)
        {
            // Read each time: the rate can be changed while running (Kafka:MaxReadingsPerSecond through apply_config).
            var batchLimit = BatchLimit();
            maxReadings = Math.Min(maxReadings, batchLimit);
            if (Volatile.Read(ref _resumed) is { } paused)
            {
                await paused.Task.WaitAsync(stoppingToken);
            }

            await _pacer.WaitAsync(stoppingToken);
            if (_linger.WaitBeforeRead(_options.Linger, maxReadings, _buffer.GetStatistics()) is { Ticks: > 0 } linger)
            {
                await WaitForFullerBatchAsync(linger, maxReadings, stoppingToken);
            }

            var rows = await _buffer.ReadBatchAsync(maxReadings, _options.BatchMaxSize.Bytes / 2, stoppingToken);
            if (rows.Count == 0)
            {
                await _buffer.WaitForDataAsync(stoppingToken);
                continue;
            }

            var batchRows = await ReadRowsAsync(rows, stoppingToken);
            if (batchRows.Count == 0)
            {
                continue;
            }

            if (batchRows.Count < rows.Count)
            {
                // Corrupt rows were dead-lettered and released: keep the rest aligned with batchRows.
                var kept = batchRows.Select(b => b.BufferSequence).ToHashSet();
                rows = [.. rows.Where(r => kept.Contains(r.Sequence))];
            }
            var assembled = await _assembler.AssembleAsync(batchRows, stoppingToken);
            _linger.Forwarding(assembled.Batch);
            var used = rows.Take(assembled.RowsUsed).Select(r => r.Sequence).ToList();
            var rest = rows.Skip(assembled.RowsUsed).Select(r => r.Sequence).ToList();
            if (rest.Count > 0)
            {
                await _buffer.ReturnAsync(rest, stoppingToken);
            }

            var record = _encoder.Encode(assembled.Batch);
            var producing = _timeProvider.GetTimestamp();
            var outcome = await _producer.ProduceAsync(_options.Topic, record.KeyBytes, record.Value, record.Headers, stoppingToken);
            _metrics?.Produced(used.Count, record.Value.Length, _timeProvider.GetElapsedTime(producing), outcome.Status switch
            {
                KafkaDeliveryStatus.Delivered => "delivered",
                KafkaDeliveryStatus.Rejected => "rejected",
                _ => "failed",
            });
            switch (outcome.Status)
            {
                case KafkaDeliveryStatus.Delivered:
                    _connection.OnDelivered();
                    await _buffer.ReleaseAsync(used, stoppingToken);
                    Interlocked.Add(ref _readingsForwarded, used.Count);
                    Interlocked.Increment(ref _batchesSent);
                    _metrics?.Delivered(assembled.Batch);
                    _pacer.Sent(used.Count);
                    retryDelay = TimeSpan.FromMilliseconds(100);
                    maxReadings = batchLimit;
                    break;

                case KafkaDeliveryStatus.Rejected when used.Count > 1:
                    // Refused for good (too large?): try again with half as many readings.
                    LogSplitting(_logger, used.Count, outcome.Error ?? string.Empty);
                    _connection.OnDeliveryFailed(outcome.Error ?? string.Empty);
                    Interlocked.Increment(ref _batchesSplit);
                    await _buffer.ReturnAsync(used, stoppingToken);
                    maxReadings = Math.Max(1, used.Count / 2);
                    break;

                case KafkaDeliveryStatus.Rejected:
                    // A single reading Kafka will never take: dead-letter it rather than retry forever.
                    if (_problems.ShouldLog("kafka", DeadLetterReasons.RejectedBatch))
                    {
                        LogRejected(_logger, outcome.Error ?? string.Empty);
                    }

                    _connection.OnDeliveryFailed(outcome.Error ?? string.Empty);
                    await _buffer.AddDeadLetterAsync(
                        new DeadLetterEntry(DeadLetterReasons.RejectedBatch, outcome.Error, "kafka", _options.Topic, record.Key, record.Value, _timeProvider.GetUtcNow()),
                        stoppingToken);
                    await _buffer.ReleaseAsync(used, stoppingToken);
                    Interlocked.Add(ref _readingsRejected, used.Count);
                    maxReadings = batchLimit;
                    break;

                default:
                    LogRetrying(_logger, outcome.Error ?? string.Empty, retryDelay.TotalMilliseconds);
                    _connection.OnDeliveryFailed(outcome.Error ?? string.Empty);
                    Interlocked.Increment(ref _deliveryRetries);
                    await _buffer.ReturnAsync(used, stoppingToken);
                    await Task.Delay(retryDelay, _timeProvider, stoppingToken);
                    retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                    break;
            }
        }
    }

    /// <summary>Waits until a full batch is unsent or <paramref name="linger"/> has passed, whichever is first.</summary>
    private async Task WaitForFullerBatchAsync(TimeSpan linger, int maxReadings, CancellationToken stoppingToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var full = _buffer.WaitForUnsentAsync(maxReadings, waiting.Token);
        var timeUp = Task.Delay(linger, _timeProvider, waiting.Token);
        var first = await Task.WhenAny(full, timeUp);
        await waiting.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();

        // The other one ends cancelled (never faulted); the winner may have failed (the buffer closed).
        await first;
    }

    /// <summary>
    /// Decodes the rows; a row that cannot be decoded (a corrupt file) is dead-lettered and released,
    /// so it can never stop the forwarder (or crash-loop the service).
    /// </summary>
    private async Task<List<BatchRow>> ReadRowsAsync(IReadOnlyList<BufferedReading> rows, CancellationToken cancellationToken)
    {
        var result = new List<BatchRow>(rows.Count);
        foreach (var row in rows)
        {
            try
            {
                // A row from the buffer's in-memory copy has its reading already; one from the file is decoded.
                result.Add(new BatchRow(row.Sequence, row.Reading ?? ReadingSerializer.Deserialize(row.Payload.Span)));
            }
            catch (FormatException error)
            {
                if (_problems.ShouldLog("buffer", DeadLetterReasons.CorruptRow))
                {
                    LogCorruptRow(_logger, row.Sequence, error.Message);
                }

                await _buffer.AddDeadLetterAsync(
                    new DeadLetterEntry(DeadLetterReasons.CorruptRow, error.Message, "buffer", "buffer", row.DeviceId.Value, row.Payload, _timeProvider.GetUtcNow()),
                    cancellationToken);
                await _buffer.ReleaseAsync([row.Sequence], cancellationToken);
            }
        }

        return result;
    }

    [LoggerMessage(EventId = 704, Level = LogLevel.Warning, Message = "Forwarding paused: readings stay in the buffer until it is resumed")]
    private static partial void LogPaused(ILogger logger);

    [LoggerMessage(EventId = 705, Level = LogLevel.Information, Message = "Forwarding resumed")]
    private static partial void LogResumed(ILogger logger);

    [LoggerMessage(EventId = 703, Level = LogLevel.Error, Message = "Buffer row {Sequence} cannot be decoded ({Error}); it is dead-lettered")]
    private static partial void LogCorruptRow(ILogger logger, long sequence, string error);

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Kafka refused a batch of {Count} readings for good ({Error}); splitting it")]
    private static partial void LogSplitting(ILogger logger, int count, string error);

    [LoggerMessage(EventId = 701, Level = LogLevel.Error, Message = "Kafka refused a single reading for good ({Error}); it is dead-lettered")]
    private static partial void LogRejected(ILogger logger, string error);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "Kafka delivery failed ({Error}); the readings stay buffered, retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string error, double delayMs);
}

/// <summary>The forwarder's counters since the gateway started, and the link to Kafka, from <see cref="KafkaForwarder.GetStatistics"/>.</summary>
public sealed record KafkaForwarderStatistics
{
    /// <summary>The brokers the producer bootstraps from.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>The topic batches go to.</summary>
    public required string Topic { get; init; }

    /// <summary>The link to Kafka.</summary>
    public required KafkaConnectionSnapshot Connection { get; init; }

    /// <summary>Batches the brokers acknowledged.</summary>
    public required long BatchesSent { get; init; }

    /// <summary>Readings in those batches (their buffer rows were released).</summary>
    public required long ReadingsForwarded { get; init; }

    /// <summary>Batches Kafka refused for good and that were split in half to try again.</summary>
    public required long BatchesSplit { get; init; }

    /// <summary>Single readings Kafka refused for good; they went to the dead letters.</summary>
    public required long ReadingsRejected { get; init; }

    /// <summary>Deliveries that failed for now (brokers unreachable, timeouts) and were retried.</summary>
    public required long DeliveryRetries { get; init; }
}
