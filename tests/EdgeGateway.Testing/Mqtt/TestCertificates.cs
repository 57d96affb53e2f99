using System.Security.Cryptography.X509Certificates;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Testing.Mqtt;

/// <summary>
/// A throw-away PKI for TLS tests: a CA, a server certificate for 127.0.0.1/localhost and a client
/// certificate, all EC P-256 and made with <c>openssl</c>. Generated once per test process (openssl
/// calls cost time) into a temp directory deleted when the process exits; every broker shares it.
/// </summary>
public sealed class TestCertificates
{
    private const string OpenSsl = "openssl";
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static TestCertificates? _shared;
    private readonly TempDirectory _directory;

    private TestCertificates(TempDirectory directory) => _directory = directory;

    /// <summary>The CA certificate (PEM) that signed both other certificates; clients trust it.</summary>
    public string CaCertificatePath => _directory.File("ca.crt");

    /// <summary>The server certificate (PEM), SAN <c>IP:127.0.0.1, DNS:localhost</c>.</summary>
    public string ServerCertificatePath => _directory.File("server.crt");

    /// <summary>The server's private key (PEM, PKCS#8).</summary>
    public string ServerKeyPath => _directory.File("server.key");

    /// <summary>The client certificate (PEM), CN <c>edgegw-test-client</c>, for mutual TLS.</summary>
    public string ClientCertificatePath => _directory.File("client.crt");

    /// <summary>The client's private key (PEM, PKCS#8).</summary>
    public string ClientKeyPath => _directory.File("client.key");

    /// <summary>The client certificate and key as a PKCS#12 file with an empty password, for .NET clients configured by path.</summary>
    public string ClientPfxPath => _directory.File("client.pfx");

    /// <summary>The certificates of this test process, generating them on the first call.</summary>
    public static async Task<TestCertificates> GetAsync(CancellationToken cancellationToken = default)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_shared is null)
            {
                var directory = TempDirectory.Create("test-pki");
                try
                {
                    var certificates = new TestCertificates(directory);
                    await certificates.GenerateAsync(cancellationToken);
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => directory.Dispose();
                    _shared = certificates;
                }
                catch
                {
                    directory.Dispose();
                    throw;
                }
            }

            return _shared;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Loads the CA certificate, e.g. for a custom chain policy that trusts only it.</summary>
    public X509Certificate2 LoadCaCertificate() => X509CertificateLoader.LoadCertificateFromFile(CaCertificatePath);

    /// <summary>Loads the client certificate with its private key, usable as a TLS client certificate.</summary>
    public X509Certificate2 LoadClientCertificate() => X509CertificateLoader.LoadPkcs12FromFile(ClientPfxPath, password: null);

    private async Task GenerateAsync(CancellationToken cancellationToken)
    {
        string[] newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
        await RunOpenSslAsync(
            ["req", "-x509", .. newKey, "-keyout", _directory.File("ca.key"), "-out", CaCertificatePath, "-days", "3650",
             "-subj", "/CN=EdgeGateway test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            cancellationToken);

        await IssueAsync(
            "server",
            "/CN=localhost",
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
            serial: "2",
            newKey,
            cancellationToken);
        await IssueAsync(
            "client",
            "/CN=edgegw-test-client",
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
            serial: "3",
            newKey,
            cancellationToken);

        using var client = X509Certificate2.CreateFromPemFile(ClientCertificatePath, ClientKeyPath);
        await File.WriteAllBytesAsync(ClientPfxPath, client.Export(X509ContentType.Pkcs12), cancellationToken);
    }

    private async Task IssueAsync(string name, string subject, string extensions, string serial, string[] newKey, CancellationToken cancellationToken)
    {
        var request = _directory.File($"{name}.csr");
        var extensionFile = _directory.WriteFile($"{name}.ext", extensions);
        await RunOpenSslAsync(
            ["req", "-new", .. newKey, "-keyout", _directory.File($"{name}.key"), "-out", request, "-subj", subject],
            cancellationToken);
        await RunOpenSslAsync(
            ["x509", "-req", "-in", request, "-CA", CaCertificatePath, "-CAkey", _directory.File("ca.key"), "-set_serial", serial,
             "-days", "3650", "-sha256", "-extfile", extensionFile, "-out", _directory.File($"{name}.crt")],
            cancellationToken);
    }

    private static async Task RunOpenSslAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var result = await ExternalProcess.RunAsync(OpenSsl, arguments, cancellationToken: cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"openssl {string.Join(' ', arguments)} failed with exit code {result.ExitCode}:\n{result.StandardOutput}\n{result.StandardError}");
        }
    }
}
