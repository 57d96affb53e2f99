using EdgeGateway.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

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

        // Per-request lines of Kestrel and the MCP SDK are noise on a gateway; the Logging section can still lower these.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("ModelContextProtocol", LogLevel.Warning);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.ColorBehavior = LoggerColorBehavior.Disabled;
        });

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.Configure<HostOptions>(host =>
        {
            host.ShutdownTimeout = TimeSpan.FromSeconds(30);
            host.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
        });
        builder.Services.AddGatewayOptions(builder.Configuration);
        builder.Services.AddCriticalFailureTracking();
        builder.Services.AddHostedService<StartupReport>();

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
