using System.Globalization;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Packaging;

/// <summary>
/// Issue 9: the mosquitto configuration shipped for the device (deploy/package/mosquitto.conf), run by
/// a real mosquitto the way Debian includes it from conf.d: anonymous on loopback, TLS plus a password
/// on the LAN listener.
/// </summary>
public sealed class DeviceMosquittoConfigurationTests : IAsyncDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("device-mosquitto");
    private ExternalProcess? _mosquitto;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task Loopback_is_anonymous_and_the_LAN_listener_needs_TLS_and_a_password()
    {
        var certificates = await TestCertificates.GetAsync(Token);
        var (plainPort, tlsPort) = (FreePort.Tcp(), FreePort.Tcp());
        await StartAsync(certificates, plainPort, tlsPort);

        var loopback = await PublishAsync(["-h", "127.0.0.1", "-p", Port(plainPort)]);
        var withPassword = await PublishAsync(["-h", "localhost", "-p", Port(tlsPort), "--cafile", certificates.CaCertificatePath, "-u", "sensor-1", "-P", "s3cret"]);
        var withoutPassword = await PublishAsync(["-h", "localhost", "-p", Port(tlsPort), "--cafile", certificates.CaCertificatePath]);
        var wrongPassword = await PublishAsync(["-h", "localhost", "-p", Port(tlsPort), "--cafile", certificates.CaCertificatePath, "-u", "sensor-1", "-P", "wrong"]);
        var withoutTls = await PublishAsync(["-h", "127.0.0.1", "-p", Port(tlsPort), "-u", "sensor-1", "-P", "s3cret"]);

        Assert.True(loopback.ExitCode == 0, loopback.StandardError);
        Assert.True(withPassword.ExitCode == 0, withPassword.StandardError);
        Assert.NotEqual(0, withoutPassword.ExitCode);
        Assert.NotEqual(0, wrongPassword.ExitCode);
        Assert.NotEqual(0, withoutTls.ExitCode);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static Task<ProcessResult> PublishAsync(string[] connection) =>
        ExternalProcess.RunAsync(MosquittoClients.PublisherExecutable, [.. connection, "-t", "city/test", "-q", "1", "-m", "1"], TestTimeouts.Brief, cancellationToken: Token);

    /// <summary>A main file like Debian's, including the shipped file with its ports and paths moved into the temp directory.</summary>
    private async Task StartAsync(TestCertificates certificates, int plainPort, int tlsPort)
    {
        var shipped = await File.ReadAllTextAsync(Path.Combine(DebianPackages.RepositoryRoot, "deploy", "package", "mosquitto.conf"), Token);
        var tls = Directory.CreateDirectory(_directory.File("tls")).FullName;
        File.Copy(certificates.CaCertificatePath, Path.Combine(tls, "ca.crt"));
        File.Copy(certificates.ServerCertificatePath, Path.Combine(tls, "server.crt"));
        File.Copy(certificates.ServerKeyPath, Path.Combine(tls, "server.key"));
        var device = shipped
            .Replace("listener 1883 127.0.0.1", $"listener {plainPort} 127.0.0.1", StringComparison.Ordinal)
            .Replace("listener 8883", $"listener {tlsPort}", StringComparison.Ordinal)
            .Replace("/etc/edge-gateway/", _directory.Path + "/", StringComparison.Ordinal);
        Assert.NotEqual(shipped, device);
        var included = Directory.CreateDirectory(_directory.File("conf.d")).FullName;
        await File.WriteAllTextAsync(Path.Combine(included, "edge-gateway.conf"), device, Token);
        var passwords = await ExternalProcess.RunAsync("mosquitto_passwd", ["-b", "-c", _directory.File("mosquitto.passwd"), "sensor-1", "s3cret"], cancellationToken: Token);
        Assert.Equal(0, passwords.ExitCode);

        var main = _directory.WriteFile("mosquitto.conf", string.Join('\n',
            Environment.UserName == "root" ? "user root" : "# not root",
            "pid_file " + _directory.File("mosquitto.pid"),
            "persistence true",
            "persistence_location " + _directory.Path + "/",
            "log_dest stderr",
            "include_dir " + included,
            string.Empty));
        _mosquitto = ExternalProcess.Start("mosquitto", ["-c", main]);
        await Eventually.TrueAsync(
            async token => _mosquitto.HasExited
                || (await FreePort.AcceptsConnectionsAsync(plainPort, token) && await FreePort.AcceptsConnectionsAsync(tlsPort, token)),
            "mosquitto listens on both ports",
            cancellationToken: Token);
        Assert.False(_mosquitto.HasExited, $"mosquitto refused the configuration:\n{_mosquitto.AllOutput}");
    }
}
