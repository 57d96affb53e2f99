namespace EdgeGateway.Kafka.Security;

/// <summary>How a Kafka client protects its connections to the brokers.</summary>
public enum KafkaTransportSecurity
{
    /// <summary>No TLS, no authentication.</summary>
    Plaintext,

    /// <summary>TLS (with a client certificate when one is given).</summary>
    Ssl,

    /// <summary>SASL authentication without TLS.</summary>
    SaslPlaintext,

    /// <summary>SASL authentication over TLS.</summary>
    SaslSsl,
}

/// <summary>
/// TLS and SASL settings of a Kafka client, with the secrets already read from their files. Every
/// librdkafka client of the gateway and of the stream processor gets its security properties from
/// <see cref="ToClientProperties"/>, so none of them connects with weaker settings than the others.
/// <see cref="ToString"/> never shows a secret.
/// </summary>
public sealed record KafkaClientSecurity
{
    /// <summary>Plaintext: no TLS, no SASL.</summary>
    public static KafkaClientSecurity None { get; } = new();

    /// <summary>The transport.</summary>
    public KafkaTransportSecurity Protocol { get; init; }

    /// <summary>PEM file of the CA(s) the brokers' certificates must chain to; null uses the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM client certificate, for brokers that require one (with <see cref="KeyFile"/>).</summary>
    public string? CertificateFile { get; init; }

    /// <summary>PEM private key of <see cref="CertificateFile"/>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>The password of an encrypted <see cref="KeyFile"/>.</summary>
    public string? KeyPassword { get; init; }

    /// <summary>SASL mechanism as librdkafka names it: <c>PLAIN</c>, <c>SCRAM-SHA-256</c> or <c>SCRAM-SHA-512</c>.</summary>
    public string? SaslMechanism { get; init; }

    /// <summary>SASL user name.</summary>
    public string? SaslUsername { get; init; }

    /// <summary>SASL password.</summary>
    public string? SaslPassword { get; init; }

    /// <summary>Whether the connections use TLS.</summary>
    public bool UsesTls => Protocol is KafkaTransportSecurity.Ssl or KafkaTransportSecurity.SaslSsl;

    /// <summary>Whether the client authenticates with SASL.</summary>
    public bool UsesSasl => Protocol is KafkaTransportSecurity.SaslPlaintext or KafkaTransportSecurity.SaslSsl;

    /// <summary>The librdkafka properties (<c>security.protocol</c>, <c>ssl.*</c>, <c>sasl.*</c>) that apply these settings.</summary>
    public IReadOnlyDictionary<string, string> ToClientProperties()
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["security.protocol"] = Protocol switch
            {
                KafkaTransportSecurity.Ssl => "ssl",
                KafkaTransportSecurity.SaslPlaintext => "sasl_plaintext",
                KafkaTransportSecurity.SaslSsl => "sasl_ssl",
                _ => "plaintext",
            },
        };
        if (UsesTls)
        {
            // librdkafka 2.x checks the broker's host name by default; stated so that no older default applies.
            properties["ssl.endpoint.identification.algorithm"] = "https";
            Add(properties, "ssl.ca.location", CaFile);
            Add(properties, "ssl.certificate.location", CertificateFile);
            Add(properties, "ssl.key.location", KeyFile);
            Add(properties, "ssl.key.password", KeyPassword);
        }

        if (UsesSasl)
        {
            Add(properties, "sasl.mechanism", SaslMechanism);
            Add(properties, "sasl.username", SaslUsername);
            Add(properties, "sasl.password", SaslPassword);
        }

        return properties;
    }

    /// <summary>The names of the librdkafka properties that carry secrets (to be masked wherever client properties are shown).</summary>
    public static IReadOnlySet<string> SecretProperties { get; } = new HashSet<string>(StringComparer.Ordinal) { "ssl.key.password", "sasl.password" };

    /// <summary>A description without secrets, e.g. <c>sasl_ssl SCRAM-SHA-512 user 'gw', CA /etc/…</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string> { ToClientProperties()["security.protocol"] };
        if (UsesSasl)
        {
            parts.Add($"{SaslMechanism} user '{SaslUsername}'");
        }

        if (UsesTls)
        {
            parts.Add(CaFile is null ? "system CAs" : $"CA {CaFile}");
            if (CertificateFile is not null)
            {
                parts.Add($"client certificate {CertificateFile}");
            }
        }

        return string.Join(", ", parts);
    }

    private static void Add(Dictionary<string, string> properties, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            properties[name] = value;
        }
    }
}
