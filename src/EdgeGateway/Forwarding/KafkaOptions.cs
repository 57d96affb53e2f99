using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;
using EdgeGateway.Kafka.Security;

namespace EdgeGateway.Forwarding;

/// <summary>Section <c>Kafka</c>: where batches go.</summary>
public sealed class KafkaOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Kafka";

    /// <summary>
    /// Comma-separated <c>host:port</c> list of brokers. Empty: the gateway starts an embedded, in-memory
    /// mock cluster and warns that it is not durable (for try-outs only).
    /// </summary>
    public string BootstrapServers { get; set; } = string.Empty;

    /// <summary>The topic batches are produced to.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._-]{1,249}$", ErrorMessage = "must be a Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)")]
    public string Topic { get; set; } = "edge.readings";

    /// <summary>The topic cloud processors answer on.</summary>
    [RegularExpression("^[A-Za-z0-9._-]{1,249}$", ErrorMessage = "must be a Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)")]
    public string ResponseTopic { get; set; } = "edge.responses";

    /// <summary>The cloud processor's ingest tool each batch calls.</summary>
    [RegularExpression("^[A-Za-z0-9_.-]{1,64}$", ErrorMessage = "must be 1-64 of A-Z a-z 0-9 _ . -")]
    public string ToolName { get; set; } = "ingest_readings";

    /// <summary>The most readings in one batch.</summary>
    [Range(1, 100_000)]
    public int BatchMaxReadings { get; set; } = 500;

    /// <summary>The largest batch record; keep it under the brokers' <c>message.max.bytes</c>.</summary>
    [SizeRange("1KiB", "100MiB")]
    public ByteSize BatchMaxSize { get; set; } = new(900_000);

    /// <summary>
    /// The longest the forwarder waits for a fuller batch when it is not behind: a batch goes once it
    /// is full (<see cref="BatchMaxReadings"/>) or once its oldest reading has waited this long since it
    /// arrived, whichever comes first; a backlog goes at once. Each record carries every device's
    /// context once, so fuller batches cost fewer bytes per reading; the price is at most this much
    /// latency. It waits only when devices report at least twice within it at the recent rate (see
    /// <see cref="BatchLinger"/>). 0 sends whatever is unsent as soon as the previous batch is delivered.
    /// </summary>
    [DurationRange("0ms", "1m")]
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The most readings per second the forwarder sends, averaged over batches; 0 = as fast as the
    /// brokers take them. Set it to keep a backlog that builds up during an outage from saturating a
    /// metered uplink when the brokers return; live readings keep flowing into the buffer meanwhile.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MaxReadingsPerSecond { get; set; }

    /// <summary>Compression of produced records.</summary>
    public KafkaCompression Compression { get; set; } = KafkaCompression.Lz4;

    /// <summary>
    /// How every Kafka client of the gateway (forwarder, MCP over Kafka, <c>doctor</c>) talks to the brokers:
    /// <c>plaintext</c>, <c>ssl</c>, <c>sasl-plaintext</c> or <c>sasl-ssl</c>.
    /// </summary>
    public KafkaSecurityProtocol SecurityProtocol { get; set; } = KafkaSecurityProtocol.Plaintext;

    /// <summary>TLS settings (with <c>ssl</c> and <c>sasl-ssl</c>).</summary>
    public KafkaSslOptions Ssl { get; set; } = new();

    /// <summary>SASL settings (with <c>sasl-plaintext</c> and <c>sasl-ssl</c>).</summary>
    public KafkaSaslOptions Sasl { get; set; } = new();

    /// <summary>Whether <see cref="SecurityProtocol"/> uses TLS.</summary>
    internal bool UsesTls => SecurityProtocol is KafkaSecurityProtocol.Ssl or KafkaSecurityProtocol.SaslSsl;

    /// <summary>Whether <see cref="SecurityProtocol"/> authenticates with SASL.</summary>
    internal bool UsesSasl => SecurityProtocol is KafkaSecurityProtocol.SaslPlaintext or KafkaSecurityProtocol.SaslSsl;

    /// <summary>The client security these options describe, with the secrets read from their files now.</summary>
    /// <exception cref="IOException">A secret file cannot be read (checked at load, so it changed since).</exception>
    public KafkaClientSecurity ToClientSecurity() => new()
    {
        Protocol = SecurityProtocol switch
        {
            KafkaSecurityProtocol.Ssl => KafkaTransportSecurity.Ssl,
            KafkaSecurityProtocol.SaslPlaintext => KafkaTransportSecurity.SaslPlaintext,
            KafkaSecurityProtocol.SaslSsl => KafkaTransportSecurity.SaslSsl,
            _ => KafkaTransportSecurity.Plaintext,
        },
        CaFile = UsesTls && !string.IsNullOrEmpty(Ssl.CaFile) ? CredentialFiles.Resolve(Ssl.CaFile) : null,
        CertificateFile = UsesTls && !string.IsNullOrEmpty(Ssl.CertificateFile) ? CredentialFiles.Resolve(Ssl.CertificateFile) : null,
        KeyFile = UsesTls && !string.IsNullOrEmpty(Ssl.KeyFile) ? CredentialFiles.Resolve(Ssl.KeyFile) : null,
        KeyPassword = UsesTls ? Ssl.EffectiveKeyPassword() : null,
        SaslMechanism = UsesSasl ? Sasl.Mechanism.ToUpperInvariant() : null,
        SaslUsername = UsesSasl ? Sasl.Username : null,
        SaslPassword = UsesSasl ? Sasl.EffectivePassword() : null,
    };

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var server in BootstrapServers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = server.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(server.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
            {
                yield return new ValidationResult($"'{server}' is not host:port", [nameof(BootstrapServers)]);
            }
        }

        if (string.Equals(Topic, ResponseTopic, StringComparison.Ordinal))
        {
            yield return new ValidationResult("must differ from Topic", [nameof(ResponseTopic)]);
        }

        foreach (var result in ValidateSecurity())
        {
            yield return result;
        }
    }

    private IEnumerable<ValidationResult> ValidateSecurity()
    {
        if (SecurityProtocol != KafkaSecurityProtocol.Plaintext && string.IsNullOrWhiteSpace(BootstrapServers))
        {
            yield return new ValidationResult(
                "needs Kafka:BootstrapServers: the embedded mock cluster speaks plaintext only", [nameof(SecurityProtocol)]);
        }

        // Settings of a protocol that is not in use would be silently ignored while the operator believes them applied.
        var protocol = KebabCaseEnumConverter.ToKebabCase(SecurityProtocol.ToString());
        foreach (var (key, value) in Ssl.Keys())
        {
            if (!UsesTls && !string.IsNullOrEmpty(value))
            {
                yield return new ValidationResult($"applies only with SecurityProtocol ssl or sasl-ssl, not {protocol}", [$"{nameof(Ssl)}:{key}"]);
            }
        }

        foreach (var (key, value) in Sasl.Keys())
        {
            if (!UsesSasl && !string.IsNullOrEmpty(value))
            {
                yield return new ValidationResult($"applies only with SecurityProtocol sasl-plaintext or sasl-ssl, not {protocol}", [$"{nameof(Sasl)}:{key}"]);
            }
        }

        if (UsesTls)
        {
            foreach (var (key, problem) in Ssl.Check())
            {
                yield return new ValidationResult(problem, [$"{nameof(Ssl)}:{key}"]);
            }
        }

        if (UsesSasl)
        {
            foreach (var (key, problem) in Sasl.Check())
            {
                yield return new ValidationResult(problem, [$"{nameof(Sasl)}:{key}"]);
            }
        }
    }
}

/// <summary>Kafka record compression codecs.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum KafkaCompression
{
    /// <summary>No compression.</summary>
    None,

    /// <summary>gzip.</summary>
    Gzip,

    /// <summary>Snappy.</summary>
    Snappy,

    /// <summary>LZ4: cheap on a Pi-class CPU, about 2.7× on readings.</summary>
    Lz4,

    /// <summary>Zstandard.</summary>
    Zstd,
}

/// <summary>Kafka security protocols.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum KafkaSecurityProtocol
{
    /// <summary>No TLS, no authentication (loopback and trusted networks only).</summary>
    Plaintext,

    /// <summary>TLS.</summary>
    Ssl,

    /// <summary>SASL without TLS.</summary>
    SaslPlaintext,

    /// <summary>SASL over TLS.</summary>
    SaslSsl,
}
