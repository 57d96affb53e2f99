using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Processes;

namespace EdgeGateway.Tests.Security;

/// <summary>A CA that signed none of the test PKI's certificates: trusting only it must refuse the test brokers.</summary>
internal static class OtherCertificateAuthority
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _path;

    /// <summary>The PEM file of the other CA's certificate (subject <c>CN=Some other CA</c>), made once per test process.</summary>
    public static async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (_path is null)
            {
                var directory = TempDirectory.Create("other-ca");
                AppDomain.CurrentDomain.ProcessExit += (_, _) => directory.Dispose();
                var certificate = directory.File("other-ca.crt");
                var result = await ExternalProcess.RunAsync(
                    "openssl",
                    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", directory.File("other-ca.key"),
                     "-out", certificate, "-days", "30", "-subj", "/CN=Some other CA", "-addext", "basicConstraints=critical,CA:TRUE"],
                    cancellationToken: cancellationToken);
                if (result.ExitCode != 0)
                {
                    throw new InvalidOperationException($"openssl failed: {result.StandardError}");
                }

                _path = certificate;
            }

            return _path;
        }
        finally
        {
            Gate.Release();
        }
    }
}
