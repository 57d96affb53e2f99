using EdgeGateway.Buffering;
using EdgeGateway.Context;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using EdgeGateway.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Pipeline;

/// <summary>
/// The path every source's messages take: decode → context → SQLite buffer, or the dead letters.
/// <see cref="IngestAsync"/> completes only when everything it was given is durable (committed
/// readings or committed dead letters), which is when the source may acknowledge it.
/// </summary>
public sealed partial class ReadingIngestor : IDisposable
{
    private readonly ContextEnricher _enricher;
    private readonly ReadingBuffer _buffer;
    private readonly DeviceSequencer _sequencer;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly DeviceOrigins? _origins;
    private readonly PipelineMetrics? _metrics;
    private readonly BadInputLog _badInput;
    private readonly Dictionary<string, long> _deadLettersByReason = new(StringComparer.Ordinal);
    private long _readings;
    private long _deadLetters;

    /// <summary>Creates the ingest path.</summary>
    /// <param name="enricher">Adds device context.</param>
    /// <param name="buffer">The durable buffer.</param>
    /// <param name="sequencer">Numbers readings of devices that do not.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="logger">The log.</param>
    /// <param name="origins">Where each device last sent from (for commands back to it), when tracked.</param>
    /// <param name="logging">Section <c>Logging</c>: how long repeats of a bad-input cause are only counted.</param>
    /// <param name="metrics">The ingest path's instruments, when metrics are collected.</param>
    public ReadingIngestor(
        ContextEnricher enricher,
        ReadingBuffer buffer,
        DeviceSequencer sequencer,
        TimeProvider timeProvider,
        ILogger<ReadingIngestor> logger,
        DeviceOrigins? origins = null,
        IOptions<LoggingOptions>? logging = null,
        PipelineMetrics? metrics = null)
    {
        _badInput = new BadInputLog((logging?.Value ?? new LoggingOptions()).BadInputWindow, timeProvider, logger);
        _origins = origins;
        _metrics = metrics;
        metrics?.Observe(GetStatistics);
        _enricher = enricher;
        _buffer = buffer;
        _sequencer = sequencer;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Readings committed so far.</summary>
    public long ReadingsIngested => Interlocked.Read(ref _readings);

    /// <summary>Messages or readings dead-lettered so far.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLetters);

    /// <summary>A snapshot of the counters, with the dead letters by reason (<c>malformed-json</c>, <c>unknown-device</c>...).</summary>
    public IngestStatistics GetStatistics()
    {
        lock (_deadLettersByReason)
        {
            return new IngestStatistics(ReadingsIngested, DeadLettered, new Dictionary<string, long>(_deadLettersByReason, StringComparer.Ordinal));
        }
    }

    /// <summary>Decodes, enriches and commits <paramref name="items"/>; completes when all of it is durable.</summary>
    public async Task IngestAsync(IReadOnlyList<IngestItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var entries = new List<BufferEntry>(items.Count);
        var sources = new List<RawMessage>(items.Count);
        var deadLetters = new List<DeadLetterEntry>();
        var counted = _metrics is null ? null : new List<(SourceKind, string)>(items.Count);
        foreach (var item in items)
        {
            var message = item.Message;
            if (item.SourceFailure is { } refused)
            {
                deadLetters.Add(DeadLetter(message, refused.ReasonName, refused.Detail, refused.Field));
                continue;
            }

            DeviceId? fromTopic = null;
            if (item.Template is { } template)
            {
                if (!template.TryGetDeviceId(message.Channel, out fromTopic, out var topicFailure))
                {
                    deadLetters.Add(DeadLetter(message, topicFailure.ReasonName, topicFailure.Detail, topicFailure.Field));
                    continue;
                }
            }

            var decoded = item.Decoder.Decode(message, fromTopic);
            if (!decoded.IsSuccess)
            {
                deadLetters.Add(DeadLetter(message, decoded.Failure!.ReasonName, decoded.Failure.Detail, decoded.Failure.Field));
                continue;
            }

            foreach (var reading in decoded.Readings)
            {
                var sequence = reading.DeviceSequence ?? _sequencer.Next(reading.DeviceId, message.ReceivedAt);
                var enriched = await _enricher.EnrichAsync(reading, message.ReceivedAt, sequence, cancellationToken);
                if (enriched.Reading is { } ready)
                {
                    _origins?.Seen(ready.DeviceId, message);
                    entries.Add(new BufferEntry(ready.DeviceId, ReadingSerializer.Serialize(ready), ready.ReceivedAt) { Reading = ready });
                    sources.Add(message);
                    counted?.Add((message.SourceKind, enriched.DeviceType ?? "unknown"));
                }
                else
                {
                    deadLetters.Add(DeadLetter(message, "unknown-device", enriched.Rejection));
                }
            }
        }

        if (entries.Count > 0)
        {
            var result = await _buffer.AppendAsync(entries, cancellationToken);
            if (result.IsCommitted)
            {
                Interlocked.Add(ref _readings, entries.Count);
                if (counted is not null)
                {
                    _metrics!.Received(counted);
                }
            }
            else
            {
                // The buffer refused (reject-new, disk guard): what it refused goes to the dead letters.
                foreach (var message in sources.Distinct())
                {
                    deadLetters.Add(DeadLetter(message, DeadLetterReasons.For(result.Rejection), $"the buffer refused the readings: {result.Rejection}"));
                }
            }
        }

        if (deadLetters.Count > 0)
        {
            // Submitted together, in order, so they share one group commit: awaiting each in turn would
            // cost a commit interval per dead letter, and a flood of bad input would stall good input.
            var stores = new Task<long?>[deadLetters.Count];
            for (var i = 0; i < stores.Length; i++)
            {
                stores[i] = _buffer.AddDeadLetterAsync(deadLetters[i], cancellationToken);
            }

            await Task.WhenAll(stores);
            lock (_deadLettersByReason)
            {
                // Counted together, so a snapshot's total always equals the sum of its reasons.
                foreach (var deadLetter in deadLetters)
                {
                    _deadLettersByReason[deadLetter.Reason] = _deadLettersByReason.GetValueOrDefault(deadLetter.Reason) + 1;
                }

                Interlocked.Add(ref _deadLetters, stores.Length);
            }
        }
    }

    /// <summary>
    /// Dead-letters input a source rejected before decoding (serial garbage, a Modbus timeout), with its
    /// bytes and reason; completes when the dead letter is committed. Logged once per source and cause.
    /// </summary>
    public async Task DeadLetterAsync(RawMessage message, string reason, string? detail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _buffer.AddDeadLetterAsync(DeadLetter(message, reason, detail), cancellationToken);
        lock (_deadLettersByReason)
        {
            _deadLettersByReason[reason] = _deadLettersByReason.GetValueOrDefault(reason) + 1;
            Interlocked.Increment(ref _deadLetters);
        }
    }

    /// <summary>Logs the repeats of bad input still being counted.</summary>
    public void Dispose() => _badInput.Dispose();

    private DeadLetterEntry DeadLetter(RawMessage message, string reason, string? detail, string? field = null)
    {
        // Bad input is logged once per cause and window, not once per message. The detail stays with the
        // dead letter and out of the log: it may quote the payload, and a payload may hold personal data.
        if (_badInput.ShouldLog(message.SourceName, reason))
        {
            LogFirstDeadLetter(_logger, message.SourceName, reason, field ?? "-", message.Channel, (long)_badInput.Window.TotalSeconds);
        }

        return DeadLetterEntry.FromRawMessage(message, reason, detail, _timeProvider.GetUtcNow());
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning,
        Message = "Dead-lettering input from {Source}: {Reason} (field {Field}) on {Channel}; more of this cause in the next {WindowSeconds} s are counted, not logged (the detail is with the dead letter: list_dead_letters)")]
    private static partial void LogFirstDeadLetter(ILogger logger, string source, string reason, string field, string channel, long windowSeconds);
}

/// <summary>The ingest path's counters since the gateway started, from <see cref="ReadingIngestor.GetStatistics"/>.</summary>
/// <param name="ReadingsIngested">Readings committed to the buffer.</param>
/// <param name="DeadLettered">Messages or readings dead-lettered.</param>
/// <param name="DeadLetteredByReason">The same, by reason; the values add up to <paramref name="DeadLettered"/>.</param>
public sealed record IngestStatistics(long ReadingsIngested, long DeadLettered, IReadOnlyDictionary<string, long> DeadLetteredByReason);

/// <summary>One message for the ingest path, with how to decode it.</summary>
/// <param name="Message">The raw message.</param>
/// <param name="Decoder">Its decoder.</param>
/// <param name="Template">The topic template that yields its device id, if any.</param>
public sealed record IngestItem(RawMessage Message, IPayloadDecoder Decoder, TopicTemplate? Template)
{
    /// <summary>
    /// Set when the source already knows the message cannot be decoded (its payload is too large):
    /// it is dead-lettered with this reason without being decoded.
    /// </summary>
    public DecodeFailure? SourceFailure { get; init; }
}
