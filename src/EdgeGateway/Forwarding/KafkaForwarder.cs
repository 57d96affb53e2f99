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
    private readonly KafkaRecordProducer _producer;
    private readonly KafkaOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ForwardingPacer _pacer;
    private readonly ILogger _logger;
    private long _batchesSent;

    /// <summary>Creates the forwarder.</summary>
    public KafkaForwarder(ReadingBuffer buffer, BatchAssembler assembler, KafkaRecordProducer producer, IOptions<KafkaOptions> options, TimeProvider timeProvider, ILogger<KafkaForwarder> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _buffer = buffer;
        _assembler = assembler;
        _producer = producer;
        _options = options.Value;
        _encoder = new McpBatchEncoder(_options.ToolName, ThisAssembly.Version);
        _timeProvider = timeProvider;
        _pacer = new ForwardingPacer(_options.MaxReadingsPerSecond, timeProvider);
        _logger = logger;
    }

    /// <summary>Batches the brokers acknowledged.</summary>
    public long BatchesSent => Interlocked.Read(ref _batchesSent);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _producer.WarmUp(_options.Topic, TimeSpan.FromSeconds(2));
        var retryDelay = TimeSpan.FromMilliseconds(100);
        // Under a rate limit no batch carries more than a second's worth, so pacing stays smooth.
        var batchLimit = _pacer.IsLimited ? Math.Min(_options.BatchMaxReadings, _options.MaxReadingsPerSecond) : _options.BatchMaxReadings;
        var maxReadings = batchLimit;
        while (!stoppingToken.IsCancellationRequested)
        {
            await _pacer.WaitAsync(stoppingToken);
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
            var used = rows.Take(assembled.RowsUsed).Select(r => r.Sequence).ToList();
            var rest = rows.Skip(assembled.RowsUsed).Select(r => r.Sequence).ToList();
            if (rest.Count > 0)
            {
                await _buffer.ReturnAsync(rest, stoppingToken);
            }

            var record = _encoder.Encode(assembled.Batch);
            var outcome = await _producer.ProduceAsync(_options.Topic, record.KeyBytes, record.Value, record.Headers, stoppingToken);
            switch (outcome.Status)
            {
                case KafkaDeliveryStatus.Delivered:
                    await _buffer.ReleaseAsync(used, stoppingToken);
                    Interlocked.Increment(ref _batchesSent);
                    _pacer.Sent(used.Count);
                    retryDelay = TimeSpan.FromMilliseconds(100);
                    maxReadings = batchLimit;
                    break;

                case KafkaDeliveryStatus.Rejected when used.Count > 1:
                    // Refused for good (too large?): try again with half as many readings.
                    LogSplitting(_logger, used.Count, outcome.Error ?? string.Empty);
                    await _buffer.ReturnAsync(used, stoppingToken);
                    maxReadings = Math.Max(1, used.Count / 2);
                    break;

                case KafkaDeliveryStatus.Rejected:
                    // A single reading Kafka will never take: dead-letter it rather than retry forever.
                    LogRejected(_logger, outcome.Error ?? string.Empty);
                    await _buffer.AddDeadLetterAsync(
                        new DeadLetterEntry(DeadLetterReasons.RejectedBatch, outcome.Error, "kafka", _options.Topic, record.Key, record.Value, _timeProvider.GetUtcNow()),
                        stoppingToken);
                    await _buffer.ReleaseAsync(used, stoppingToken);
                    maxReadings = batchLimit;
                    break;

                default:
                    LogRetrying(_logger, outcome.Error ?? string.Empty, retryDelay.TotalMilliseconds);
                    await _buffer.ReturnAsync(used, stoppingToken);
                    await Task.Delay(retryDelay, _timeProvider, stoppingToken);
                    retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                    break;
            }
        }
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
                result.Add(new BatchRow(row.Sequence, ReadingSerializer.Deserialize(row.Payload.Span)));
            }
            catch (FormatException error)
            {
                LogCorruptRow(_logger, row.Sequence, error.Message);
                await _buffer.AddDeadLetterAsync(
                    new DeadLetterEntry("corrupt-row", error.Message, "buffer", "buffer", row.DeviceId.Value, row.Payload, _timeProvider.GetUtcNow()),
                    cancellationToken);
                await _buffer.ReleaseAsync([row.Sequence], cancellationToken);
            }
        }

        return result;
    }

    [LoggerMessage(EventId = 703, Level = LogLevel.Error, Message = "Buffer row {Sequence} cannot be decoded ({Error}); it is dead-lettered")]
    private static partial void LogCorruptRow(ILogger logger, long sequence, string error);

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Kafka refused a batch of {Count} readings for good ({Error}); splitting it")]
    private static partial void LogSplitting(ILogger logger, int count, string error);

    [LoggerMessage(EventId = 701, Level = LogLevel.Error, Message = "Kafka refused a single reading for good ({Error}); it is dead-lettered")]
    private static partial void LogRejected(ILogger logger, string error);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "Kafka delivery failed ({Error}); the readings stay buffered, retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string error, double delayMs);
}
