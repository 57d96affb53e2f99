using EdgeGateway.Configuration;
using EdgeGateway.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Hosting;

/// <summary>The composition root: builds the generic host for <c>edge-gateway run</c>.</summary>
public static class GatewayHost
{
    /// <summary>Builds the host from an already loaded and validated configuration.</summary>
    public static IHost Build(GatewayConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "edge-gateway",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddConfiguration(configuration.Root);

        builder.Logging.AddGatewayConsole(builder.Configuration.GetSection(LoggingOptions.SectionName), configuration.Logging);
        builder.Logging.AddOtlpLogExport(configuration.Otlp, configuration.Gateway);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.Configure<HostOptions>(host =>
        {
            host.ShutdownTimeout = TimeSpan.FromSeconds(30);
            host.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });
        builder.Services.AddGatewayOptions(builder.Configuration);
        builder.Services.AddCriticalFailureTracking();
        builder.Services.AddHostedService<StartupReport>();
        builder.Services.AddOtlpExport();

        // Before the pipeline: services stop in reverse order, so the last status snapshot is final.
        builder.Services.AddGatewayStatus();

        // Early: /healthz answers while the rest starts, and the meter exists before the stages create instruments.
        builder.Services.AddObservability();
        builder.Services.AddDeviceContext();
        builder.Services.AddIngestPipeline();

        // Last: starts once the pipeline runs, and stops first, so no MCP call reaches a stopped stage.
        builder.Services.AddHostedService<EdgeGateway.Context.DeviceRegistryWatcher>();
        builder.Services.AddConfigurationLifecycle(live: true);
        builder.Services.AddMcpOperations(configuration);
        builder.Services.AddMcpHttpEndpoint();
        builder.Services.AddMcpKafkaTransport();

        // Very last: READY=1 goes out once everything above has started.
        builder.Services.AddSystemdNotification();
        return builder.Build();
    }
}
