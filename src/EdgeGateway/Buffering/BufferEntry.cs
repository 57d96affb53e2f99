using EdgeGateway.Domain;

namespace EdgeGateway.Buffering;

/// <summary>The lane a buffered row travels in. The forwarder always drains the priority lane first.</summary>
public enum BufferLane
{
    /// <summary>Ordinary readings.</summary>
    Normal = 0,

    /// <summary>Alerts: read before every normal row, and dropped last when the buffer is full.</summary>
    Priority = 1,
}

/// <summary>
/// One row to append to the <see cref="ReadingBuffer"/>: an opaque payload (the encoded,
/// context-enriched reading) with the few fields the buffer itself needs for ordering, lanes and age.
/// The buffer never looks inside the payload.
/// </summary>
public sealed class BufferEntry
{
    /// <summary>Creates an entry.</summary>
    /// <param name="deviceId">The device the payload belongs to (kept so each device's order can be checked and batched).</param>
    /// <param name="payload">The bytes to store; may be empty.</param>
    /// <param name="receivedAt">When the gateway received the reading; the buffer's age bound counts from it.</param>
    /// <param name="lane">The lane; <see cref="BufferLane.Normal"/> unless it is an alert.</param>
    /// <exception cref="ArgumentException">The device id or the time is not set, or the lane is unknown.</exception>
    public BufferEntry(DeviceId deviceId, ReadOnlyMemory<byte> payload, DateTimeOffset receivedAt, BufferLane lane = BufferLane.Normal)
    {
        if (deviceId == default)
        {
            throw new ArgumentException("deviceId must be set.", nameof(deviceId));
        }

        if (receivedAt == default)
        {
            throw new ArgumentException("receivedAt must be set.", nameof(receivedAt));
        }

        if (!Enum.IsDefined(lane))
        {
            throw new ArgumentOutOfRangeException(nameof(lane), lane, "Unknown lane.");
        }

        DeviceId = deviceId;
        Payload = payload;
        ReceivedAt = receivedAt.ToUniversalTime();
        Lane = lane;
    }

    /// <summary>The device the payload belongs to.</summary>
    public DeviceId DeviceId { get; }

    /// <summary>The opaque payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>When the gateway received the reading (UTC).</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The lane.</summary>
    public BufferLane Lane { get; }

    /// <summary>
    /// The reading the payload encodes, when the caller has it at hand (it must be what decoding the
    /// payload gives). Never stored: a row read while the buffer still holds it in memory reaches the
    /// forwarder with it (<see cref="BufferedReading.Reading"/>), which then has nothing to decode.
    /// </summary>
    public Reading? Reading { get; init; }
}

/// <summary>A row handed to the forwarder by <see cref="ReadingBuffer.ReadBatchAsync"/>.</summary>
/// <param name="Sequence">The buffer sequence number: unique, increasing in commit order, never reused.</param>
/// <param name="DeviceId">The device the payload belongs to.</param>
/// <param name="Lane">The lane it was appended to.</param>
/// <param name="ReceivedAt">When the gateway received it (UTC, millisecond precision).</param>
/// <param name="Payload">The payload as appended.</param>
public sealed record BufferedReading(long Sequence, DeviceId DeviceId, BufferLane Lane, DateTimeOffset ReceivedAt, ReadOnlyMemory<byte> Payload)
{
    /// <summary>
    /// The reading the payload encodes, when the row came from the buffer's in-memory copy of its newest
    /// rows and its <see cref="BufferEntry.Reading"/> was given; null when it was read from the file
    /// (decode <see cref="Payload"/>).
    /// </summary>
    public Reading? Reading { get; init; }
}

/// <summary>Why an append was refused. The caller dead-letters the entries (see <see cref="ReadingBuffer.AddDeadLetterAsync"/>).</summary>
public enum AppendRejection
{
    /// <summary>Not rejected.</summary>
    None = 0,

    /// <summary>The buffer is full and its policy is <c>reject-new</c> (or <c>drop-oldest</c> found nothing it may drop).</summary>
    Full,

    /// <summary>Free disk space is below <see cref="BufferOptions.MinFreeDisk"/>.</summary>
    DiskGuard,

    /// <summary>The request alone is bigger than the buffer's capacity for readings, so it can never fit.</summary>
    TooLarge,
}

/// <summary>The outcome of one <see cref="ReadingBuffer.AppendAsync"/> request: all its entries are committed, or none.</summary>
public sealed record AppendResult
{
    private AppendResult(SequenceRange? sequences, AppendRejection rejection)
    {
        Sequences = sequences;
        Rejection = rejection;
    }

    /// <summary>True when every entry is committed (durable under the configured <c>synchronous</c> level).</summary>
    public bool IsCommitted => Rejection == AppendRejection.None;

    /// <summary>
    /// The sequence numbers given to the entries, in the order they were passed (contiguous: one request
    /// is never split), or null when rejected.
    /// </summary>
    public SequenceRange? Sequences { get; }

    /// <summary>Why the request was refused, or <see cref="AppendRejection.None"/>.</summary>
    public AppendRejection Rejection { get; }

    /// <summary>A committed result.</summary>
    public static AppendResult Committed(SequenceRange sequences) => new(sequences, AppendRejection.None);

    /// <summary>A rejected result.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rejection"/> is <see cref="AppendRejection.None"/>.</exception>
    public static AppendResult Rejected(AppendRejection rejection) =>
        rejection == AppendRejection.None
            ? throw new ArgumentOutOfRangeException(nameof(rejection), rejection, "A rejection needs a reason.")
            : new(null, rejection);
}
