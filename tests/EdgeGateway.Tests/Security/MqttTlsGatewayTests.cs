using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using EdgeGateway.Tests.Pipeline;
using Xunit;

namespace EdgeGateway.Tests.Security;

/// <summary>
/// The gateway as a process against mosquitto's TLS listener that requires a client certificate and a
/// password: with the pinned CA, its certificate and the password from a systemd credential file,
/// readings reach Kafka; with another CA, or without the certificate, it says why in its log and status.
/// </summary>
public sealed class MqttTlsGatewayTests : LoggedTest
{
    // Gateways start slowly on a loaded machine; the first signs of life get twice the usual wait.
    private static readonly TimeSpan StartTimeout = TestTimeouts.Default * 2;

    private const string MqttPassword = "mqtt-tls-Pa55-41c7";
    private const string KeyPassword = "mqtt-key-Pa55-9e02";
    private readonly GatewayRig _rig = new("mqtt-tls");
    private readonly TempDirectory _credentials = TempDirectory.Create("credentials");

    protected override ValueTask CleanUpAsync()
    {
        _rig.Dispose();
        _credentials.Dispose();
        return ValueTask.CompletedTask;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_the_pinned_CA_a_client_certificate_and_the_password_from_a_credential_file_readings_reach_Kafka(bool encryptedKey)
    {
        await using var broker = await StartBrokerAsync();
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        using var consumer = BatchConsumer.Start(kafka, topic);
        var fleet = Sensor.Fleet(3);
        _rig.WriteDevices(fleet);
        _credentials.WriteFile("mqtt-password", MqttPassword + "\n");
        var config = _rig.WriteConfiguration(broker, kafka.BootstrapServers, topic, c =>
        {
            Secure(c, broker, clientCertificate: true);
            if (encryptedKey)
            {
                // The key encrypted (PKCS#8), its password in a credential file next to the MQTT password.
                c["Mqtt"]!["ClientCertificateKeyFile"] = EncryptedClientKey(broker.Certificates!);
                c["Mqtt"]!["ClientCertificateKeyPasswordFile"] = "mqtt-key-password";
            }
        });
        await using var sensors = await SensorPublisher.ConnectAsync(broker, LoggerFactory);

        var gateway = DotNetPrograms.StartGateway(["run", "--config", config], CredentialsEnvironment());
        await using (gateway)
        {
            await gateway.WaitForOutputAsync(line => line.Contains("Subscribed to city/+/aq/+", StringComparison.Ordinal), "the gateway subscribed over TLS", StartTimeout, CancellationToken);
            await sensors.PublishAsync(SensorPublisher.Readings(fleet, 0, 10));
            await consumer.WaitForDistinctAsync(30);
            await GatewayRig.StopGatewayAsync(gateway);
        }

        Assert.Equal(30, consumer.Snapshot().Select(r => (r.Device, r.Sequence)).Distinct().Count());
        DotNetPrograms.AssertNoErrorLogLines(gateway);
        Assert.DoesNotContain(MqttPassword, gateway.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(KeyPassword, gateway.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_certificate_from_another_CA_is_refused_naming_the_CA_file_and_the_issuer_in_log_and_status()
    {
        await using var broker = await StartBrokerAsync();
        var otherCa = await OtherCertificateAuthority.GetAsync(CancellationToken);
        _rig.WriteDevices(Sensor.Fleet(1));
        _credentials.WriteFile("mqtt-password", MqttPassword);
        var config = _rig.WriteConfiguration(broker, "127.0.0.1:9", "edge.readings", c =>
        {
            Secure(c, broker, clientCertificate: true);
            c["Mqtt"]!["CaFile"] = otherCa;
        });

        await using var gateway = DotNetPrograms.StartGateway(["run", "--config", config], CredentialsEnvironment());

        await gateway.WaitForOutputAsync(
            line => line.Contains($"does not chain to the CA file '{otherCa}'", StringComparison.Ordinal)
                    && line.Contains("issued by 'CN=EdgeGateway test CA'", StringComparison.Ordinal)
                    && line.Contains("CN=Some other CA", StringComparison.Ordinal),
            "the gateway logs why it refuses the broker",
            StartTimeout,
            CancellationToken);
        await AssertStatusShowsAsync(config, "does not chain to the CA file", otherCa, "CN=EdgeGateway test CA");
    }

    [Fact]
    public async Task Without_the_client_certificate_the_broker_requires_the_gateway_says_so_in_log_and_status()
    {
        await using var broker = await StartBrokerAsync();
        _rig.WriteDevices(Sensor.Fleet(1));
        _credentials.WriteFile("mqtt-password", MqttPassword);
        var config = _rig.WriteConfiguration(broker, "127.0.0.1:9", "edge.readings", c => Secure(c, broker, clientCertificate: false));

        await using var gateway = DotNetPrograms.StartGateway(["run", "--config", config], CredentialsEnvironment());

        await gateway.WaitForOutputAsync(
            line => line.Contains("without a client certificate", StringComparison.Ordinal),
            "the gateway logs that the broker may want a client certificate",
            StartTimeout,
            CancellationToken);
        await AssertStatusShowsAsync(config, "without a client certificate");
    }

    private static Task<MosquittoBroker> StartBrokerAsync() =>
        MosquittoBroker.StartAsync(new MosquittoOptions { Tls = true, RequireClientCertificate = true, Username = "gateway", Password = MqttPassword }, CancellationToken);

    private static void Secure(JsonObject config, MosquittoBroker broker, bool clientCertificate)
    {
        var mqtt = config["Mqtt"]!.AsObject();
        var pki = broker.Certificates!;
        mqtt["UseTls"] = true;
        mqtt["CaFile"] = pki.CaCertificatePath;
        mqtt["Username"] = "gateway";

        // Relative: looked up in $CREDENTIALS_DIRECTORY, as systemd's LoadCredential= provides it.
        mqtt["PasswordFile"] = "mqtt-password";
        if (clientCertificate)
        {
            mqtt["ClientCertificateFile"] = pki.ClientCertificatePath;
            mqtt["ClientCertificateKeyFile"] = pki.ClientKeyPath;
        }
    }

    private string EncryptedClientKey(TestCertificates pki)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(pki.ClientKeyPath));
        _credentials.WriteFile("mqtt-key-password", KeyPassword + "\n");
        return _credentials.WriteFile(
            "mqtt-client.key", key.ExportEncryptedPkcs8PrivateKeyPem(KeyPassword, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
    }

    private Dictionary<string, string?> CredentialsEnvironment() => new() { ["CREDENTIALS_DIRECTORY"] = _credentials.Path };

    private async Task AssertStatusShowsAsync(string config, params string[] texts)
    {
        ProcessResult? status = null;
        await Eventually.TrueAsync(
            async token =>
            {
                status = await DotNetPrograms.RunGatewayAsync(["status", "--json", "--config", config], CredentialsEnvironment(), token);
                return texts.All(text => status.StandardOutput.Contains(text, StringComparison.Ordinal));
            },
            $"the status shows {string.Join(", ", texts)}",
            StartTimeout,
            CancellationToken);
        Assert.DoesNotContain(MqttPassword, status!.StandardOutput, StringComparison.Ordinal);
    }
}
