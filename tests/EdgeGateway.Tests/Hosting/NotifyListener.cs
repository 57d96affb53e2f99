using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace EdgeGateway.Tests.Hosting;

/// <summary>
/// Plays systemd's side of <c>$NOTIFY_SOCKET</c>: a datagram socket in a temp directory that collects
/// every notification sent to it.
/// </summary>
internal sealed class NotifyListener : IDisposable
{
    private readonly Socket _socket;
    private readonly Channel<string> _messages = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _receiving;

    public NotifyListener(string path)
    {
        Path = path;
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        _receiving = Task.Run(ReceiveAsync);
    }

    public string Path { get; }

    /// <summary>Waits for the next notification that contains <paramref name="line"/> as one of its lines.</summary>
    public async Task<string> WaitForAsync(string line, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            while (true)
            {
                var message = await _messages.Reader.ReadAsync(timeout.Token);
                if (message.Split('\n').Contains(line))
                {
                    return message;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No '{line}' notification within 60 s.");
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _receiving.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
        File.Delete(Path);
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var received = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                _messages.Writer.TryWrite(Encoding.UTF8.GetString(buffer, 0, received));
            }
        }
        catch (Exception error) when (error is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }
}
