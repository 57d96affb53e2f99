using Confluent.Kafka;
using EdgeGateway.Kafka.Native;
using EdgeGateway.Kafka.Security;

namespace EdgeGateway.Kafka.Probing;

/// <summary>What a metadata request to a Kafka cluster found.</summary>
/// <param name="Brokers">The number of brokers the cluster announced.</param>
/// <param name="TopicExists">Whether the asked topic exists (null when no topic was asked).</param>
public sealed record KafkaProbeResult(int Brokers, bool? TopicExists);

/// <summary>
/// Asks a Kafka cluster for its metadata once, to tell an operator whether the configured brokers can
/// be reached from this device (used by <c>edge-gateway doctor</c>).
/// </summary>
public static class KafkaClusterProbe
{
    /// <summary>Requests the cluster's metadata, waiting at most <paramref name="timeout"/>.</summary>
    /// <exception cref="KafkaException">No broker answered in time, or the request failed.</exception>
    /// <exception cref="DllNotFoundException">librdkafka is not installed.</exception>
    public static KafkaProbeResult Probe(string bootstrapServers, string? topic, TimeSpan timeout, KafkaClientSecurity? security = null, IReadOnlyDictionary<string, string>? extra = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        LibRdKafka.EnsureLoaded();
        var config = new AdminClientConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = "edge-gateway-doctor",
            SocketTimeoutMs = Math.Max(10, (int)timeout.TotalMilliseconds),
        };
        KafkaClientProperties.Apply(config, security ?? KafkaClientSecurity.None, extra ?? new Dictionary<string, string>());

        // librdkafka logs connection failures itself; the doctor reports them in its own words.
        using var admin = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        var metadata = admin.GetMetadata(timeout);
        if (metadata.Brokers.Count == 0)
        {
            throw new KafkaException(ErrorCode.Local_AllBrokersDown);
        }

        bool? topicExists = topic is null
            ? null
            : metadata.Topics.Any(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError);
        return new KafkaProbeResult(metadata.Brokers.Count, topicExists);
    }
}
