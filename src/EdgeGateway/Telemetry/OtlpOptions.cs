using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;

namespace EdgeGateway.Telemetry;

/// <summary>
/// Section <c>Otlp</c>: optional export of the gateway's metrics (meter <c>EdgeGateway</c>) and the .NET
/// runtime's (meter <c>System.Runtime</c>), and optionally its logs, to an OpenTelemetry collector.
/// </summary>
public sealed class OtlpOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Otlp";

    /// <summary>
    /// The collector's base address, e.g. <c>http://collector:4318</c> (http-protobuf; <c>/v1/metrics</c> and
    /// <c>/v1/logs</c> are appended) or <c>http://collector:4317</c> (grpc). Empty: no export.
    /// </summary>
    public string Endpoint { get; set; } = string.Empty;

    /// <summary>The OTLP transport: <c>http-protobuf</c> or <c>grpc</c>.</summary>
    public OtlpProtocol Protocol { get; set; } = OtlpProtocol.HttpProtobuf;

    /// <summary>How often metrics are exported.</summary>
    [DurationRange("1s", "1h")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A file of headers sent with every export (an API key, an <c>Authorization</c> header): one
    /// <c>name=value</c> per line, or comma-separated as in <c>OTEL_EXPORTER_OTLP_HEADERS</c>. Empty: the
    /// exporter reads <c>OTEL_EXPORTER_OTLP_HEADERS</c> from the environment. The values are never logged. A relative
    /// path is looked up in <c>$CREDENTIALS_DIRECTORY</c> when systemd sets it (<c>LoadCredential=</c>).
    /// </summary>
    public string HeadersFile { get; set; } = string.Empty;

    /// <summary>Also exports log events (the same events as the console, at the same levels).</summary>
    public bool ExportLogs { get; set; }

    /// <summary>True when an endpoint is configured.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Endpoint);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"'{Endpoint}' is not an http:// or https:// address", [nameof(Endpoint)]);
        }
        else if (!string.IsNullOrEmpty(endpoint.UserInfo))
        {
            // The endpoint appears in logs and status; a credential belongs in the headers file.
            yield return new ValidationResult("must not hold a user or password; put credentials in Otlp:HeadersFile", [nameof(Endpoint)]);
        }

        if (!string.IsNullOrWhiteSpace(HeadersFile))
        {
            // Read at load so a malformed file is a configuration error (exit 2) rather than a failed start.
            string? problem = null;
            try
            {
                OtlpHeaders.Read(HeadersFile);
            }
            catch (InvalidOperationException error)
            {
                problem = error.Message;
            }

            if (problem is not null)
            {
                yield return new ValidationResult(problem, [nameof(HeadersFile)]);
            }
        }
    }
}

/// <summary>The OTLP transport (<c>Otlp:Protocol</c>).</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum OtlpProtocol
{
    /// <summary>OTLP over HTTP with protobuf bodies (port 4318 by convention).</summary>
    HttpProtobuf,

    /// <summary>OTLP over gRPC (port 4317 by convention).</summary>
    Grpc,
}
