using EdgeGateway.Kafka.Native;
using EdgeGateway.Kafka.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Forwarding;

/// <summary>
/// Where the forwarder's brokers are: the configured <see cref="KafkaOptions.BootstrapServers"/>, or,
/// when none are configured, an embedded librdkafka mock cluster so that a try-out on any Linux box
/// runs end to end without a Kafka installation. The embedded cluster keeps records in memory only.
/// </summary>
public sealed partial class KafkaEndpoint : IDisposable
{
    private readonly MockKafkaCluster? _embedded;

    /// <summary>Resolves the endpoint; starts the embedded cluster (with the topics) if needed.</summary>
    public KafkaEndpoint(IOptions<KafkaOptions> options, ILogger<KafkaEndpoint> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var kafka = options.Value;
        if (!string.IsNullOrWhiteSpace(kafka.BootstrapServers))
        {
            BootstrapServers = kafka.BootstrapServers;
            Security = kafka.ToClientSecurity();
            return;
        }

        _embedded = MockKafkaCluster.Start();
        try
        {
            // Created up front: the first produce to a topic the mock has to auto-create stalls for a second.
            _embedded.CreateTopic(kafka.Topic);
            _embedded.CreateTopic(kafka.ResponseTopic);
        }
        catch
        {
            _embedded.Dispose();
            throw;
        }

        BootstrapServers = _embedded.BootstrapServers;
        LogEmbedded(logger, BootstrapServers, kafka.Topic);
    }

    /// <summary>The brokers to connect to.</summary>
    public string BootstrapServers { get; }

    /// <summary>
    /// TLS and SASL for every client of the gateway that talks to these brokers (producer, MCP over
    /// Kafka): the one place they are taken from. Plaintext for the embedded cluster.
    /// </summary>
    public KafkaClientSecurity Security { get; } = KafkaClientSecurity.None;

    /// <summary>True when the brokers are the embedded, in-memory mock cluster.</summary>
    public bool IsEmbedded => _embedded is not null;

    /// <inheritdoc />
    public void Dispose() => _embedded?.Dispose();

    [LoggerMessage(EventId = 712, Level = LogLevel.Warning,
        Message = "Kafka:BootstrapServers is not set: forwarding to an embedded mock Kafka cluster at {BootstrapServers} (topic {Topic}). " +
                  "It keeps records in memory only and loses them when the gateway stops: for try-outs, not for production")]
    private static partial void LogEmbedded(ILogger logger, string bootstrapServers, string topic);
}
