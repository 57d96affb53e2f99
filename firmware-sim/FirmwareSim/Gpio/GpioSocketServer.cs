using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace FirmwareSim.Gpio;

/// <summary>
/// Plays GPIO lines to the gateway's simulated chip (configured as chip <c>sim:PATH</c>) over a Unix
/// socket the simulator owns, as it owns the pseudo-terminals of serial sensors. On each connection
/// it sends the lines' levels (<c>level OFFSET 0|1</c>) and <c>ready</c>; a line starts playing once a
/// client sends <c>request OFFSET</c>, and its edges go to every client that requested it as
/// <c>edge OFFSET rising|falling NANOSECONDS</c> (the edge's true time since 1970). Bounce edges are sent with
/// the real edge they follow, so that scheduling jitter cannot split a bounce burst. The ledger (if
/// any) gets one JSON line per real edge delivered to a client:
/// <c>{"line":"counter-17","offset":17,"edge":"rising","time":1795341600123456}</c> (microseconds).
/// </summary>
public sealed class GpioSocketServer : IDisposable
{
    /// <summary>How long the socket stays open after the lines stopped playing.</summary>
    public static readonly TimeSpan LingerOnStop = TimeSpan.FromMilliseconds(250);

    private readonly Socket _listener;
    private readonly string _path;
    private readonly IReadOnlyList<GpioLineSettings> _lines;
    private readonly long _seed;
    private readonly TimeProvider _time;
    private readonly StreamWriter? _ledger;
    private readonly Lock _lock = new();
    private readonly List<Client> _clients = [];
    private readonly bool[] _levels;
    private readonly Task?[] _players;
    private long _edges;
    private long _realEdges;
    private long _bounceEdges;

    private GpioSocketServer(Socket listener, string path, IReadOnlyList<GpioLineSettings> lines, long seed, TimeProvider time, StreamWriter? ledger)
    {
        _listener = listener;
        _path = path;
        _lines = lines;
        _seed = seed;
        _time = time;
        _ledger = ledger;
        _levels = [.. lines.Select(l => l.Kind == GpioLineKind.Contact && l.StartsClosed)];
        _players = new Task?[lines.Count];
    }

    /// <summary>The socket's path.</summary>
    public string Path => _path;

    /// <summary>The lines.</summary>
    public IReadOnlyList<GpioLineSettings> Lines => _lines;

    /// <summary>Edges delivered to at least one client.</summary>
    public long Edges => Interlocked.Read(ref _edges);

    /// <summary>Real edges (pulse edges, contact changes) delivered.</summary>
    public long RealEdges => Interlocked.Read(ref _realEdges);

    /// <summary>Bounce edges delivered.</summary>
    public long BounceEdges => Interlocked.Read(ref _bounceEdges);

    /// <summary>Creates the socket (replacing a stale one) and the ledger; nothing is played until <see cref="RunAsync"/>.</summary>
    /// <exception cref="IOException">The socket cannot be created.</exception>
    public static GpioSocketServer Listen(string path, IReadOnlyList<GpioLineSettings> lines, long seed, TimeProvider time, string? ledgerPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(time);
        if (File.Exists(path))
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"{path} is in use: another simulator listens there");
            }
            catch (SocketException)
            {
                // A socket left by a run that was killed: a new bind would fail on it.
                File.Delete(path);
            }
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen();
        }
        catch (SocketException error)
        {
            listener.Dispose();
            throw new IOException($"cannot listen on {path}: {error.Message}", error);
        }

        var ledger = ledgerPath is null ? null : new StreamWriter(ledgerPath, append: false, Encoding.UTF8);
        return new GpioSocketServer(listener, path, lines, seed, time, ledger);
    }

    /// <summary>Accepts clients and plays the lines they request until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var readers = new List<Task>();
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync(cancellationToken);
                var client = new Client(socket);
                lock (_lock)
                {
                    var hello = new StringBuilder();
                    for (var i = 0; i < _lines.Count; i++)
                    {
                        hello.Append(CultureInfo.InvariantCulture, $"level {_lines[i].Offset} {(_levels[i] ? 1 : 0)}\n");
                    }

                    hello.Append("ready\n");
                    if (client.TrySend(hello.ToString()))
                    {
                        _clients.Add(client);
                    }
                }

                readers.Add(ReadRequestsAsync(client, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
        finally
        {
            // The players stop with the same token; the clients get a moment to settle the last edges
            // (a contact's change is reported once its level held for the gateway's debounce time).
            Task[] players;
            lock (_lock)
            {
                players = [.. _players.OfType<Task>()];
            }

            await Task.WhenAll(players);
            await Task.Delay(LingerOnStop, _time, CancellationToken.None);
            lock (_lock)
            {
                foreach (var client in _clients)
                {
                    client.Socket.Dispose();
                }

                _clients.Clear();
            }

            await Task.WhenAll(readers);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _listener.Dispose();
        File.Delete(_path);
        lock (_lock)
        {
            _ledger?.Dispose();
        }
    }

    private async Task ReadRequestsAsync(Client client, CancellationToken cancellationToken)
    {
        try
        {
            // Ends when the client goes or the run disposes the socket (after the linger), not at cancellation.
            using var reader = new StreamReader(new NetworkStream(client.Socket), Encoding.ASCII);
            while (await reader.ReadLineAsync(CancellationToken.None) is { } message)
            {
                var parts = message.Split(' ');
                if (parts is ["request", var text] && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                    && _lines.ToList().FindIndex(l => l.Offset == offset) is var index and >= 0)
                {
                    lock (_lock)
                    {
                        client.Requested.Add(index);
                        _players[index] ??= PlayAsync(index, cancellationToken);
                    }
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
            // The run is over or the client went away.
        }

        lock (_lock)
        {
            _clients.Remove(client);
        }

        client.Socket.Dispose();
    }

    private async Task PlayAsync(int index, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var line = _lines[index];
        var random = new Random(unchecked((int)((_seed * 1_000_003) + line.Offset)));
        var from = _time.GetUtcNow();
        var edges = line.Kind == GpioLineKind.Counter
            ? PulseTrains.Counter(_ => line.Rate, line.Rate, from, DateTimeOffset.MaxValue, line.Width, random, line.Bounce)
            : PulseTrains.Contact(line.MeanClosed, line.MeanOpen, from, DateTimeOffset.MaxValue, line.StartsClosed, random, line.Bounce);
        var burst = new List<GpioEdge>();
        try
        {
            using var enumerator = edges.GetEnumerator();
            var more = enumerator.MoveNext();
            while (more)
            {
                // A real edge and the bounce that follows it go out together.
                burst.Clear();
                burst.Add(enumerator.Current);
                while ((more = enumerator.MoveNext()) && enumerator.Current.IsBounce)
                {
                    burst.Add(enumerator.Current);
                }

                var wait = burst[0].Time - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken);
                }

                Send(index, burst);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private void Send(int index, List<GpioEdge> burst)
    {
        var line = _lines[index];
        var text = new StringBuilder();
        foreach (var edge in burst)
        {
            text.Append(CultureInfo.InvariantCulture, $"edge {line.Offset} {(edge.Kind == EdgeKind.Rising ? "rising" : "falling")} {(edge.Time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100}\n");
        }

        lock (_lock)
        {
            _levels[index] = burst[^1].Kind == EdgeKind.Rising;
            var delivered = false;
            foreach (var client in _clients.Where(c => c.Requested.Contains(index)).ToList())
            {
                if (client.TrySend(text.ToString()))
                {
                    delivered = true;
                }
                else
                {
                    _clients.Remove(client);
                }
            }

            if (!delivered)
            {
                return;
            }

            Interlocked.Add(ref _edges, burst.Count);
            Interlocked.Add(ref _bounceEdges, burst.Count - 1);
            Interlocked.Increment(ref _realEdges);
            if (_ledger is not null)
            {
                var real = burst[0];
                _ledger.Write(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{{\"line\":{JsonSerializer.Serialize(line.Name)},\"offset\":{line.Offset},\"edge\":\"{(real.Kind == EdgeKind.Rising ? "rising" : "falling")}\",\"time\":{Microseconds(real.Time)}}}\n"));
                _ledger.Flush();
            }
        }
    }

    private static long Microseconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private sealed class Client(Socket socket)
    {
        public Socket Socket { get; } = socket;

        public HashSet<int> Requested { get; } = [];

        public bool TrySend(string text)
        {
            try
            {
                Socket.Send(Encoding.ASCII.GetBytes(text));
                return true;
            }
            catch (Exception error) when (error is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
