using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using EdgeGateway.Tests.Pipeline;
using Xunit;

namespace EdgeGateway.Tests.Security;

/// <summary>The gateway as a process whose Kafka brokers present a certificate from a CA it does not trust: the refusal shows in its log and status.</summary>
public sealed class KafkaTlsGatewayTests : LoggedTest
{
    // Gateways start slowly on a loaded machine; the first signs of life get twice the usual wait.
    private static readonly TimeSpan StartTimeout = TestTimeouts.Default * 2;

    private readonly GatewayRig _rig = new("kafka-tls");

    protected override ValueTask CleanUpAsync()
    {
        _rig.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_broker_certificate_from_another_CA_shows_as_a_TLS_error_in_log_and_status()
    {
        var pki = await TestCertificates.GetAsync(CancellationToken);
        var otherCa = await OtherCertificateAuthority.GetAsync(CancellationToken);
        using var certificate = X509Certificate2.CreateFromPemFile(pki.ServerCertificatePath, pki.ServerKeyPath);
        await using var kafka = FakeKafkaBroker.Start(certificate);
        await using var mqtt = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        _rig.WriteDevices(Sensor.Fleet(1));
        var config = _rig.WriteConfiguration(mqtt, kafka.BootstrapServers, "edge.readings", c =>
        {
            c["Kafka"]!["SecurityProtocol"] = "ssl";
            c["Kafka"]!["Ssl"] = new JsonObject { ["CaFile"] = otherCa };
        });

        await using var gateway = await GatewayRig.StartGatewayAsync(config);

        await gateway.WaitForOutputAsync(line => line.Contains("certificate verify failed", StringComparison.Ordinal), "the gateway logs the TLS failure", StartTimeout, CancellationToken);
        await Eventually.TrueAsync(
            async token =>
            {
                var status = await DotNetPrograms.RunGatewayAsync(["status", "--json", "--config", config], cancellationToken: token);
                return status.StandardOutput.Contains("certificate verify failed", StringComparison.Ordinal);
            },
            "the status shows the TLS failure",
            StartTimeout,
            CancellationToken);
        Assert.False(kafka.TlsClient.Task.IsCompleted);
    }
}
