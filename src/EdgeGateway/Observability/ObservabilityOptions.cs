using System.ComponentModel.DataAnnotations;

namespace EdgeGateway.Observability;

/// <summary>Section <c>Observability</c>: the operations endpoint (<c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>).</summary>
public sealed class ObservabilityOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Observability";

    /// <summary>The HTTP listener for Prometheus and health probes.</summary>
    public ObservabilityHttpOptions Http { get; set; } = new();

    /// <summary>When <c>/readyz</c> says the gateway is not ready.</summary>
    public ReadinessOptions Readiness { get; set; } = new();
}

/// <summary>Section <c>Observability:Http</c>: plain HTTP with <c>GET /metrics</c>, <c>/healthz</c> and <c>/readyz</c>.</summary>
public sealed class ObservabilityHttpOptions : IValidatableObject
{
    /// <summary>Whether the gateway listens for scrapes and probes.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Where to listen: <c>http://127.0.0.1:9750</c> by default (loopback only; a Prometheus on the LAN needs
    /// the cabinet's address or <c>0.0.0.0</c>). The host must be an IP address or <c>localhost</c>. Port 0
    /// takes any free port and logs which (tests use it).
    /// </summary>
    [Required]
    public string Url { get; set; } = "http://127.0.0.1:9750";

    /// <summary>The parsed <see cref="Url"/>.</summary>
    public Uri ListenUri => new(Url);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // No TLS here: metrics and probes carry no secrets nor personal data, and scrapers rarely verify certificates of edge devices.
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
            || uri.AbsolutePath != "/" || uri.IsDefaultPort && !Url.Contains($":{uri.Port}", StringComparison.Ordinal))
        {
            yield return new ValidationResult($"'{Url}' is not http://HOST:PORT (the paths are always /metrics, /healthz and /readyz)", [nameof(Url)]);
            yield break;
        }

        if (uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6) && !string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"host '{uri.Host}' must be an IP address or localhost", [nameof(Url)]);
        }
    }
}

/// <summary>Section <c>Observability:Readiness</c>: the limits beyond which <c>/readyz</c> answers 503.</summary>
public sealed class ReadinessOptions
{
    /// <summary>
    /// How full the buffer may get, in percent of its capacity (<c>Buffer:MaxSize</c> less the dead-letter
    /// share), before the gateway reports not ready: a fleet dashboard should see a backlog before the
    /// full policy starts blocking or dropping.
    /// </summary>
    [Range(1, 100)]
    public int MaxBufferFillPercent { get; set; } = 90;

    /// <summary>
    /// How old the oldest unsent reading may get, in percent of <c>Buffer:MaxAge</c>, before the gateway
    /// reports not ready (readings past <c>Buffer:MaxAge</c> are dropped).
    /// </summary>
    [Range(1, 100)]
    public int MaxBufferAgePercent { get; set; } = 50;
}
