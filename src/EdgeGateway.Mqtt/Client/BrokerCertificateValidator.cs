using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EdgeGateway.Mqtt.Client;

/// <summary>
/// Checks the broker's certificate for one TLS handshake: against the CA file only when one is given
/// (CA pinning: the system store is not consulted), otherwise against the system store. Remembers why
/// it refused, because <see cref="SslStream"/> reports only that the callback said no.
/// </summary>
internal sealed class BrokerCertificateValidator
{
    private readonly string? _caFile;
    private readonly string _host;

    public BrokerCertificateValidator(string? caFile, string host)
    {
        _caFile = caFile;
        _host = host;
    }

    /// <summary>Why the certificate was refused; null while it was not.</summary>
    public string? Rejection { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            Rejection = "The broker presented no TLS certificate.";
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        var presented = $"The broker's certificate (subject '{leaf.Subject}', issued by '{leaf.Issuer}')";
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            Rejection = $"{presented} is not valid for the host name '{_host}' (check its subject alternative names, or connect by the name it carries).";
            return false;
        }

        if (_caFile is null)
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            Rejection = $"{presented} is not trusted by the system's CA store ({Describe(chain)}); give the CA that issued it as the CA file.";
            return false;
        }

        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(_caFile);
        try
        {
            using var pinned = new X509Chain();
            pinned.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            pinned.ChainPolicy.CustomTrustStore.AddRange(authorities);
            pinned.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (pinned.Build(leaf))
            {
                return true;
            }

            var trusted = string.Join("; ", authorities.Select(a => a.Subject));
            Rejection = $"{presented} does not chain to the CA file '{_caFile}' (which holds '{trusted}'): {Describe(pinned)}.";
            return false;
        }
        finally
        {
            foreach (var authority in authorities)
            {
                authority.Dispose();
            }
        }
    }

    private static string Describe(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0
            ? "no chain"
            : string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
}
