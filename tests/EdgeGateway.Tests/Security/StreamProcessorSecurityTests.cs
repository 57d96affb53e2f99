using System.Security.Cryptography.X509Certificates;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using EdgeGateway.Tests.StreamProcessor;
using Xunit;

namespace EdgeGateway.Tests.Security;

/// <summary>The stream processor's <c>--security-protocol</c>, <c>--ssl-*</c> and <c>--sasl-*</c> options: checked at start, applied to its clients.</summary>
public sealed class StreamProcessorSecurityTests : IDisposable
{
    private const string SaslSecret = "processor-sasl-SECRET-61d0";
    private readonly TempDirectory _directory = TempDirectory.Create("processor-security");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Incomplete_or_misplaced_security_options_are_refused_with_exit_code_2_naming_the_option()
    {
        var result = await ExternalProcess.RunAsync(
            DotNetPrograms.HostPath,
            [ProcessorProgram.Assembly, "run", "-b", "127.0.0.1:9", "--state", _directory.File("state.db"),
             "--security-protocol", "sasl-plaintext", "--sasl-mechanism", "scram-sha-512", "--sasl-username", "proc", "--ssl-ca-file", "/nonexistent/ca.pem"],
            cancellationToken: Token);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--sasl-password-file (or STREAM_PROCESSOR_SASL_PASSWORD): is required with SASL", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("--ssl-ca-file: applies only with --security-protocol ssl or sasl-ssl", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_processor_connects_over_TLS_with_its_client_certificate_and_authenticates_with_the_password_from_its_file()
    {
        var pki = await TestCertificates.GetAsync(Token);
        using var certificate = X509Certificate2.CreateFromPemFile(pki.ServerCertificatePath, pki.ServerKeyPath);
        await using var broker = FakeKafkaBroker.Start(certificate, requireClientCertificate: true, account: ("proc", SaslSecret));
        var passwordFile = _directory.WriteFile("sasl-password", SaslSecret + "\n");

        await using var processor = ProcessorProgram.Start(
        [
            "run", "-b", broker.BootstrapServers, "--state", _directory.File("state.db"),
            "--security-protocol", "sasl-ssl", "--ssl-ca-file", pki.CaCertificatePath,
            "--ssl-certificate-file", pki.ClientCertificatePath, "--ssl-key-file", pki.ClientKeyPath,
            "--sasl-mechanism", "plain", "--sasl-username", "proc", "--sasl-password-file", passwordFile,
        ]);

        Assert.Contains("CN=edgegw-test-client", await Eventually.WithinAsync(broker.TlsClient.Task, "the TLS handshake with the client certificate"), StringComparison.Ordinal);
        Assert.Equal(("PLAIN", "proc", SaslSecret), await Eventually.WithinAsync(broker.Credentials.Task, "the SASL authentication"));
        await processor.KillAsync();
        Assert.DoesNotContain(SaslSecret, processor.AllOutput, StringComparison.Ordinal);
    }
}
