using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;

namespace EdgeGateway.Operations;

/// <summary>Section <c>Mcp</c>: the MCP server operators and agents use to read and change the gateway.</summary>
public sealed class McpOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Mcp";

    /// <summary>
    /// The bearer tokens accepted over HTTP, each stored as the SHA-256 of the token (never the token
    /// itself) with a name (written in the audit log) and its scopes.
    /// </summary>
    public List<McpTokenOptions> Tokens { get; set; } = [];

    /// <summary>The Streamable HTTP endpoint.</summary>
    public McpHttpOptions Http { get; set; } = new();

    /// <summary>The stdio transport (<c>edge-gateway mcp</c>).</summary>
    public McpStdioOptions Stdio { get; set; } = new();

    /// <summary>MCP over Kafka (a control topic keyed by gateway id; no inbound port).</summary>
    public McpKafkaOptions Kafka { get; set; } = new();

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Tokens.Count; i++)
        {
            if (!names.Add(Tokens[i].Name))
            {
                yield return new ValidationResult($"token name '{Tokens[i].Name}' is used twice", [$"{nameof(Tokens)}:{i}:{nameof(McpTokenOptions.Name)}"]);
            }

            if (!hashes.Add(Tokens[i].Sha256))
            {
                yield return new ValidationResult("the same token hash is listed twice", [$"{nameof(Tokens)}:{i}:{nameof(McpTokenOptions.Sha256)}"]);
            }
        }
    }
}

/// <summary>One accepted bearer token.</summary>
public sealed class McpTokenOptions : IValidatableObject
{
    /// <summary>Who holds it (e.g. <c>ops-laptop</c>); appears in the audit log.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._@:-]{1,64}$", ErrorMessage = "must be 1-64 characters from A-Z a-z 0-9 . _ @ : -")]
    public string Name { get; set; } = string.Empty;

    /// <summary>The SHA-256 of the token as 64 hex digits (<c>edge-gateway mcp hash-token</c> prints it).</summary>
    [Required]
    [RegularExpression("^[0-9A-Fa-f]{64}$", ErrorMessage = "must be the token's SHA-256 as 64 hex digits (edge-gateway mcp hash-token)")]
    public string Sha256 { get; set; } = string.Empty;

    /// <summary>What the token may do: <c>read</c>, <c>operate</c>, <c>admin</c> (each includes the ones before it).</summary>
    public List<string> Scopes { get; set; } = [];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => McpScopes.Check(Scopes, nameof(Scopes), allowEmpty: false);
}

/// <summary>Section <c>Mcp:Http</c>: Streamable HTTP at <c>/mcp</c>.</summary>
public sealed class McpHttpOptions : IValidatableObject
{
    /// <summary>Whether the gateway listens for MCP over HTTP.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Where to listen: <c>http://127.0.0.1:8750</c> by default (loopback only). An <c>https://</c> URL needs
    /// <see cref="CertificateFile"/>. The host must be an IP address or <c>localhost</c>.
    /// </summary>
    [Required]
    public string Url { get; set; } = "http://127.0.0.1:8750";

    /// <summary>TLS certificate (PEM, with <see cref="CertificateKeyFile"/>; or PKCS#12 with an optional <see cref="CertificatePassword"/>).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="CertificateFile"/>.</summary>
    public string? CertificateKeyFile { get; set; }

    /// <summary>The password of a PKCS#12 certificate file. Never logged or shown.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Browser origins allowed to call the endpoint (e.g. <c>https://ops.example.city</c>). A request that
    /// carries any other <c>Origin</c> header is refused with 403 (DNS rebinding protection); requests
    /// without one (non-browser clients) are allowed.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>The parsed <see cref="Url"/>.</summary>
    public Uri ListenUri => new(Url);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.AbsolutePath != "/" || uri.IsDefaultPort && !Url.Contains($":{uri.Port}", StringComparison.Ordinal))
        {
            yield return new ValidationResult($"'{Url}' is not http(s)://HOST:PORT (the endpoint's path is always /mcp)", [nameof(Url)]);
            yield break;
        }

        if (uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6) && !string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"host '{uri.Host}' must be an IP address or localhost", [nameof(Url)]);
        }

        if (uri.Scheme == Uri.UriSchemeHttps && string.IsNullOrWhiteSpace(CertificateFile))
        {
            yield return new ValidationResult("an https URL needs Mcp:Http:CertificateFile", [nameof(CertificateFile)]);
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !string.IsNullOrWhiteSpace(CertificateFile))
        {
            yield return new ValidationResult("a certificate is configured: use an https URL", [nameof(Url)]);
        }

        // Relative paths are looked up in $CREDENTIALS_DIRECTORY when systemd sets it (LoadCredential=).
        if (!string.IsNullOrWhiteSpace(CertificateFile) && !File.Exists(CredentialFiles.Resolve(CertificateFile)))
        {
            yield return new ValidationResult($"'{CertificateFile}' does not exist", [nameof(CertificateFile)]);
        }

        if (!string.IsNullOrWhiteSpace(CertificateKeyFile) && !File.Exists(CredentialFiles.Resolve(CertificateKeyFile)))
        {
            yield return new ValidationResult($"'{CertificateKeyFile}' does not exist", [nameof(CertificateKeyFile)]);
        }

        for (var i = 0; i < AllowedOrigins.Count; i++)
        {
            if (!Uri.TryCreate(AllowedOrigins[i], UriKind.Absolute, out var origin) || origin.AbsolutePath != "/" || AllowedOrigins[i].EndsWith('/'))
            {
                yield return new ValidationResult($"'{AllowedOrigins[i]}' is not an origin (scheme://host[:port])", [$"{nameof(AllowedOrigins)}:{i}"]);
            }
        }
    }
}

/// <summary>Section <c>Mcp:Stdio</c>: <c>edge-gateway mcp</c>, run by someone already logged in (e.g. over SSH).</summary>
public sealed class McpStdioOptions : IValidatableObject
{
    /// <summary>
    /// The scopes a stdio session gets; empty means all of them. Whoever can run the command can already
    /// read the configuration and the databases, so the operating system's permissions are the real gate.
    /// </summary>
    public List<string> Scopes { get; set; } = [];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => McpScopes.Check(Scopes, nameof(Scopes), allowEmpty: true);
}

/// <summary>
/// Section <c>Mcp:Kafka</c>: MCP over Kafka, for gateways behind NAT that the cloud cannot reach
/// directly. The gateway follows <see cref="ControlTopic"/> (shared by a fleet), reads only the records
/// whose key is its <c>Gateway:Id</c>, and answers on <see cref="ReplyTopic"/> with the same key. Each
/// record carries a bearer token (header <c>mcp-authorization</c>) checked against <c>Mcp:Tokens</c>
/// with the same scopes as over HTTP. The brokers are those of the <c>Kafka</c> section.
/// </summary>
public sealed class McpKafkaOptions : IValidatableObject
{
    /// <summary>Whether the gateway serves MCP over Kafka.</summary>
    public bool Enabled { get; set; }

    /// <summary>The topic requests arrive on, keyed by gateway id.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._-]{1,249}$", ErrorMessage = "must be a Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)")]
    public string ControlTopic { get; set; } = "edge.mcp.control";

    /// <summary>
    /// The topic answers go to, keyed by gateway id. Whoever may read it sees every gateway's answers
    /// that share it: give each tenant (or each gateway) its own reply topic where that matters.
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._-]{1,249}$", ErrorMessage = "must be a Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)")]
    public string ReplyTopic { get; set; } = "edge.mcp.replies";

    /// <summary>
    /// How long a broker may hold a fetch of the control topic that finds nothing (librdkafka
    /// <c>fetch.wait.max.ms</c>). Real brokers answer as soon as a request arrives, so this mostly bounds
    /// idle polling.
    /// </summary>
    [DurationRange("1ms", "10s")]
    public TimeSpan FetchWait { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A client session with no record for this long is closed.</summary>
    [DurationRange("1s", "1d")]
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The most client sessions at once; a new one beyond it closes the one idle longest.</summary>
    [Range(1, 1000)]
    public int MaxSessions { get; set; } = 32;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.Equals(ControlTopic, ReplyTopic, StringComparison.Ordinal))
        {
            yield return new ValidationResult("must differ from ControlTopic", [nameof(ReplyTopic)]);
        }
    }

    /// <summary>The topics must not be the ones batches use (checked across sections, when enabled).</summary>
    internal IEnumerable<(string Key, string Problem)> CheckAgainst(Forwarding.KafkaOptions kafka)
    {
        if (!Enabled)
        {
            yield break;
        }

        foreach (var (name, topic) in new[] { (nameof(ControlTopic), ControlTopic), (nameof(ReplyTopic), ReplyTopic) })
        {
            if (string.Equals(topic, kafka.Topic, StringComparison.Ordinal) || string.Equals(topic, kafka.ResponseTopic, StringComparison.Ordinal))
            {
                yield return ($"{McpOptions.SectionName}:{nameof(McpOptions.Kafka)}:{name}", $"'{topic}' is already Kafka:Topic or Kafka:ResponseTopic; MCP needs topics of its own");
            }
        }
    }
}
