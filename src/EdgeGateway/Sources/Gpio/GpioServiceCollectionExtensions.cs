using EdgeGateway.Sources.Gpio;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the GPIO source.</summary>
public static class GpioServiceCollectionExtensions
{
    /// <summary>
    /// Adds the GPIO source (a singleton run as a hosted service, so the status can read its lines)
    /// and the chip opener (libgpiod, or the simulator's socket for <c>sim:PATH</c>) unless one is registered.
    /// </summary>
    public static IServiceCollection AddGpioSource(this IServiceCollection services)
    {
        services.TryAddSingleton<IGpioChipOpener, GpioChipOpener>();
        services.TryAddSingleton<GpioSource>();
        services.AddHostedService(provider => provider.GetRequiredService<GpioSource>());
        return services;
    }
}
