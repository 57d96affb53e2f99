using EdgeGateway.Observability;
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
