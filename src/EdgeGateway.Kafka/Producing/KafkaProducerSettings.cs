namespace EdgeGateway.Kafka.Producing;

/// <summary>What <see cref="KafkaRecordProducer"/> needs; the gateway fills it from its <c>Kafka</c> options.</summary>
public sealed record KafkaProducerSettings
{
    /// <summary><c>host:port[,host:port]</c>.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>librdkafka compression codec name: none, gzip, snappy, lz4, zstd.</summary>
    public string Compression { get; init; } = "lz4";

    /// <summary>How long librdkafka keeps retrying one record before reporting it failed (the buffer keeps it either way).</summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long librdkafka waits to fill its own batches.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The largest record the producer sends (librdkafka <c>message.max.bytes</c>).</summary>
    public int MaximumRecordBytes { get; init; } = 1_000_000;

    /// <summary>Client id shown to the brokers.</summary>
    public string ClientId { get; init; } = "edge-gateway";

    /// <summary>TLS and SASL towards the brokers (plaintext by default).</summary>
    public EdgeGateway.Kafka.Security.KafkaClientSecurity Security { get; init; } = EdgeGateway.Kafka.Security.KafkaClientSecurity.None;

    /// <summary>Extra librdkafka properties (tuning), applied last.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}
