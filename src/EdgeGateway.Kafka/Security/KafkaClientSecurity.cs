using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

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

    /// <summary>Sets these settings' librdkafka properties on <paramref name="config"/>.</summary>
    public void ApplyTo(Confluent.Kafka.ClientConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (var (name, value) in ToClientProperties())
        {
            config.Set(name, value);
        }
    }

    /// <summary>
    /// Problems that would make every connection fail, found before connecting: each names the setting
    /// (<c>CaFile</c>, <c>CertificateFile</c>, <c>KeyFile</c>, <c>SaslMechanism</c>, <c>SaslUsername</c>,
    /// <c>SaslPassword</c>). Empty when the settings are usable.
    /// </summary>
    public IReadOnlyList<(string Setting, string Problem)> Check()
    {
        var problems = new List<(string Setting, string Problem)>();
        if (UsesTls)
        {
            if (!string.IsNullOrEmpty(CaFile))
            {
                try
                {
                    var authorities = new X509Certificate2Collection();
                    authorities.ImportFromPemFile(CaFile);
                    if (authorities.Count == 0)
                    {
                        problems.Add((nameof(CaFile), $"'{CaFile}' holds no PEM certificate"));
                    }

                    foreach (var authority in authorities)
                    {
                        authority.Dispose();
                    }
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException or CryptographicException)
                {
                    problems.Add((nameof(CaFile), $"'{CaFile}' cannot be read as PEM certificates: {error.Message}"));
                }
            }

            if (string.IsNullOrEmpty(CertificateFile) != string.IsNullOrEmpty(KeyFile))
            {
                problems.Add(string.IsNullOrEmpty(KeyFile) ? (nameof(KeyFile), "a client certificate needs its key") : (nameof(CertificateFile), "a client key needs its certificate"));
            }
            else if (!string.IsNullOrEmpty(CertificateFile))
            {
                try
                {
                    using var certificate = KeyPassword is null
                        ? X509Certificate2.CreateFromPemFile(CertificateFile, KeyFile)
                        : X509Certificate2.CreateFromEncryptedPemFile(CertificateFile, KeyPassword, KeyFile);
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
                {
                    problems.Add((nameof(CertificateFile), $"'{CertificateFile}' with key '{KeyFile}' is not a PEM certificate and matching private key: {error.Message}"));
                }
            }
        }

        if (UsesSasl)
        {
            if (SaslMechanism is not ("PLAIN" or "SCRAM-SHA-256" or "SCRAM-SHA-512"))
            {
                problems.Add((nameof(SaslMechanism), "must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"));
            }

            if (string.IsNullOrEmpty(SaslUsername))
            {
                problems.Add((nameof(SaslUsername), "is required with SASL"));
            }

            if (string.IsNullOrEmpty(SaslPassword))
            {
                problems.Add((nameof(SaslPassword), "is required with SASL"));
            }
        }

        return problems;
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
