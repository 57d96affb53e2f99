using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Observability;

/// <summary>
/// The operations endpoint on its own Kestrel listener (<c>Observability:Http:Url</c>): <c>GET /metrics</c>
/// in the Prometheus text format, <c>GET /healthz</c> (alive) and <c>GET /readyz</c> (ready), the last two
/// answering 200 or 503 with a small JSON body that names each check. No authentication: it exposes
/// counts, never configuration values, device ids or readings; bind it to the address a scraper may reach.
/// </summary>
public sealed partial class ObservabilityHttpServer : IHostedService, IAsyncDisposable
{
    /// <summary>The metrics path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The liveness path.</summary>
    public const string HealthPath = "/healthz";

    /// <summary>The readiness path.</summary>
    public const string ReadyPath = "/readyz";

    private readonly ObservabilityHttpOptions _options;
    private readonly MetricsCollector _metrics;
    private readonly GatewayHealth _health;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private WebApplication? _app;

    /// <summary>Creates the endpoint (it listens only when <c>Observability:Http:Enabled</c>).</summary>
    /// <param name="options">The <c>Observability</c> options.</param>
    /// <param name="metrics">What <c>/metrics</c> renders.</param>
    /// <param name="health">What <c>/healthz</c> and <c>/readyz</c> answer.</param>
    /// <param name="sources">The sources' instruments (taken so that they exist; they only observe).</param>
    /// <param name="process">The process's instruments (likewise).</param>
    /// <param name="loggerFactory">The logs.</param>
    public ObservabilityHttpServer(
        IOptions<ObservabilityOptions> options, MetricsCollector metrics, GatewayHealth health, Sources.SourceMetrics sources, ProcessMetrics process, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value.Http;
        _metrics = metrics;
        _health = health;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<ObservabilityHttpServer>();
    }

    /// <summary>The address it listens on once started (the real port when the configured one is 0), or null.</summary>
    public Uri? Address { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        (_app, var address) = await Hosting.EmbeddedKestrel.StartAsync(
            "edge-gateway-observability", _options.ListenUri, _loggerFactory, maxRequestBodySize: 0, HandleAsync);
        Address = address;
        var url = Address.GetLeftPart(UriPartial.Authority);
        LogListening(_logger, url);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value;
        if (path is not (MetricsPath or HealthPath or ReadyPath))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET, HEAD";
            return;
        }

        response.Headers.CacheControl = "no-store";
        if (path == MetricsPath)
        {
            response.ContentType = PrometheusTextWriter.ContentType;
            await WriteAsync(response, _metrics.CollectText(), context.RequestAborted);
            return;
        }

        var report = path == HealthPath ? _health.CheckLive() : _health.CheckReady();
        response.StatusCode = report.IsHealthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        response.ContentType = "application/json";
        await WriteAsync(response, HealthJson(report, path == HealthPath ? "alive" : "ready"), context.RequestAborted);
    }

    private static async Task WriteAsync(HttpResponse response, string body, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(response.HttpContext.Request.Method))
        {
            await response.Body.WriteAsync(bytes, cancellationToken);
        }
    }

    /// <summary>The body of <c>/healthz</c> and <c>/readyz</c>: <c>{"status":"ready","checks":[{"name":"mqtt","ok":true},…]}</c>.</summary>
    internal static string HealthJson(HealthReport report, string healthyWord)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", report.IsHealthy ? healthyWord : $"not-{healthyWord}");
            json.WriteStartArray("checks");
            foreach (var check in report.Checks)
            {
                json.WriteStartObject();
                json.WriteString("name", check.Name);
                json.WriteBoolean("ok", check.Passed);
                if (check.Detail is not null)
                {
                    json.WriteString("detail", check.Detail);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Metrics and health listening on {Url} (/metrics, /healthz, /readyz)")]
    private static partial void LogListening(ILogger logger, string url);
}
