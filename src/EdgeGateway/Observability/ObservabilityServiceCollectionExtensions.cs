using EdgeGateway.Buffering;
using EdgeGateway.Forwarding;
using EdgeGateway.Observability;
using EdgeGateway.Pipeline;
using EdgeGateway.Sources;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of metrics, health and the operations endpoint.</summary>
public static class ObservabilityServiceCollectionExtensions
{
    /// <summary>
    /// Adds the gateway's meter and its collector, the health evaluation (shared by the endpoint and the
    /// systemd watchdog) and the <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c> listener. Needs the
    /// pipeline (<c>AddIngestPipeline</c>) registered too.
    /// </summary>
    public static IServiceCollection AddObservability(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddGatewayMetrics();

        // The stages take their instruments when these are registered (the buffer, ingestor and forwarder as optional dependencies).
        services.TryAddSingleton<BufferMetrics>();
        services.TryAddSingleton<PipelineMetrics>();
        services.TryAddSingleton<ForwardingMetrics>();
        services.TryAddSingleton<SourceMetrics>();
        services.TryAddSingleton<ProcessMetrics>();
        services.TryAddSingleton<GatewayHealth>();
        services.TryAddSingleton<ObservabilityHttpServer>();
        services.AddHostedService(provider => provider.GetRequiredService<ObservabilityHttpServer>());
        return services;
    }

    /// <summary>Adds <see cref="GatewayMeter"/> (through <see cref="System.Diagnostics.Metrics.IMeterFactory"/>) and <see cref="MetricsCollector"/>.</summary>
    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddMetrics();
        services.TryAddSingleton<GatewayMeter>();
        services.TryAddSingleton<MetricsCollector>();
        return services;
    }
}
