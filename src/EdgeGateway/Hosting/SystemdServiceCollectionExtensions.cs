using EdgeGateway.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the systemd notification service.</summary>
public static class SystemdServiceCollectionExtensions
{
    /// <summary>
    /// Adds readiness and watchdog notifications for <c>Type=notify</c> units. Register it last, so
    /// <c>READY=1</c> is only sent once every other hosted service has started.
    /// </summary>
    public static IServiceCollection AddSystemdNotification(this IServiceCollection services, SystemdSettings? settings = null)
    {
        services.TryAddSingleton(settings ?? SystemdSettings.FromEnvironment());
        services.AddHostedService<SystemdNotifier>();
        return services;
    }
}
