using System.Security.Cryptography;
using System.Text;
using EdgeGateway.Context;
using EdgeGateway.Domain;

namespace EdgeGateway.Forwarding;

/// <summary>
/// Builds a <see cref="Batch"/> from buffered readings, in buffer order: the longest prefix in which
/// every device has one context revision (a device whose record changed mid-stream starts the next
/// batch, so each batch carries each context once and it is the one that applied).
/// </summary>
public sealed class BatchAssembler
{
    private readonly DeviceRegistry _registry;
    private readonly string _gatewayId;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates an assembler for gateway <paramref name="gatewayId"/>.</summary>
    public BatchAssembler(DeviceRegistry registry, string gatewayId, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentException.ThrowIfNullOrWhiteSpace(gatewayId);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _registry = registry;
        _gatewayId = gatewayId;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// Builds a batch from the start of <paramref name="rows"/> (buffer sequence and reading, in the
    /// order the buffer handed them out). <see cref="AssembledBatch.RowsUsed"/> says how many went
    /// in; the rest belong to the next batch.
    /// </summary>
    public async Task<AssembledBatch> AssembleAsync(IReadOnlyList<BatchRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one reading.", nameof(rows));
        }

        var revisions = new Dictionary<DeviceId, long?>();
        var used = 0;
        foreach (var row in rows)
        {
            var reading = row.Reading;
            if (revisions.TryGetValue(reading.DeviceId, out var revision) && revision != reading.ContextRevision)
            {
                break;
            }

            revisions[reading.DeviceId] = reading.ContextRevision;
            used++;
        }

        var contexts = new List<DeviceContext>();
        foreach (var (deviceId, revision) in revisions)
        {
            if (revision is { } wanted && await _registry.GetRevisionAsync(deviceId, wanted, cancellationToken) is { } context)
            {
                contexts.Add(context);
            }
        }

        var taken = rows.Take(used).ToList();
        var first = taken.Min(r => r.BufferSequence);
        var last = taken.Max(r => r.BufferSequence);
        var batch = new Batch(BatchId(first, last, used), _gatewayId, new SequenceRange(first, last), _timeProvider.GetUtcNow(), taken.Select(r => r.Reading), contexts);
        return new AssembledBatch(batch, used);
    }

    /// <summary>
    /// The batch id is derived from what the batch covers, so a batch rebuilt after a restart or a
    /// retry from the same rows carries the same id and the cloud can drop it as a duplicate.
    /// </summary>
    private Guid BatchId(long first, long last, int count)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{_gatewayId}|{first}|{last}|{count}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // RFC 9562 name-based layout: version 5-style
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // variant bits
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}

/// <summary>A reading as the buffer hands it out: its buffer sequence number and the reading.</summary>
/// <param name="BufferSequence">The row's sequence number in the buffer (1 and up).</param>
/// <param name="Reading">The enriched reading.</param>
public readonly record struct BatchRow(long BufferSequence, Reading Reading);

/// <summary>A batch and how many of the offered rows it holds.</summary>
/// <param name="Batch">The batch.</param>
/// <param name="RowsUsed">How many rows from the start of the offered list it holds.</param>
public sealed record AssembledBatch(Batch Batch, int RowsUsed);
