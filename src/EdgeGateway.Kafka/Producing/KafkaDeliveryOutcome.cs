namespace EdgeGateway.Kafka.Producing;

/// <summary>What happened to a produced record.</summary>
public enum KafkaDeliveryStatus
{
    /// <summary>The brokers acknowledged it (acks=all): it is durable in Kafka.</summary>
    Delivered,

    /// <summary>Not delivered now (brokers unreachable, timed out): keep it and try again later.</summary>
    RetryLater,

    /// <summary>The brokers refuse it for good (too large, not authorised, invalid): retrying cannot help.</summary>
    Rejected,
}

/// <summary>The outcome of one produce.</summary>
/// <param name="Status">Delivered, retry later, or rejected.</param>
/// <param name="Partition">The partition, when delivered.</param>
/// <param name="Offset">The offset, when delivered.</param>
/// <param name="Error">librdkafka's error name and reason, when not delivered.</param>
public sealed record KafkaDeliveryOutcome(KafkaDeliveryStatus Status, int Partition = -1, long Offset = -1, string? Error = null);
