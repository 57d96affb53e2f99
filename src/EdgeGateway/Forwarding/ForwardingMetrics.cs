using System.Diagnostics.Metrics;
using EdgeGateway.Domain;
using EdgeGateway.Observability;

namespace EdgeGateway.Forwarding;

/// <summary>
/// The forwarder's instruments, recorded once per batch: readings and bytes per batch, how long Kafka
/// took to answer (by outcome), and readings forwarded by device type; plus batches, errors and the
/// link state, read from <see cref="KafkaForwarder.GetStatistics"/> when collected.
/// </summary>
public sealed class ForwardingMetrics
{
    private readonly Meter _meter;
    private readonly Histogram<long> _batchReadings;
    private readonly Histogram<long> _batchBytes;
    private readonly Histogram<double> _deliveryDuration;
    private readonly Counter<long> _forwarded;

    // Used by the forwarder's single loop only.
    private readonly Dictionary<string, long> _byType = new(StringComparer.Ordinal);

    /// <summary>Creates the recorded instruments on the gateway's meter.</summary>
    public ForwardingMetrics(GatewayMeter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _meter = meter.Meter;
        _batchReadings = meter.CountHistogram("edgegateway.kafka.batch.readings", "{reading}", "Readings in each batch produced to Kafka");
        _batchBytes = meter.ByteHistogram("edgegateway.kafka.batch.size", "Encoded size of each batch record produced to Kafka");
        _deliveryDuration = meter.LatencyHistogram(
            "edgegateway.kafka.delivery.duration", "From producing a batch to Kafka's delivery report, by outcome (delivered, rejected, failed)");
        _forwarded = _meter.CreateCounter<long>("edgegateway.readings.forwarded", "{reading}", "Readings Kafka acknowledged, by device type");
    }

    /// <summary>Kafka answered a batch of <paramref name="readings"/> readings in <paramref name="bytes"/> after <paramref name="duration"/>.</summary>
    internal void Produced(int readings, int bytes, TimeSpan duration, string outcome)
    {
        _batchReadings.Record(readings);
        _batchBytes.Record(bytes);
        _deliveryDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    /// <summary>Counts the readings of a delivered <paramref name="batch"/> by device type.</summary>
    internal void Delivered(Batch batch)
    {
        _byType.Clear();
        foreach (var reading in batch.Readings)
        {
            var type = batch.Contexts.TryGetValue(reading.DeviceId, out var context) ? context.DeviceType : "unknown";
            _byType[type] = _byType.GetValueOrDefault(type) + 1;
        }

        foreach (var (type, count) in _byType)
        {
            _forwarded.Add(count, new KeyValuePair<string, object?>("device_type", type));
        }
    }

    /// <summary>Reports the forwarder's counters and link from <paramref name="statistics"/> (called once, by the forwarder).</summary>
    internal void Observe(Func<KafkaForwarderStatistics> statistics)
    {
        _meter.CreateObservableCounter("edgegateway.kafka.batches.sent", () => statistics().BatchesSent, "{batch}", "Batches Kafka acknowledged");
        _meter.CreateObservableCounter(
            "edgegateway.kafka.delivery.errors",
            () =>
            {
                var s = statistics();
                return new[]
                {
                    new Measurement<long>(s.DeliveryRetries, new KeyValuePair<string, object?>("kind", "retriable")),
                    new Measurement<long>(s.BatchesSplit + s.ReadingsRejected, new KeyValuePair<string, object?>("kind", "rejected")),
                };
            },
            "{batch}",
            "Batches Kafka did not take: retriable (brokers unreachable, timeouts; retried) or rejected for good (split, or dead-lettered)");
        _meter.CreateObservableCounter(
            "edgegateway.kafka.readings.rejected", () => statistics().ReadingsRejected, "{reading}", "Single readings Kafka refused for good; they went to the dead letters");
        _meter.CreateObservableGauge(
            "edgegateway.kafka.connected", () => statistics().Connection.State == KafkaConnectionState.Connected ? 1 : 0, description: "1 while the last word from Kafka was an answer from a broker");
    }
}
