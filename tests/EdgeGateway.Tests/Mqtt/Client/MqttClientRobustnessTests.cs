using System.Net;
using System.Net.Sockets;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Mqtt.Client;

/// <summary>A broker that breaks the protocol: the client logs it, drops the connection, reconnects, never crashes.</summary>
public sealed class MqttClientRobustnessTests : LoggedTest
{
    private static readonly byte[] ConnAckV5 = [0x20, 0x03, 0x00, 0x00, 0x00];

    [Theory]
    [InlineData(new byte[] { 0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F }, "malformed remaining length")]
    [InlineData(new byte[] { 0x00, 0x00 }, "reserved packet type 0")]
    [InlineData(new byte[] { 0x36, 0x03, 0x00, 0x01, 0x61 }, "PUBLISH with QoS 3")]
    [InlineData(new byte[] { 0x10, 0x00 }, "CONNECT sent to a client")]
    [InlineData(new byte[] { 0x30, 0x06, 0x00, 0x02, 0xC3, 0x28, 0x00, 0x00 }, "invalid UTF-8 in a topic")]
    public async Task A_protocol_violation_closes_the_connection_and_the_client_reconnects(byte[] violation, string what)
    {
        Logs.ExpectErrors(e => e.EventId.Id == (int)MqttLogEvent.ProtocolError);
        await using var broker = new ScriptedBroker([[.. ConnAckV5, .. violation], ConnAckV5]);
        await using var client = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = broker.Port,
            ClientId = "robust",
            Reconnect = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(10) },
            Logger = new MqttClientLoggerAdapter(LoggerFactory.CreateLogger(what)),
        });

        await client.ConnectAsync(CancellationToken);
        await Eventually.TrueAsync(() => client.Counters.Connects == 2 && client.State == MqttConnectionState.Connected, $"the client reconnected after {what}", cancellationToken: CancellationToken);

        Assert.Equal(1, client.Counters.ProtocolErrors);
        Assert.Single(Logs.Entries, e => e.EventId.Id == (int)MqttLogEvent.ProtocolError);
    }

    [Fact]
    public async Task Random_bytes_from_the_broker_never_escape_the_client()
    {
        Logs.ExpectErrors(e => e.EventId.Id == (int)MqttLogEvent.ProtocolError);
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var scripts = Enumerable.Range(0, 30)
            .Select(_ =>
            {
                var garbage = new byte[random.Next(1, 200)];
                random.NextBytes(garbage);
                return (byte[])[.. ConnAckV5, .. garbage];
            })
            .Append(ConnAckV5)
            .ToList();
        await using var broker = new ScriptedBroker(scripts);
        await using var client = new MqttClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = broker.Port,
            ClientId = "fuzzed",
            KeepAlive = TimeSpan.FromSeconds(1),
            Reconnect = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(1), MaximumDelay = TimeSpan.FromMilliseconds(5) },
            Logger = new MqttClientLoggerAdapter(LoggerFactory.CreateLogger("fuzz")),
        });

        await client.ConnectAsync(CancellationToken);
        await Eventually.TrueAsync(() => broker.Accepted == scripts.Count && client.State == MqttConnectionState.Connected, $"all scripted connections were used (seed {seed})", cancellationToken: CancellationToken);
    }

    /// <summary>
    /// Accepts connections; on the n-th it waits for CONNECT bytes and writes script n. Every script but
    /// the last is followed by closing the sending side, so a script that ends mid-packet does not wait
    /// for a keep-alive timeout.
    /// </summary>
    private sealed class ScriptedBroker : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _connections = [];
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private int _accepted;

        public ScriptedBroker(IReadOnlyList<byte[]> scripts)
        {
            _listener.Start();
            _loop = Task.Run(() => AcceptAsync(scripts));
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted => Volatile.Read(ref _accepted);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }

            foreach (var connection in _connections)
            {
                connection.Dispose();
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync(IReadOnlyList<byte[]> scripts)
        {
            for (var i = 0; i < scripts.Count; i++)
            {
                var script = scripts[i];
                var connection = await _listener.AcceptTcpClientAsync(_stop.Token);
                _connections.Add(connection);
                var stream = connection.GetStream();
                var buffer = new byte[1024];
                _ = await stream.ReadAsync(buffer, _stop.Token);
                await stream.WriteAsync(script, _stop.Token);
                if (i < scripts.Count - 1)
                {
                    connection.Client.Shutdown(SocketShutdown.Send);
                }

                Interlocked.Increment(ref _accepted);
            }
        }
    }
}
