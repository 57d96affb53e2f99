using System.Collections;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeGateway.Configuration;
using EdgeGateway.Kafka.Security;
using EdgeGateway.Operations;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Mqtt;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace EdgeGateway.Tests.Security;

/// <summary>The <c>Mqtt</c> and <c>Kafka</c> security keys: loaded, resolved to client settings, and refused at load with the key named.</summary>
public sealed class SecurityConfigurationTests : IDisposable
{
    private static readonly Hashtable NoEnvironment = [];
    private readonly TempDirectory _directory = TempDirectory.Create("security-config");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_sasl_ssl_section_with_secret_files_becomes_the_client_security()
    {
        var pki = await TestCertificates.GetAsync(Token);
        var passwordFile = _directory.WriteFile("sasl-password", "s4sl-secret\n");
        var keyPasswordFile = _directory.WriteFile("key-password", "k3y-secret\n");
        var encryptedKey = WriteEncryptedClientKey(pki, "k3y-secret");

        var kafka = Load($$"""
            "SecurityProtocol": "sasl-ssl",
            "Ssl": { "CaFile": "{{pki.CaCertificatePath}}", "CertificateFile": "{{pki.ClientCertificatePath}}", "KeyFile": "{{encryptedKey}}", "KeyPasswordFile": "{{keyPasswordFile}}" },
            "Sasl": { "Mechanism": "scram-sha-256", "Username": "gw-0042", "PasswordFile": "{{passwordFile}}" }
            """).Kafka.ToClientSecurity();

        Assert.Equal(KafkaTransportSecurity.SaslSsl, kafka.Protocol);
        Assert.Equal(pki.CaCertificatePath, kafka.CaFile);
        Assert.Equal(encryptedKey, kafka.KeyFile);
        Assert.Equal("k3y-secret", kafka.KeyPassword);
        Assert.Equal("SCRAM-SHA-256", kafka.SaslMechanism);
        Assert.Equal("gw-0042", kafka.SaslUsername);
        Assert.Equal("s4sl-secret", kafka.SaslPassword);
    }

    [Fact]
    public void The_SASL_password_can_come_from_the_environment()
    {
        var configuration = GatewayConfiguration.Load(
            Write("""{ "Kafka": { "BootstrapServers": "k:9093", "SecurityProtocol": "sasl-plaintext", "Sasl": { "Mechanism": "plain", "Username": "gw" } } }"""),
            new Hashtable { ["EDGEGW__Kafka__Sasl__Password"] = "from-the-environment" });

        Assert.Equal("from-the-environment", configuration.Kafka.ToClientSecurity().SaslPassword);
    }

    [Theory]
    [InlineData("""{ "SecurityProtocol": "sasl-ssl", "Sasl": { "Mechanism": "plain", "Password": "p" } }""", "Kafka:Sasl:Username", "is required with SASL")]
    [InlineData("""{ "SecurityProtocol": "sasl-plaintext", "Sasl": { "Mechanism": "scram-sha-512", "Username": "gw" } }""", "Kafka:Sasl:Password", "is required with SASL")]
    [InlineData("""{ "SecurityProtocol": "sasl-plaintext", "Sasl": { "Username": "gw", "Password": "p" } }""", "Kafka:Sasl:Mechanism", "is required with SASL")]
    [InlineData("""{ "SecurityProtocol": "sasl-plaintext", "Sasl": { "Mechanism": "gssapi", "Username": "gw", "Password": "p" } }""", "Kafka:Sasl:Mechanism", "must be plain, scram-sha-256 or scram-sha-512")]
    [InlineData("""{ "SecurityProtocol": "sasl-plaintext", "Sasl": { "Mechanism": "plain", "Username": "gw", "Password": "p", "PasswordFile": "/nonexistent/p" } }""", "Kafka:Sasl:PasswordFile", "not both")]
    [InlineData("""{ "SecurityProtocol": "sasl-plaintext", "Sasl": { "Mechanism": "plain", "Username": "gw", "PasswordFile": "/nonexistent/sasl-password" } }""", "Kafka:Sasl:PasswordFile", "'/nonexistent/sasl-password' does not exist")]
    [InlineData("""{ "Ssl": { "CaFile": "/etc/ssl/certs/ca-certificates.crt" } }""", "Kafka:Ssl:CaFile", "applies only with SecurityProtocol ssl or sasl-ssl, not plaintext")]
    [InlineData("""{ "SecurityProtocol": "ssl", "Sasl": { "Username": "gw" } }""", "Kafka:Sasl:Username", "applies only with SecurityProtocol sasl-plaintext or sasl-ssl, not ssl")]
    [InlineData("""{ "SecurityProtocol": "ssl", "Ssl": { "CaFile": "/nonexistent/ca.pem" } }""", "Kafka:Ssl:CaFile", "'/nonexistent/ca.pem' does not exist")]
    [InlineData("""{ "SecurityProtocol": "ssl", "Ssl": { "CertificateFile": "/nonexistent/client.pem" } }""", "Kafka:Ssl:KeyFile", "a client certificate needs its KeyFile")]
    public void A_wrong_Kafka_security_setting_is_refused_at_load_with_its_key(string kafka, string key, string problem)
    {
        var error = Assert.Single(Invalid($$"""{ "Kafka": { "BootstrapServers": "k:9093", {{kafka[1..^1]}} } }""").Errors);

        Assert.Equal(key, error.Key);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Security_needs_real_brokers_because_the_embedded_cluster_speaks_plaintext_only()
    {
        var error = Assert.Single(Invalid("""{ "Kafka": { "SecurityProtocol": "sasl-plaintext", "Sasl": { "Mechanism": "plain", "Username": "gw", "Password": "p" } } }""").Errors);

        Assert.Equal("Kafka:SecurityProtocol", error.Key);
        Assert.Contains("embedded mock cluster speaks plaintext only", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_files_that_do_not_parse_or_do_not_match_are_refused_at_load()
    {
        var pki = await TestCertificates.GetAsync(Token);
        var notPem = _directory.WriteFile("not-a-certificate.pem", "hello\n");

        var errors = Invalid($$"""
            {
              "Mqtt": { "UseTls": true, "CaFile": "{{notPem}}", "ClientCertificateFile": "{{pki.ClientCertificatePath}}", "ClientCertificateKeyFile": "{{pki.ServerKeyPath}}" },
              "Kafka": { "BootstrapServers": "k:9093", "SecurityProtocol": "ssl", "Ssl": { "CaFile": "{{notPem}}", "CertificateFile": "{{pki.ClientCertificatePath}}", "KeyFile": "{{pki.ClientKeyPath}}", "KeyPassword": "unused" } }
            }
            """).Errors.ToDictionary(e => e.Key, e => e.Problem);

        Assert.Contains("holds no PEM certificate", errors["Mqtt:CaFile"], StringComparison.Ordinal);
        Assert.Contains("is not a PEM certificate and matching private key", errors["Mqtt:ClientCertificateFile"], StringComparison.Ordinal);
        Assert.Contains("holds no PEM certificate", errors["Kafka:Ssl:CaFile"], StringComparison.Ordinal);
        Assert.Contains("with that key password", errors["Kafka:Ssl:CertificateFile"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Username": "gw", "Password": "p", "PasswordFile": "/nonexistent/p" }""", "Mqtt:PasswordFile", "not both")]
    [InlineData("""{ "PasswordFile": "/nonexistent/p" }""", "Mqtt:PasswordFile", "a password needs a Username")]
    [InlineData("""{ "Username": "gw", "PasswordFile": "/nonexistent/mqtt-password" }""", "Mqtt:PasswordFile", "'/nonexistent/mqtt-password' does not exist")]
    [InlineData("""{ "ClientCertificateFile": "/etc/hostname" }""", "Mqtt:ClientCertificateFile", "only applies with UseTls: true")]
    [InlineData("""{ "UseTls": true, "ClientCertificateFile": "/etc/hostname" }""", "Mqtt:ClientCertificateKeyFile", "needs its ClientCertificateKeyFile")]
    [InlineData("""{ "ClientCertificateKeyPassword": "k" }""", "Mqtt:ClientCertificateKeyPassword", "only applies with UseTls: true")]
    [InlineData("""{ "UseTls": true, "ClientCertificateKeyPassword": "k", "ClientCertificateKeyPasswordFile": "/nonexistent/k" }""", "Mqtt:ClientCertificateKeyPasswordFile", "not both")]
    [InlineData("""{ "UseTls": true, "ClientCertificateKeyPasswordFile": "/nonexistent/mqtt-key-password" }""", "Mqtt:ClientCertificateKeyPasswordFile", "'/nonexistent/mqtt-key-password' does not exist")]
    [InlineData("""{ "UseTls": true, "ClientCertificateKeyPassword": "k" }""", "Mqtt:ClientCertificateKeyPassword", "a key password needs ClientCertificateKeyFile")]
    public void A_wrong_MQTT_security_setting_is_refused_at_load_with_its_key(string mqtt, string key, string problem)
    {
        var errors = Invalid($$"""{ "Mqtt": {{mqtt}}, "Kafka": { "BootstrapServers": "k:9093" } }""").Errors;

        Assert.Contains(errors, e => e.Key == key && e.Problem.Contains(problem, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_encrypted_MQTT_client_key_loads_with_its_password_and_is_refused_without_it_or_with_a_wrong_one()
    {
        var pki = await TestCertificates.GetAsync(Token);
        var encryptedKey = WriteEncryptedClientKey(pki, "mq-k3y-secret");
        var rightPassword = _directory.WriteFile("mqtt-key-password", "mq-k3y-secret\n");
        string Mqtt(string password) =>
            $$"""{ "Mqtt": { "UseTls": true, "ClientCertificateFile": "{{pki.ClientCertificatePath}}", "ClientCertificateKeyFile": "{{encryptedKey}}"{{password}} }, "Kafka": { "BootstrapServers": "k:9093" } }""";

        var loaded = GatewayConfiguration.Load(Write(Mqtt($$""", "ClientCertificateKeyPasswordFile": "{{rightPassword}}" """)), NoEnvironment);
        var fromEnvironment = GatewayConfiguration.Load(
            Write(Mqtt(string.Empty)), new Hashtable { ["EDGEGW__Mqtt__ClientCertificateKeyPassword"] = "mq-k3y-secret" });
        var withoutPassword = Assert.Single(Invalid(Mqtt(string.Empty)).Errors);
        var wrongPassword = Assert.Single(Invalid(Mqtt(""", "ClientCertificateKeyPassword": "not-it" """)).Errors);

        Assert.Equal("mq-k3y-secret", loaded.Mqtt.EffectiveClientKeyPassword());
        using (var certificate = CredentialFiles.LoadCertificateAndKey(pki.ClientCertificatePath, encryptedKey, loaded.Mqtt.EffectiveClientKeyPassword()))
        {
            Assert.True(certificate.HasPrivateKey);
        }

        Assert.Equal("mq-k3y-secret", fromEnvironment.Mqtt.EffectiveClientKeyPassword());
        Assert.Equal("Mqtt:ClientCertificateFile", withoutPassword.Key);
        Assert.Contains("is not a PEM certificate and matching private key", withoutPassword.Problem, StringComparison.Ordinal);
        Assert.Equal("Mqtt:ClientCertificateFile", wrongPassword.Key);
        Assert.Contains("(with that key password)", wrongPassword.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("not-it", wrongPassword.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Secret_values_are_masked_in_the_shown_configuration_while_file_paths_stay_visible()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Write("""
                {
                  "Mqtt": { "Username": "gw", "PasswordFile": "mqtt-password", "ClientCertificateKeyPassword": "mq-k3y-secret" },
                  "Kafka": { "BootstrapServers": "k:9093", "SecurityProtocol": "sasl-ssl", "Ssl": { "KeyPassword": "k3y-secret" }, "Sasl": { "Mechanism": "plain", "Username": "gw", "Password": "s4sl-secret" } }
                }
                """))
            .Build();
        var redacted = new List<string>();

        var json = ConfigurationRedactor.ToJson(configuration, redacted).ToJsonString();

        Assert.DoesNotContain("k3y-secret", json, StringComparison.Ordinal);
        Assert.DoesNotContain("s4sl-secret", json, StringComparison.Ordinal);
        Assert.DoesNotContain("mq-k3y-secret", json, StringComparison.Ordinal);
        Assert.Contains("mqtt-password", json, StringComparison.Ordinal);
        Assert.Equal(["Kafka:Sasl:Password", "Kafka:Ssl:KeyPassword", "Mqtt:ClientCertificateKeyPassword"], redacted.Order(StringComparer.Ordinal));
    }

    private string WriteEncryptedClientKey(TestCertificates pki, string password)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(pki.ClientKeyPath));
        var pem = key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000));
        return _directory.WriteFile("client-encrypted.key", pem);
    }

    private GatewayConfiguration Load(string kafka) =>
        GatewayConfiguration.Load(Write($$"""{ "Kafka": { "BootstrapServers": "k:9093", {{kafka}} } }"""), NoEnvironment);

    private ConfigurationException Invalid(string json) => Assert.Throws<ConfigurationException>(() => GatewayConfiguration.Load(Write(json), NoEnvironment));

    private string Write(string json) => _directory.WriteFile($"gateway-{Guid.NewGuid():N}.json", json);
}
