using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using EdgeGateway.Kafka.Producing;
using EdgeGateway.Kafka.Security;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Security;

/// <summary>
/// TLS and SASL from a real librdkafka client (the gateway's producer) to <see cref="FakeKafkaBroker"/>,
/// since librdkafka's mock cluster speaks neither. What these do not show: a full produce over TLS/SASL
/// (the fake broker stops at the first data request) and SCRAM (only PLAIN is answered).
/// </summary>
public sealed class KafkaClientSecurityTests
{
    private const string SaslPassword = "kafka-sasl-Pa55-8d1f";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void The_settings_become_librdkafka_security_properties_and_the_description_holds_no_secret()
    {
        var security = new KafkaClientSecurity
        {
            Protocol = KafkaTransportSecurity.SaslSsl,
            CaFile = "/etc/edge-gateway/kafka-ca.pem",
            CertificateFile = "/etc/edge-gateway/client.pem",
            KeyFile = "/etc/edge-gateway/client.key",
            KeyPassword = "key-pa55",
            SaslMechanism = "SCRAM-SHA-512",
            SaslUsername = "gw-0042",
            SaslPassword = SaslPassword,
        };

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["security.protocol"] = "sasl_ssl",
                ["ssl.endpoint.identification.algorithm"] = "https",
                ["ssl.ca.location"] = "/etc/edge-gateway/kafka-ca.pem",
                ["ssl.certificate.location"] = "/etc/edge-gateway/client.pem",
                ["ssl.key.location"] = "/etc/edge-gateway/client.key",
                ["ssl.key.password"] = "key-pa55",
                ["sasl.mechanism"] = "SCRAM-SHA-512",
                ["sasl.username"] = "gw-0042",
                ["sasl.password"] = SaslPassword,
            },
            security.ToClientProperties());
        Assert.Equal(new Dictionary<string, string> { ["security.protocol"] = "plaintext" }, KafkaClientSecurity.None.ToClientProperties());
        Assert.DoesNotContain(SaslPassword, security.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("key-pa55", security.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_TLS_with_the_pinned_CA_and_a_client_certificate_SASL_PLAIN_authenticates_and_the_client_goes_on()
    {
        var pki = await TestCertificates.GetAsync(Token);
        using var certificate = X509Certificate2.CreateFromPemFile(pki.ServerCertificatePath, pki.ServerKeyPath);
        await using var broker = FakeKafkaBroker.Start(certificate, requireClientCertificate: true, account: ("gw-0042", SaslPassword));
        var errors = new ConcurrentQueue<string>();
        using var producer = Producer(broker, errors, new KafkaClientSecurity
        {
            Protocol = KafkaTransportSecurity.SaslSsl,
            CaFile = pki.CaCertificatePath,
            CertificateFile = pki.ClientCertificatePath,
            KeyFile = pki.ClientKeyPath,
            SaslMechanism = "PLAIN",
            SaslUsername = "gw-0042",
            SaslPassword = SaslPassword,
        });

        producer.WarmUp("edge.readings", TimeSpan.FromMilliseconds(200));

        Assert.Contains("CN=edgegw-test-client", await Eventually.WithinAsync(broker.TlsClient.Task, "the TLS handshake completes"), StringComparison.Ordinal);
        Assert.Equal(("PLAIN", "gw-0042", SaslPassword), await Eventually.WithinAsync(broker.Credentials.Task, "the client authenticates"));
        Assert.Equal(3, await Eventually.WithinAsync(broker.FirstDataRequest.Task, "the client asks for metadata after authenticating"));
        // (The broker drops the connection at that request, which the client reports as a transport error.)
        Assert.DoesNotContain(errors, e => e.Contains("Authentication", StringComparison.OrdinalIgnoreCase) || e.Contains("SSL handshake", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_SASL_password_is_reported_clearly_without_the_password()
    {
        await using var broker = FakeKafkaBroker.Start(account: ("gw-0042", SaslPassword));
        var errors = new ConcurrentQueue<string>();
        using var producer = Producer(broker, errors, new KafkaClientSecurity
        {
            Protocol = KafkaTransportSecurity.SaslPlaintext,
            SaslMechanism = "PLAIN",
            SaslUsername = "gw-0042",
            SaslPassword = "not-the-password-5e2",
        });

        producer.WarmUp("edge.readings", TimeSpan.FromMilliseconds(200));

        await Eventually.TrueAsync(
            () => errors.Any(e => e.Contains("Invalid username or password", StringComparison.Ordinal)),
            "the client reports the broker's refusal",
            cancellationToken: Token);
        Assert.Contains(errors, e => e.Contains("SASL authentication error", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("not-the-password-5e2", StringComparison.Ordinal));
        Assert.False(broker.FirstDataRequest.Task.IsCompleted);
    }

    [Fact]
    public async Task A_broker_certificate_from_another_CA_fails_the_TLS_handshake_with_a_clear_error()
    {
        var pki = await TestCertificates.GetAsync(Token);
        var otherCa = await OtherCertificateAuthority.GetAsync(Token);
        using var certificate = X509Certificate2.CreateFromPemFile(pki.ServerCertificatePath, pki.ServerKeyPath);
        await using var broker = FakeKafkaBroker.Start(certificate);
        var errors = new ConcurrentQueue<string>();
        using var producer = Producer(broker, errors, new KafkaClientSecurity { Protocol = KafkaTransportSecurity.Ssl, CaFile = otherCa });

        producer.WarmUp("edge.readings", TimeSpan.FromMilliseconds(200));

        await Eventually.TrueAsync(
            () => errors.Any(e => e.Contains("certificate verify failed", StringComparison.Ordinal)),
            "the client reports the untrusted broker certificate",
            cancellationToken: Token);
        Assert.False(broker.TlsClient.Task.IsCompleted);
    }

    private static KafkaRecordProducer Producer(FakeKafkaBroker broker, ConcurrentQueue<string> errors, KafkaClientSecurity security) =>
        new(new KafkaProducerSettings { BootstrapServers = broker.BootstrapServers, Security = security }, (error, _) => errors.Enqueue(error));
}
