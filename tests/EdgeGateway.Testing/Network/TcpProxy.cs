using System.Net;
using System.Net.Sockets;

namespace EdgeGateway.Testing.Network;

/// <summary>
/// A TCP relay on a free 127.0.0.1 port in front of a real server: tests cut every connection
/// through it (a network failure, as the client sees it) and refuse new ones for a while, without
/// touching the server and its state.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<(TcpClient Client, TcpClient Server)> _links = [];
    private readonly HashSet<TcpClient> _frozen = [];
    private readonly Task _acceptLoop;
    private volatile bool _refusing;
    private int _accepted;

    /// <summary>Starts relaying 127.0.0.1:<see cref="Port"/> to 127.0.0.1:<paramref name="targetPort"/>.</summary>
    public TcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The port clients connect to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted (and relayed or refused) so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Connections currently relayed.</summary>
    public int OpenConnections
    {
        get
        {
            lock (_gate)
            {
                return _links.Count;
            }
        }
    }

    /// <summary>Cuts every relayed connection at once (both sides see a reset).</summary>
    public void DropConnections()
    {
        List<(TcpClient Client, TcpClient Server)> links;
        lock (_gate)
        {
            links = [.. _links];
            _links.Clear();
        }

        foreach (var (client, server) in links)
        {
            Reset(client);
            Reset(server);
        }
    }

    /// <summary>
    /// Silently stops relaying on every current connection, in both directions, without closing it:
    /// the peers see a link that went quiet (a pulled cable), which only keep-alive detects.
    /// </summary>
    public void FreezeConnections()
    {
        lock (_gate)
        {
            foreach (var (client, server) in _links)
            {
                _frozen.Add(client);
                _frozen.Add(server);
            }
        }
    }

    /// <summary>From now on, new connections are closed as soon as they are accepted (the network is down).</summary>
    public void RefuseNewConnections() => _refusing = true;

    /// <summary>Relays new connections again.</summary>
    public void AcceptNewConnections() => _refusing = false;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropConnections();
        try
        {
            await _acceptLoop;
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _accepted);
            if (_refusing)
            {
                Reset(client);
                continue;
            }

            var server = new TcpClient { NoDelay = true };
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (SocketException)
            {
                Reset(client);
                server.Dispose();
                continue;
            }

            client.NoDelay = true;
            lock (_gate)
            {
                _links.Add((client, server));
            }

            _ = RelayAsync(client, server);
            _ = RelayAsync(server, client);
        }
    }

    private async Task RelayAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            var source = from.GetStream();
            var target = to.GetStream();
            while (true)
            {
                var read = await source.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    to.Client.Shutdown(SocketShutdown.Send);
                    return;
                }

                bool frozen;
                lock (_gate)
                {
                    frozen = _frozen.Contains(from);
                }

                if (!frozen)
                {
                    await target.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
            }
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            Reset(from);
            Reset(to);
        }
    }

    private static void Reset(TcpClient client)
    {
        try
        {
            // Linger 0 makes the close a reset, as a broken network link looks to both peers.
            if (client.Client is { } socket)
            {
                socket.LingerState = new LingerOption(true, 0);
            }

            client.Dispose();
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }
}
