using EdgeGateway.Buffering;

namespace EdgeGateway.Forwarding;

/// <summary>
/// How long the forwarder waits for a fuller batch (<c>Kafka:Linger</c>). Each record carries the
/// context of every device it holds once, so a batch of a few readings costs almost as many bytes as
/// a full one; sending whatever is unsent the moment the previous batch is delivered would make
/// batches small whenever delivery is fast. Waiting from the <em>oldest</em> unsent reading's arrival,
/// not from now, bounds what this adds to any reading's latency by the linger itself.
/// </summary>
public static class BatchLinger
{
    /// <summary>
    /// The wait before reading the next batch: none when the linger is zero, when a full batch
    /// (<paramref name="maxReadings"/>) is ready, when nothing is unsent, or when rows are still in
    /// flight (the forwarder is behind: it sends at once); otherwise what is left of the linger since the
    /// oldest unsent reading arrived (never more than the linger, whatever the clock did).
    /// </summary>
    public static TimeSpan WaitBeforeRead(TimeSpan linger, int maxReadings, BufferStatistics buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (linger <= TimeSpan.Zero || buffer.InFlightRows > 0 || buffer.Rows >= maxReadings || buffer.OldestUnsentAge is not { } age)
        {
            return TimeSpan.Zero;
        }

        var left = linger - age;
        return left <= TimeSpan.Zero ? TimeSpan.Zero : left > linger ? linger : left;
    }
}
