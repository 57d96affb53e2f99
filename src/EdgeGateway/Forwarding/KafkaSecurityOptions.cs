using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;

namespace EdgeGateway.Forwarding;

/// <summary>
/// Section <c>Kafka:Ssl</c>: TLS to the brokers. Relative paths are looked up in systemd's
/// <c>$CREDENTIALS_DIRECTORY</c> when it is set.
/// </summary>
public sealed class KafkaSslOptions
{
    /// <summary>PEM file of the CA(s) the brokers' certificates must chain to; empty uses the system store.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate, for brokers that authenticate clients by certificate (with <see cref="KeyFile"/>).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="CertificateFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The password of an encrypted <see cref="KeyFile"/>; prefer <see cref="KeyPasswordFile"/> or the environment. Never logged or shown.</summary>
    public string? KeyPassword { get; set; }

    /// <summary>A file holding the password of an encrypted <see cref="KeyFile"/> (its trailing line break is ignored).</summary>
    public string? KeyPasswordFile { get; set; }

    /// <summary>The key password from <see cref="KeyPassword"/> or <see cref="KeyPasswordFile"/>, or null.</summary>
    internal string? EffectiveKeyPassword() => CredentialFiles.ValueOrFile(KeyPassword, KeyPasswordFile);

    internal IEnumerable<(string Key, string? Value)> Keys() =>
    [
        (nameof(CaFile), CaFile), (nameof(CertificateFile), CertificateFile), (nameof(KeyFile), KeyFile),
        (nameof(KeyPassword), KeyPassword), (nameof(KeyPasswordFile), KeyPasswordFile),
    ];

    internal IEnumerable<(string Key, string Problem)> Check()
    {
        if (!string.IsNullOrEmpty(CaFile) && CredentialFiles.CheckCertificates(CaFile) is { } caProblem)
        {
            yield return (nameof(CaFile), caProblem);
        }

        foreach (var problem in CredentialFiles.CheckClientCertificate(
                     (nameof(CertificateFile), CertificateFile), (nameof(KeyFile), KeyFile), (nameof(KeyPassword), KeyPassword), (nameof(KeyPasswordFile), KeyPasswordFile)))
        {
            yield return problem;
        }
    }
}

/// <summary>Section <c>Kafka:Sasl</c>: SASL authentication to the brokers.</summary>
public sealed class KafkaSaslOptions
{
    /// <summary>The SASL mechanism: <c>plain</c>, <c>scram-sha-256</c> or <c>scram-sha-512</c>.</summary>
    [RegularExpression("^(?i)(plain|scram-sha-256|scram-sha-512)$", ErrorMessage = "must be plain, scram-sha-256 or scram-sha-512")]
    public string Mechanism { get; set; } = string.Empty;

    /// <summary>The SASL user name.</summary>
    public string? Username { get; set; }

    /// <summary>The SASL password; prefer <see cref="PasswordFile"/> or <c>EDGEGW__Kafka__Sasl__Password</c>. Never logged or shown.</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the SASL password (its trailing line break is ignored).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The password from <see cref="Password"/> or <see cref="PasswordFile"/>, or null.</summary>
    internal string? EffectivePassword() => CredentialFiles.ValueOrFile(Password, PasswordFile);

    internal IEnumerable<(string Key, string? Value)> Keys() =>
        [(nameof(Mechanism), Mechanism), (nameof(Username), Username), (nameof(Password), Password), (nameof(PasswordFile), PasswordFile)];

    internal IEnumerable<(string Key, string Problem)> Check()
    {
        if (string.IsNullOrEmpty(Mechanism))
        {
            yield return (nameof(Mechanism), "is required with SASL (plain, scram-sha-256 or scram-sha-512)");
        }

        if (string.IsNullOrEmpty(Username))
        {
            yield return (nameof(Username), "is required with SASL");
        }

        if (!string.IsNullOrEmpty(Password) && !string.IsNullOrEmpty(PasswordFile))
        {
            yield return (nameof(PasswordFile), "set Password or PasswordFile, not both");
        }
        else if (!string.IsNullOrEmpty(PasswordFile))
        {
            if (CredentialFiles.CheckSecret(PasswordFile) is { } problem)
            {
                yield return (nameof(PasswordFile), problem);
            }
        }
        else if (string.IsNullOrEmpty(Password))
        {
            yield return (nameof(Password), "is required with SASL: set Password (e.g. EDGEGW__Kafka__Sasl__Password) or PasswordFile");
        }
    }
}
