using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Testing.Mqtt;
using Xunit;

namespace EdgeGateway.Tests.Mqtt.Client;

public sealed class MqttClientTlsTests : MqttClientTestBase
{
    protected override MosquittoOptions BrokerOptions => new() { Tls = true, RequireClientCertificate = true };

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Connects_over_TLS_with_the_fixture_CA_and_a_client_certificate(MqttProtocolVersion version)
    {
        var topic = UniqueTopic("tls");
        var client = await ConnectAsync(version);
        await client.SubscribeAsync(topic, MqttQualityOfService.AtLeastOnce, CancellationToken);

        await client.PublishAsync(topic, "encrypted", cancellationToken: CancellationToken);

        Assert.Equal("encrypted", Text(await ReceiveAsync(client)));
    }

    [Fact]
    public async Task Without_the_client_certificate_the_connection_fails_with_a_clear_error()
    {
        var options = Options(MqttProtocolVersion.V500) with { Tls = new MqttTlsOptions { CaFile = Broker.CaCertificatePath } };
        await using var client = new MqttClient(options);

        var error = await Assert.ThrowsAnyAsync<MqttClientException>(() => client.ConnectAsync(CancellationToken));

        Assert.Contains($"{Broker.Host}:{Broker.Port}", error.Message, StringComparison.Ordinal);
        Assert.Equal(MqttConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task A_broker_certificate_from_another_CA_is_refused()
    {
        var options = Options(MqttProtocolVersion.V500) with
        {
            Tls = new MqttTlsOptions { CaFile = "/etc/ssl/certs/ca-certificates.crt", ClientCertificate = Broker.Certificates!.LoadClientCertificate() },
        };
        await using var client = new MqttClient(options);

        var error = await Assert.ThrowsAnyAsync<MqttClientException>(() => client.ConnectAsync(CancellationToken));
        Assert.Contains("Cannot connect", error.Message, StringComparison.Ordinal);
    }
}

public sealed class MqttClientAuthenticationTests : MqttClientTestBase
{
    protected override MosquittoOptions BrokerOptions => new() { Username = "gateway", Password = "s3cret" };

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttConnectReasonCode.NotAuthorized)]
    [InlineData(MqttProtocolVersion.V500, MqttConnectReasonCode.NotAuthorized)]
    public async Task A_wrong_password_fails_the_connect_with_the_reason_code(MqttProtocolVersion version, MqttConnectReasonCode expected)
    {
        Logs.ExpectErrors(e => e.EventId.Id == (int)MqttLogEvent.ConnectRefused);
        await using var client = new MqttClient(Options(version) with { Password = "wrong" });

        var error = await Assert.ThrowsAsync<MqttConnectRefusedException>(() => client.ConnectAsync(CancellationToken));

        Assert.Equal(expected, error.ReasonCode);
        Assert.Contains(expected.ToString(), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_right_password_connects()
    {
        var client = await ConnectAsync(MqttProtocolVersion.V500);

        Assert.Equal(MqttConnectionState.Connected, client.State);
    }
}
