using System.Collections.Frozen;
using System.Collections.Immutable;

namespace EdgeGateway.Domain;

/// <summary>
/// A set of buffered readings forwarded as one Kafka record. It carries the context of each device in
/// it once (not once per reading), and an id the cloud uses to drop duplicates after a retry.
/// </summary>
public sealed class Batch
{
    /// <summary>Creates a batch, checking that it is non-empty and self-consistent.</summary>
    /// <param name="id">The idempotency key: a retried batch keeps its id.</param>
    /// <param name="gatewayId">The gateway that sends it.</param>
    /// <param name="sequenceRange">The range of buffer sequence numbers it covers.</param>
    /// <param name="createdAt">When it was built.</param>
    /// <param name="readings">The readings, in buffer order (each device's readings in arrival order).</param>
    /// <param name="contexts">The context of each device that has one; at most one per device, only for devices in the batch.</param>
    /// <exception cref="ArgumentException">An argument breaks one of the rules above.</exception>
    public Batch(
        Guid id,
        string gatewayId,
        SequenceRange sequenceRange,
        DateTimeOffset createdAt,
        IEnumerable<Reading> readings,
        IEnumerable<DeviceContext> contexts)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(contexts);
        Id = id != Guid.Empty ? id : throw new ArgumentException("id must not be empty.", nameof(id));
        GatewayId = DomainGuard.NotBlank(gatewayId, 128);
        SequenceRange = sequenceRange;
        CreatedAt = DomainGuard.Utc(createdAt);
        Readings = [.. readings];
        if (Readings.IsEmpty)
        {
            throw new ArgumentException("A batch holds at least one reading.", nameof(readings));
        }

        if (Readings.Length > sequenceRange.Count)
        {
            throw new ArgumentException(
                $"{Readings.Length} readings cannot come from a sequence range of {sequenceRange.Count}.", nameof(readings));
        }

        // Readings stay in the order given (buffer order, which is each device's arrival order). A
        // device's own counter is not checked here: a device that restarts counts from 0 again.
        var devices = new HashSet<DeviceId>();
        foreach (var reading in Readings)
        {
            ArgumentNullException.ThrowIfNull(reading, nameof(readings));
            devices.Add(reading.DeviceId);
        }

        var byDevice = new Dictionary<DeviceId, DeviceContext>();
        foreach (var context in contexts)
        {
            ArgumentNullException.ThrowIfNull(context, nameof(contexts));
            if (!devices.Contains(context.DeviceId))
            {
                throw new ArgumentException($"Context of device '{context.DeviceId}' has no reading in the batch.", nameof(contexts));
            }

            if (!byDevice.TryAdd(context.DeviceId, context))
            {
                throw new ArgumentException($"Device '{context.DeviceId}' has more than one context in the batch.", nameof(contexts));
            }
        }

        Contexts = byDevice.ToFrozenDictionary();
    }

    /// <summary>The idempotency key.</summary>
    public Guid Id { get; }

    /// <summary>The sending gateway.</summary>
    public string GatewayId { get; }

    /// <summary>The buffer sequence numbers it covers.</summary>
    public SequenceRange SequenceRange { get; }

    /// <summary>When it was built (UTC).</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The readings, in buffer order.</summary>
    public ImmutableArray<Reading> Readings { get; }

    /// <summary>The context of each device that has one, keyed by device.</summary>
    public IReadOnlyDictionary<DeviceId, DeviceContext> Contexts { get; }
}

/// <summary>An inclusive range of buffer sequence numbers, <c>First ≤ Last</c>, both positive.</summary>
public readonly record struct SequenceRange
{
    /// <summary>Creates a range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound below 1, or first above last.</exception>
    public SequenceRange(long first, long last)
    {
        if (first < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(first), first, "Buffer sequence numbers start at 1.");
        }

        if (last < first)
        {
            throw new ArgumentOutOfRangeException(nameof(last), last, $"last must not be below first ({first}).");
        }

        First = first;
        Last = last;
    }

    /// <summary>The first sequence number.</summary>
    public long First { get; }

    /// <summary>The last sequence number.</summary>
    public long Last { get; }

    /// <summary>How many sequence numbers the range spans.</summary>
    public long Count => Last - First + 1;
}
