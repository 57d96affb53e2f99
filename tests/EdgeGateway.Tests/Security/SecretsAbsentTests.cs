using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using EdgeGateway.Operations;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using ModelContextProtocol.Client;
using Xunit;
using static EdgeGateway.Tests.Operations.McpTestSupport;

namespace EdgeGateway.Tests.Security;

/// <summary>
/// Every link secured at once, each with a recognisable secret: MQTT over TLS with its password from the
/// environment, Kafka over TLS with a client certificate whose key is encrypted (key password from a
/// systemd credential file) and SASL PLAIN (password from another), MCP over https with a bearer token.
/// The secrets reach their peers, and none of them appears in the gateway's log, <c>status</c>,
/// <c>config show</c> or the answers of its MCP tools.
/// </summary>
public sealed class SecretsAbsentTests : LoggedTest
{
    // Gateways start slowly on a loaded machine; the first signs of life get twice the usual wait.
    private static readonly TimeSpan StartTimeout = TestTimeouts.Default * 2;

    private const string MqttSecret = "mqtt-SECRET-7b1e94";
    private const string SaslSecret = "sasl-SECRET-2c8d51";
    private const string KeySecret = "keypw-SECRET-93af0e";
    private readonly TempDirectory _directory = TempDirectory.Create("secrets");
    private readonly TempDirectory _credentials = TempDirectory.Create("credentials");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        _credentials.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Secrets_reach_their_peers_but_not_the_log_the_status_the_shown_configuration_or_MCP_answers()
    {
        var pki = await TestCertificates.GetAsync(CancellationToken);
        await using var mqtt = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = true, Username = "gateway", Password = MqttSecret }, CancellationToken);
        using var kafkaCertificate = X509Certificate2.CreateFromPemFile(pki.ServerCertificatePath, pki.ServerKeyPath);
        await using var kafka = FakeKafkaBroker.Start(kafkaCertificate, requireClientCertificate: true, account: ("gw-secrets", SaslSecret));
        _credentials.WriteFile("kafka-sasl-password", SaslSecret + "\n");
        _credentials.WriteFile("kafka-key-password", KeySecret + "\n");
        var mcpPort = FreePort.Tcp();
        var config = WriteConfiguration(pki, mqtt, kafka, mcpPort, EncryptClientKey(pki));
        var environment = new Dictionary<string, string?>
        {
            ["EDGEGW__Mqtt__Password"] = MqttSecret,
            ["CREDENTIALS_DIRECTORY"] = _credentials.Path,
        };

        await using var gateway = DotNetPrograms.StartGateway(["run", "--config", config], environment);
        await gateway.WaitForOutputAsync(line => line.Contains("MCP over HTTP listening on", StringComparison.Ordinal), "the MCP endpoint listens", StartTimeout, CancellationToken);
        await gateway.WaitForOutputAsync(line => line.Contains("Subscribed to city/+/aq/+", StringComparison.Ordinal), "the gateway subscribed over TLS with its password", StartTimeout, CancellationToken);

        // The secrets went where they belong: the key password opened the client key, the SASL password reached the broker.
        Assert.Contains("CN=edgegw-test-client", await Eventually.WithinAsync(kafka.TlsClient.Task, "the Kafka TLS handshake with the client certificate"), StringComparison.Ordinal);
        Assert.Equal(("PLAIN", "gw-secrets", SaslSecret), await Eventually.WithinAsync(kafka.Credentials.Task, "the SASL authentication"));

        var answers = new StringBuilder();
        await using (var client = await ConnectHttpsAsync(mcpPort, pki))
        {
            foreach (var tool in new[] { "get_config", "get_status", "list_sources" })
            {
                var result = await client.CallToolAsync(tool, cancellationToken: CancellationToken);
                Assert.True(result.IsError is not true, $"{tool} failed: {Text(result)}");
                answers.AppendLine(Text(result)).AppendLine(JsonSerializer.Serialize(result.StructuredContent));
            }
        }

        var shown = await DotNetPrograms.RunGatewayAsync(["config", "show", "--config", config], environment, CancellationToken);
        Assert.Equal(0, shown.ExitCode);
        ProcessResult? status = null;
        await Eventually.TrueAsync(
            async token =>
            {
                status = await DotNetPrograms.RunGatewayAsync(["status", "--json", "--config", config], environment, token);
                return status.ExitCode == 0;
            },
            "the gateway's status is readable",
            StartTimeout,
            CancellationToken);
        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);

        // Positive controls: these are the places the secrets would be, had they leaked.
        Assert.Contains(ConfigurationRedactor.Mask, shown.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("kafka-sasl-password", shown.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("kafka-sasl-password", answers.ToString(), StringComparison.Ordinal);
        Assert.Contains("gw-secrets", answers.ToString(), StringComparison.Ordinal);
        var everything = string.Join(
            '\n',
            gateway.AllOutput,
            shown.StandardOutput,
            shown.StandardError,
            status!.StandardOutput,
            status.StandardError,
            answers.ToString());
        foreach (var secret in new[] { MqttSecret, SaslSecret, KeySecret, OperatorToken })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    private async Task<McpClient> ConnectHttpsAsync(int port, TestCertificates pki)
    {
        var ca = pki.LoadCaCertificate();
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    using var presented = new X509Certificate2(certificate);
                    return chain.Build(presented);
                },
            },
        };
        var http = new HttpClient(handler);
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = new Uri($"https://127.0.0.1:{port}{McpHttpServer.Path}"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {OperatorToken}" },
            },
            http,
            LoggerFactory,
            ownsHttpClient: true);
        return await McpClient.CreateAsync(transport, new McpClientOptions(), LoggerFactory, CancellationToken);
    }

    private string EncryptClientKey(TestCertificates pki)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(pki.ClientKeyPath));
        return _credentials.WriteFile(
            "kafka-client.key",
            key.ExportEncryptedPkcs8PrivateKeyPem(KeySecret, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)));
    }

    private string WriteConfiguration(TestCertificates pki, MosquittoBroker mqtt, FakeKafkaBroker kafka, int mcpPort, string encryptedKey)
    {
        var devicesFile = _directory.WriteFile("devices.json", """{ "devices": [ { "id": "aq-000", "type": "air-quality", "location": { "lat": 52.5, "lon": 13.4 } } ] }""");
        return _directory.WriteFile("gateway.json", $$"""
            {
              "Gateway": { "Id": "gw-secrets" },
              "Mqtt": {
                "Host": "127.0.0.1", "Port": {{mqtt.Port}}, "UseTls": true, "CaFile": "{{pki.CaCertificatePath}}", "Username": "gateway",
                "Subscriptions": [ {
                  "Topic": "city/{district}/aq/{deviceId}", "QoS": 1,
                  "Decoder": { "Kind": "json", "Json": { "TimeField": "ts", "SequenceField": "seq", "Metrics": [ { "Field": "pm25", "Metric": "pm2_5" } ] } }
                } ]
              },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}", "DevicesFile": "{{devicesFile}}" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Kafka": {
                "BootstrapServers": "{{kafka.BootstrapServers}}", "Topic": "edge.readings", "SecurityProtocol": "sasl-ssl",
                "Ssl": { "CaFile": "{{pki.CaCertificatePath}}", "CertificateFile": "{{pki.ClientCertificatePath}}", "KeyFile": "{{encryptedKey}}", "KeyPasswordFile": "kafka-key-password" },
                "Sasl": { "Mechanism": "plain", "Username": "gw-secrets", "PasswordFile": "kafka-sasl-password" }
              },
              "Mcp": {
                "Tokens": {{TokensJson}},
                "Http": { "Enabled": true, "Url": "https://127.0.0.1:{{mcpPort}}", "CertificateFile": "{{pki.ServerCertificatePath}}", "CertificateKeyFile": "{{pki.ServerKeyPath}}" }
              }
            }
            """);
    }
}
