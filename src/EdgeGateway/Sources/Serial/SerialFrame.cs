namespace EdgeGateway.Sources.Serial;

/// <summary>
/// What a framer cut out of a serial byte stream: a complete frame (checksum checked where the
/// protocol has one), or a run of bytes it had to reject, with the reason (for the dead letters).
/// </summary>
/// <param name="Bytes">The frame or the rejected bytes.</param>
/// <param name="RejectReason">Null for a frame; otherwise the cause in kebab case (<c>garbage</c>, <c>checksum-mismatch</c>...).</param>
/// <param name="Detail">A human-readable explanation of a rejection.</param>
public readonly record struct SerialFrame(byte[] Bytes, string? RejectReason = null, string? Detail = null)
{
    /// <summary>Whether this is a frame (not a rejected run).</summary>
    public bool IsFrame => RejectReason is null;

    /// <summary>A rejected run of bytes.</summary>
    public static SerialFrame Rejected(ReadOnlySpan<byte> bytes, string reason, string detail) => new(bytes.ToArray(), reason, detail);
}

/// <summary>
/// Cuts a serial byte stream into frames. Keeps state between calls (a frame may arrive in pieces);
/// one instance per port, used by one thread. Never throws on bad input and never holds more than a
/// bounded number of bytes: what cannot be part of a frame is handed back as a rejected run.
/// </summary>
public interface ISerialFramer
{
    /// <summary>Feeds received bytes; appends complete frames and rejected runs to <paramref name="output"/> in stream order.</summary>
    void Feed(ReadOnlySpan<byte> data, List<SerialFrame> output);

    /// <summary>Forgets a partial frame (after a reconnect, the rest of it will never come).</summary>
    void Reset();
}
