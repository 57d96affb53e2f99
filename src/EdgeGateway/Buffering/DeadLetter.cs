using EdgeGateway.Domain;

namespace EdgeGateway.Buffering;

/// <summary>
/// Input the gateway could not forward, kept with its reason so an operator can inspect and replay
/// it. Nothing is dropped silently: an undecodable message, a reading refused by a full buffer or a
/// batch the cloud rejected ends up here.
/// </summary>
public sealed class DeadLetterEntry
{
    /// <summary>The longest reason code accepted.</summary>
    public const int MaxReasonLength = 64;

    /// <summary>The longest detail text kept; longer text is cut (it is a diagnostic, not data).</summary>
    public const int MaxDetailLength = 4096;

    /// <summary>Creates a dead letter.</summary>
    /// <param name="reason">A short, stable code (see <see cref="DeadLetterReasons"/>), e.g. <c>undecodable</c>.</param>
    /// <param name="detail">A human-readable explanation (the parser error, the broker's error), or null.</param>
    /// <param name="sourceKind">What produced it: <c>mqtt</c>, <c>serial</c>, <c>gpio</c>, or a stage such as <c>forwarder</c>.</param>
    /// <param name="sourceName">The configured name of the source or stage.</param>
    /// <param name="channel">Where within the source: MQTT topic, serial device, GPIO line, Kafka topic.</param>
    /// <param name="raw">The bytes exactly as received (or as they would have been sent).</param>
    /// <param name="time">When it was dead-lettered.</param>
    /// <exception cref="ArgumentException">A text argument is blank or too long, or the time is not set.</exception>
    public DeadLetterEntry(string reason, string? detail, string sourceKind, string sourceName, string channel, ReadOnlyMemory<byte> raw, DateTimeOffset time)
    {
        Reason = DomainGuard.NotBlank(reason, MaxReasonLength);
        Detail = detail is { Length: > MaxDetailLength } ? detail[..MaxDetailLength] : detail;
        SourceKind = DomainGuard.NotBlank(sourceKind, 32);
        SourceName = DomainGuard.NotBlank(sourceName, 64);
        Channel = DomainGuard.NotBlank(channel, 1024);
        Raw = raw;
        Time = DomainGuard.Utc(time);
    }

    /// <summary>The reason code.</summary>
    public string Reason { get; }

    /// <summary>The explanation, or null.</summary>
    public string? Detail { get; }

    /// <summary>What produced it (<c>mqtt</c>, <c>serial</c>, <c>gpio</c>, <c>forwarder</c>...).</summary>
    public string SourceKind { get; }

    /// <summary>The configured name of the source or stage.</summary>
    public string SourceName { get; }

    /// <summary>Where within the source.</summary>
    public string Channel { get; }

    /// <summary>The raw bytes.</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    /// <summary>When it was dead-lettered (UTC).</summary>
    public DateTimeOffset Time { get; }

    /// <summary>A dead letter for a raw message a source received, keeping its bytes and origin.</summary>
    public static DeadLetterEntry FromRawMessage(RawMessage message, string reason, string? detail, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new DeadLetterEntry(
            reason,
            detail,
            message.SourceKind.ToString().ToLowerInvariant(),
            message.SourceName,
            message.Channel,
            message.Payload,
            time);
    }
}

/// <summary>A stored dead letter, as listed by <see cref="ReadingBuffer.ListDeadLettersAsync"/>.</summary>
/// <param name="Id">Its id: increasing, never reused.</param>
/// <param name="Entry">What was stored.</param>
public sealed record DeadLetter(long Id, DeadLetterEntry Entry);

/// <summary>The reason codes the gateway itself uses. Codes are part of the operator interface: keep them stable.</summary>
public static class DeadLetterReasons
{
    /// <summary>A decoder could not make a reading of the bytes.</summary>
    public const string Undecodable = "undecodable";

    /// <summary>The buffer refused the reading: full under <c>reject-new</c>.</summary>
    public const string BufferFull = "buffer-full";

    /// <summary>The buffer refused the reading: free disk space below the guard.</summary>
    public const string DiskGuard = "disk-guard";

    /// <summary>The reading is bigger than the buffer could ever hold.</summary>
    public const string TooLarge = "too-large";

    /// <summary>The broker or the cloud refused a batch for good (not a transient error).</summary>
    public const string RejectedBatch = "rejected-batch";

    /// <summary>A buffer row the forwarder could not decode (a damaged file); the row's bytes are kept.</summary>
    public const string CorruptRow = "corrupt-row";

    /// <summary>The reason code for an append rejection.</summary>
    public static string For(AppendRejection rejection) => rejection switch
    {
        AppendRejection.Full => BufferFull,
        AppendRejection.DiskGuard => DiskGuard,
        AppendRejection.TooLarge => TooLarge,
        _ => throw new ArgumentOutOfRangeException(nameof(rejection), rejection, "Not a rejection."),
    };
}
