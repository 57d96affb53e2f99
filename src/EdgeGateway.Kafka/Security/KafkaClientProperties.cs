using Confluent.Kafka;

namespace EdgeGateway.Kafka.Security;

/// <summary>Applies security settings and extra properties to a librdkafka client configuration, in that order.</summary>
internal static class KafkaClientProperties
{
    public static void Apply(ClientConfig config, KafkaClientSecurity security, IReadOnlyDictionary<string, string> extra)
    {
        security.ApplyTo(config);
        foreach (var (name, value) in extra)
        {
            config.Set(name, value);
        }
    }
}
