using EdgeGateway.Configuration;
using EdgeGateway.Context;
using EdgeGateway.Forwarding;
using EdgeGateway.Kafka.Producing;
using EdgeGateway.Pipeline;
using EdgeGateway.Sources;
using EdgeGateway.Sources.Serial;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the data path: registry and context, buffer, MQTT source, Kafka forwarder.</summary>
public static class PipelineServiceCollectionExtensions
{
    /// <summary>Adds the device registry (opened at startup) and the context stage.</summary>
    public static IServiceCollection AddDeviceContext(this IServiceCollection services)
    {
        services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ContextOptions>>().Value;

            // Opened once while the host is built, before any loop runs: nothing else can use it earlier.
            return DeviceRegistry.OpenAsync(
                options.RegistryPath,
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILogger<DeviceRegistry>>()).GetAwaiter().GetResult();
        });
        services.TryAddSingleton<ContextEnricher>();
        services.AddHostedService<DevicesFileLoader>();
        return services;
    }

    /// <summary>Adds the ingest path, the MQTT, serial and GPIO sources and the Kafka forwarder.</summary>
    public static IServiceCollection AddIngestPipeline(this IServiceCollection services)
    {
        services.AddReadingBuffer();
        services.TryAddSingleton<DeviceSequencer>();
        services.TryAddSingleton<DeviceOrigins>();
        services.TryAddSingleton<ReadingIngestor>();
        services.TryAddSingleton(provider => new BatchAssembler(
            provider.GetRequiredService<DeviceRegistry>(),
            provider.GetRequiredService<IOptions<GatewayOptions>>().Value.EffectiveId,
            provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<KafkaEndpoint>();
        services.TryAddSingleton<KafkaConnectionTracker>();
        services.TryAddSingleton(provider =>
        {
            var kafka = provider.GetRequiredService<IOptions<KafkaOptions>>().Value;
            var logger = provider.GetRequiredService<ILogger<KafkaRecordProducer>>();
            var connection = provider.GetRequiredService<KafkaConnectionTracker>();
            return new KafkaRecordProducer(
                new KafkaProducerSettings
                {
                    BootstrapServers = provider.GetRequiredService<KafkaEndpoint>().BootstrapServers,
                    Security = provider.GetRequiredService<KafkaEndpoint>().Security,
                    Compression = KebabCaseEnumConverter.ToKebabCase(kafka.Compression.ToString()),
                    MaximumRecordBytes = (int)Math.Min(kafka.BatchMaxSize.Bytes + 64 * 1024, int.MaxValue),
                    // The forwarder has one record in flight and waits for its delivery report, so
                    // librdkafka never has a second record to put beside it: lingering only adds latency.
                    // (Kafka:Linger is the forwarder's own wait for a fuller batch.)
                    Linger = TimeSpan.Zero,
                    ClientId = $"edge-gateway-{provider.GetRequiredService<IOptions<GatewayOptions>>().Value.EffectiveId}",
                },
                (error, fatal) =>
                {
                    connection.OnClientError(error, fatal);
                    KafkaLog.ClientError(logger, error, fatal);
                });
        });

        // Before the forwarder: no personal-data value may leave unless a key is configured.
        services.AddHostedService<FieldEncryptionGuard>();

        // Singletons run as hosted services, so the gateway's status can ask them for their counters.
        services.TryAddSingleton<KafkaForwarder>();
        services.AddHostedService(provider => provider.GetRequiredService<KafkaForwarder>());
        services.TryAddSingleton<MqttSource>();
        services.AddHostedService(provider => provider.GetRequiredService<MqttSource>());
        services.TryAddSingleton<SerialSource>();
        services.AddHostedService(provider => provider.GetRequiredService<SerialSource>());
        services.AddGpioSource();
        return services;
    }
}
