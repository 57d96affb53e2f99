using EdgeGateway.Configuration;
using EdgeGateway.Telemetry;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the optional OTLP export (section <c>Otlp</c>).</summary>
public static class OtlpServiceCollectionExtensions
{
    /// <summary>Exports the gateway's and the runtime's metrics over OTLP when <c>Otlp:Endpoint</c> is set (nothing otherwise).</summary>
    public static IServiceCollection AddOtlpExport(this IServiceCollection services)
    {
        services.AddHostedService<OtlpExport>();
        return services;
    }

    /// <summary>Sends log events over OTLP too when <c>Otlp:ExportLogs</c> is set and an endpoint is configured.</summary>
    public static ILoggingBuilder AddOtlpLogExport(this ILoggingBuilder logging, OtlpOptions otlp, GatewayOptions gateway)
    {
        ArgumentNullException.ThrowIfNull(logging);
        ArgumentNullException.ThrowIfNull(otlp);
        ArgumentNullException.ThrowIfNull(gateway);
        if (!otlp.Enabled || !otlp.ExportLogs)
        {
            return logging;
        }

        logging.AddOpenTelemetry(log =>
        {
            log.IncludeFormattedMessage = true;
            log.IncludeScopes = false;
            var resource = ResourceBuilder.CreateDefault();
            OtlpExport.Describe(resource, gateway);
            log.SetResourceBuilder(resource);
            log.AddOtlpExporter(exporter => OtlpExport.Configure(exporter, otlp, "v1/logs", OtlpHeaders.Read(otlp.HeadersFile)));
        });
        return logging;
    }
}
