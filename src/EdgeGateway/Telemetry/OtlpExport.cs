using EdgeGateway.Configuration;
using EdgeGateway.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace EdgeGateway.Telemetry;

/// <summary>
/// Exports the metrics of meters <c>EdgeGateway</c> and <c>System.Runtime</c> over OTLP while the gateway
/// runs (section <c>Otlp</c>); the last interval's values are flushed on the way out.
/// </summary>
internal sealed partial class OtlpExport(IOptions<OtlpOptions> options, IOptions<GatewayOptions> gateway, ILogger<OtlpExport> logger) : IHostedService, IDisposable
{
    /// <summary>The gateway's own meter, whose instruments are the pipeline's metrics.</summary>
    public const string GatewayMeterName = "EdgeGateway";

    /// <summary>The .NET runtime's built-in meter (GC, memory, thread pool, CPU) since .NET 9.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    private MeterProvider? _provider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var otlp = options.Value;
        if (!otlp.Enabled)
        {
            return Task.CompletedTask;
        }

        var headers = OtlpHeaders.Read(otlp.HeadersFile);
        _provider = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => Describe(resource, gateway.Value))
            .AddMeter(GatewayMeterName, RuntimeMeterName)
            .AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, otlp, "v1/metrics", headers);
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)otlp.Interval.TotalMilliseconds;
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
            })
            .Build();
        var endpoint = Printable(otlp.Endpoint);
        var protocol = KebabCaseEnumConverter.ToKebabCase(otlp.Protocol.ToString());
        var headerSource = headers is null ? "none (or OTEL_EXPORTER_OTLP_HEADERS)" : $"{headers.Split(',').Length} from {otlp.HeadersFile}";
        LogExporting(logger, endpoint, protocol, (long)otlp.Interval.TotalSeconds, headerSource);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        // Disposing the provider exports what was measured since the last interval.
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _provider, null)?.Dispose();
    }

    /// <summary>The resource every export carries: service name, version and instance (the gateway id).</summary>
    internal static void Describe(ResourceBuilder resource, GatewayOptions gateway) =>
        resource.AddService("edge-gateway", serviceVersion: ThisAssembly.Version, serviceInstanceId: gateway.EffectiveId);

    /// <summary>Points an exporter at the collector; over HTTP, <paramref name="signalPath"/> (<c>v1/metrics</c>) is appended to the base address.</summary>
    internal static void Configure(OtlpExporterOptions exporter, OtlpOptions otlp, string signalPath, string? headers)
    {
        var endpoint = new Uri(otlp.Endpoint, UriKind.Absolute);
        if (otlp.Protocol == OtlpProtocol.HttpProtobuf)
        {
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            exporter.Endpoint = new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath);
        }
        else
        {
            exporter.Protocol = OtlpExportProtocol.Grpc;
            exporter.Endpoint = endpoint;
        }

        if (headers is not null)
        {
            exporter.Headers = headers;
        }
    }

    /// <summary>The endpoint without a query (which might hold a key) for the log.</summary>
    private static string Printable(string endpoint) => new Uri(endpoint, UriKind.Absolute).GetLeftPart(UriPartial.Path);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Exporting metrics over OTLP to {Endpoint} ({Protocol}) every {IntervalSeconds} s; headers: {Headers}")]
    private static partial void LogExporting(ILogger logger, string endpoint, string protocol, long intervalSeconds, string headers);
}
