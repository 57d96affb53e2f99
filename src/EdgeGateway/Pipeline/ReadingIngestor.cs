using EdgeGateway.Buffering;
using EdgeGateway.Context;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Pipeline;

/// <summary>
/// The path every source's messages take: decode → context → SQLite buffer, or the dead letters.
/// <see cref="IngestAsync"/> completes only when everything it was given is durable (committed
/// readings or committed dead letters), which is when the source may acknowledge it.
/// </summary>
public sealed partial class ReadingIngestor
{
    private readonly ContextEnricher _enricher;
    private readonly ReadingBuffer _buffer;
    private readonly DeviceSequencer _sequencer;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly HashSet<string> _loggedCauses = [];
    private long _readings;
    private long _deadLetters;

    /// <summary>Creates the ingest path.</summary>
    public ReadingIngestor(ContextEnricher enricher, ReadingBuffer buffer, DeviceSequencer sequencer, TimeProvider timeProvider, ILogger<ReadingIngestor> logger)
    {
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

    /// <summary>Decodes, enriches and commits <paramref name="items"/>; completes when all of it is durable.</summary>
    public async Task IngestAsync(IReadOnlyList<IngestItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var entries = new List<BufferEntry>(items.Count);
        var sources = new List<RawMessage>(items.Count);
        var deadLetters = new List<DeadLetterEntry>();
        foreach (var item in items)
        {
            var message = item.Message;
            DeviceId? fromTopic = null;
            if (item.Template is { } template)
            {
                if (!template.TryGetDeviceId(message.Channel, out fromTopic, out var topicFailure))
                {
                    deadLetters.Add(DeadLetter(message, topicFailure.ReasonName, topicFailure.Detail));
                    continue;
                }
            }

            var decoded = item.Decoder.Decode(message, fromTopic);
            if (!decoded.IsSuccess)
            {
                deadLetters.Add(DeadLetter(message, decoded.Failure!.ReasonName, decoded.Failure.Detail));
                continue;
            }

            foreach (var reading in decoded.Readings)
            {
                var sequence = reading.DeviceSequence ?? _sequencer.Next(reading.DeviceId, message.ReceivedAt);
                var enriched = await _enricher.EnrichAsync(reading, message.ReceivedAt, sequence, cancellationToken);
                if (enriched.Reading is { } ready)
                {
                    entries.Add(new BufferEntry(ready.DeviceId, ReadingSerializer.Serialize(ready), ready.ReceivedAt));
                    sources.Add(message);
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

        foreach (var deadLetter in deadLetters)
        {
            await _buffer.AddDeadLetterAsync(deadLetter, cancellationToken);
            Interlocked.Increment(ref _deadLetters);
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
        Interlocked.Increment(ref _deadLetters);
    }

    private DeadLetterEntry DeadLetter(RawMessage message, string reason, string? detail)
    {
        // Bad input is logged once per cause, not once per message.
        bool first;
        lock (_loggedCauses)
        {
            first = _loggedCauses.Add($"{message.SourceName}|{reason}");
        }

        if (first)
        {
            LogFirstDeadLetter(_logger, message.SourceName, reason, detail ?? string.Empty, message.Channel);
        }

        return DeadLetterEntry.FromRawMessage(message, reason, detail, _timeProvider.GetUtcNow());
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning,
        Message = "Dead-lettering input from {Source}: {Reason} ({Detail}) on {Channel}; further cases of this cause are counted, not logged")]
    private static partial void LogFirstDeadLetter(ILogger logger, string source, string reason, string detail, string channel);
}

/// <summary>One message for the ingest path, with how to decode it.</summary>
/// <param name="Message">The raw message.</param>
/// <param name="Decoder">Its decoder.</param>
/// <param name="Template">The topic template that yields its device id, if any.</param>
public sealed record IngestItem(RawMessage Message, IPayloadDecoder Decoder, TopicTemplate? Template);
