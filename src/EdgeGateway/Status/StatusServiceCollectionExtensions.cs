using EdgeGateway.Status;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the gateway's status: the collector and the status file writer.</summary>
public static class StatusServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="GatewayStatusCollector"/> and the <see cref="StatusFileWriter"/>. Call it
    /// before the pipeline's registrations: the host stops services in reverse order, so the writer
    /// stops after the pipeline and its last snapshot holds the final counters. Needs the pipeline
    /// (<c>AddIngestPipeline</c>) registered too.
    /// </summary>
    public static IServiceCollection AddGatewayStatus(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<GatewayStatusCollector>();
        services.TryAddSingleton<StatusFileWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<StatusFileWriter>());
        return services;
    }
}
