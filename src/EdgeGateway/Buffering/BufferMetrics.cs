using System.Diagnostics.Metrics;
using EdgeGateway.Observability;

namespace EdgeGateway.Buffering;

/// <summary>
/// The buffer's instruments: commit latency and rows per commit (recorded once per group commit), and
/// its depth, bytes, oldest age, drops and dead letters (read from <see cref="ReadingBuffer.GetStatistics"/>
/// when collected, so they cost nothing between scrapes).
/// </summary>
public sealed class BufferMetrics
{
    private readonly Meter _meter;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<long> _commitReadings;

    /// <summary>Creates the recorded instruments on the gateway's meter.</summary>
    public BufferMetrics(GatewayMeter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _meter = meter.Meter;
        _commitDuration = meter.LatencyHistogram("edgegateway.buffer.commit.duration", "How long one group commit of the buffer took (transaction and fsync)");
        _commitReadings = meter.CountHistogram("edgegateway.buffer.commit.readings", "{reading}", "Readings committed by one group commit of the buffer");
    }

    /// <summary>One group commit took <paramref name="duration"/> and committed <paramref name="readings"/> readings.</summary>
    internal void Committed(TimeSpan duration, long readings)
    {
        _commitDuration.Record(duration.TotalSeconds);
        _commitReadings.Record(readings);
    }

    /// <summary>Reports the buffer's state from <paramref name="statistics"/> (called once, by the buffer).</summary>
    internal void Observe(Func<BufferStatistics> statistics)
    {
        _meter.CreateObservableGauge(
            "edgegateway.buffer.readings",
            () =>
            {
                var s = statistics();
                return new[]
                {
                    new Measurement<long>(s.NormalRows, new KeyValuePair<string, object?>("lane", "normal")),
                    new Measurement<long>(s.PriorityRows, new KeyValuePair<string, object?>("lane", "priority")),
                };
            },
            "{reading}",
            "Unsent readings in the buffer, by lane (including those handed to the forwarder)");
        _meter.CreateObservableGauge("edgegateway.buffer.in_flight", () => statistics().InFlightRows, "{reading}", "Readings handed to the forwarder and not yet acknowledged by Kafka");
        _meter.CreateObservableGauge("edgegateway.buffer.size", () => statistics().Bytes, "By", "Accounted bytes of the unsent readings");
        _meter.CreateObservableGauge("edgegateway.buffer.capacity", () => statistics().CapacityBytes, "By", "The most accounted bytes readings may use (Buffer:MaxSize less the dead-letter share)");
        _meter.CreateObservableGauge(
            "edgegateway.buffer.oldest_unsent_age", () => statistics().OldestUnsentAge?.TotalSeconds ?? 0, "s", "Age of the oldest unsent reading (0 when the buffer is empty)");
        _meter.CreateObservableGauge("edgegateway.buffer.blocked", () => statistics().IsBlocked ? 1 : 0, description: "1 while the buffer is full and new input waits (Buffer:FullPolicy block)");
        _meter.CreateObservableCounter("edgegateway.buffer.readings.committed", () => statistics().CommittedRows, "{reading}", "Readings committed to the buffer");
        _meter.CreateObservableCounter("edgegateway.buffer.readings.released", () => statistics().ReleasedRows, "{reading}", "Readings deleted from the buffer after Kafka acknowledged them");
        _meter.CreateObservableCounter(
            "edgegateway.readings.dropped",
            () =>
            {
                var drops = statistics().Drops;
                return new[]
                {
                    Reason(drops.FullDropOldest, "drop-oldest"),
                    Reason(drops.FullRejectNew, "reject-new"),
                    Reason(drops.Expired, "expired"),
                    Reason(drops.DiskGuard, "disk-guard"),
                    Reason(drops.TooLarge, "too-large"),
                };
            },
            "{reading}",
            "Readings the buffer dropped or refused, by reason");
        _meter.CreateObservableGauge("edgegateway.dead_letters.stored", () => statistics().DeadLetters, "{message}", "Dead letters kept in the buffer file");
        _meter.CreateObservableGauge("edgegateway.dead_letters.stored_size", () => statistics().DeadLetterBytes, "By", "Accounted bytes of the stored dead letters");
        _meter.CreateObservableCounter(
            "edgegateway.dead_letters.dropped", () => statistics().DeadLettersDropped, "{message}", "Dead letters deleted or not stored to keep within their share of the disk");
    }

    private static Measurement<long> Reason(long value, string reason) => new(value, new KeyValuePair<string, object?>("reason", reason));
}
