using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Harness;

public sealed class MosquittoBrokerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_published_message_reaches_a_subscriber()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: Token);
        await using var subscriber = await MosquittoClients.StartSubscriberAsync(broker, "harness/plain", cancellationToken: Token);

        await MosquittoClients.PublishAsync(broker, "harness/plain", "hello plain", cancellationToken: Token);

        Assert.Equal(["harness/plain hello plain"], await subscriber.WaitForMessagesAsync(cancellationToken: Token));
    }

    [Fact]
    public async Task Tls_carries_messages_and_refuses_plain_clients()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = true }, Token);
        await using var subscriber = await MosquittoClients.StartSubscriberAsync(broker, "harness/tls", cancellationToken: Token);

        await MosquittoClients.PublishAsync(broker, "harness/tls", "hello tls", cancellationToken: Token);

        Assert.Equal(["harness/tls hello tls"], await subscriber.WaitForMessagesAsync(cancellationToken: Token));
        var plain = await ExternalProcess.RunAsync(
            MosquittoClients.PublisherExecutable,
            ["-h", broker.Host, "-p", broker.Port.ToString(CultureInfo.InvariantCulture), "-t", "harness/tls", "-m", "no tls"],
            cancellationToken: Token);
        Assert.NotEqual(0, plain.ExitCode);
    }

    [Fact]
    public async Task A_dotnet_client_verifies_the_server_under_the_test_ca_and_authenticates_with_the_client_certificate()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = true, RequireClientCertificate = true }, Token);
        using var ca = broker.Certificates!.LoadCaCertificate();
        using var clientCertificate = broker.Certificates.LoadClientCertificate();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(broker.Host, broker.Port, Token);
        X509ChainStatusFlags? chainStatus = null;
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, errors) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            var valid = chain.Build(new X509Certificate2(certificate!));
            chainStatus = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, status) => all | status.Status);
            return valid && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;
        });

        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions { TargetHost = broker.Host, ClientCertificates = [clientCertificate] }, Token);

        // With TLS 1.3 a refused client certificate only shows after the handshake: an MQTT 3.1.1 CONNECT must get CONNACK "accepted".
        byte[] connect = [0x10, 0x0C, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x00];
        await tls.WriteAsync(connect, Token);
        var connack = new byte[4];
        await tls.ReadExactlyAsync(connack, Token);
        Assert.Equal(X509ChainStatusFlags.NoError, chainStatus);
        Assert.Equal([0x20, 0x02, 0x00, 0x00], connack);
    }

    [Fact]
    public async Task Mutual_tls_accepts_the_client_certificate_and_refuses_a_client_without_one()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = true, RequireClientCertificate = true }, Token);
        await using var subscriber = await MosquittoClients.StartSubscriberAsync(broker, "harness/mtls", cancellationToken: Token);

        await MosquittoClients.PublishAsync(broker, "harness/mtls", "hello mtls", cancellationToken: Token);
        var withoutCertificate = await MosquittoClients.TryPublishAsync(
            broker, "harness/mtls", "anonymous", client: new() { SendClientCertificate = false }, cancellationToken: Token);

        Assert.Equal(["harness/mtls hello mtls"], await subscriber.WaitForMessagesAsync(cancellationToken: Token));
        Assert.NotEqual(0, withoutCertificate.ExitCode);
        await broker.WaitForOutputAsync(line => line.Contains("peer did not return a certificate", StringComparison.Ordinal), "the refused handshake", Token);
    }

    [Fact]
    public async Task Credentials_are_required_and_checked()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Username = "gateway", Password = "s3cret with spaces" }, Token);
        await using var subscriber = await MosquittoClients.StartSubscriberAsync(broker, "harness/auth", cancellationToken: Token);

        await MosquittoClients.PublishAsync(broker, "harness/auth", "hello auth", cancellationToken: Token);
        var wrongPassword = await MosquittoClients.TryPublishAsync(
            broker, "harness/auth", "intruder", client: new() { Password = "wrong" }, cancellationToken: Token);

        Assert.Equal(["harness/auth hello auth"], await subscriber.WaitForMessagesAsync(cancellationToken: Token));
        Assert.NotEqual(0, wrongPassword.ExitCode);
        Assert.Contains("not authorised", wrongPassword.StandardOutput + wrongPassword.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_persistent_session_gets_a_message_queued_while_it_was_away_across_a_restart_on_the_same_port()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: Token);
        var session = new MosquittoClientOptions { ClientId = "harness-persistent", CleanSession = false };
        await using (var first = await MosquittoClients.StartSubscriberAsync(broker, "harness/persist", client: session, cancellationToken: Token))
        {
            await first.DisconnectAsync(Token);
        }

        await broker.WaitForOutputAsync(line => line.EndsWith("Client harness-persistent disconnected.", StringComparison.Ordinal), "the clean disconnect", Token);
        await MosquittoClients.PublishAsync(broker, "harness/persist", "while away", qos: 1, cancellationToken: Token);
        var port = broker.Port;
        var firstPid = broker.Pid;

        await broker.StopAsync(Token);
        Assert.False(broker.IsRunning);
        await broker.RestartAsync(Token);

        Assert.Equal(port, broker.Port);
        Assert.NotEqual(firstPid, broker.Pid);
        await using var second = await MosquittoClients.StartSubscriberAsync(broker, "harness/persist", client: session, cancellationToken: Token);
        Assert.Equal(["harness/persist while away"], await second.WaitForMessagesAsync(cancellationToken: Token));
    }

    [Fact]
    public async Task Restart_waits_while_another_process_holds_the_port()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Persistence = false }, Token);
        await broker.StopAsync(Token);
        var squatter = new TcpListener(System.Net.IPAddress.Loopback, broker.Port);
        squatter.Start();
        Task restart;
        try
        {
            restart = broker.RestartAsync(Token);
            await broker.WaitForOutputAsync(line => line.Contains("Address already in use", StringComparison.Ordinal), "a failed bind", Token);
            Assert.False(restart.IsCompleted);
        }
        finally
        {
            squatter.Stop();
        }

        await Eventually.WithinAsync(restart, "the restart");
        Assert.True(broker.IsRunning);
        await using var subscriber = await MosquittoClients.StartSubscriberAsync(broker, "harness/port", cancellationToken: Token);
        await MosquittoClients.PublishAsync(broker, "harness/port", "back", cancellationToken: Token);
        Assert.Equal(["harness/port back"], await subscriber.WaitForMessagesAsync(cancellationToken: Token));
    }

    [Fact]
    public async Task Disposing_kills_the_broker_and_deletes_its_files()
    {
        var broker = await MosquittoBroker.StartAsync(cancellationToken: Token);
        var pid = broker.Pid;
        Assert.True(Directory.Exists($"/proc/{pid}"));

        await broker.DisposeAsync();

        Assert.False(Directory.Exists($"/proc/{pid}"), $"mosquitto (pid {pid}) still exists after dispose");
        Assert.False(File.Exists(broker.ConfigPath));
        Assert.False(await Testing.Network.FreePort.AcceptsConnectionsAsync(broker.Port, Token));
    }
}
