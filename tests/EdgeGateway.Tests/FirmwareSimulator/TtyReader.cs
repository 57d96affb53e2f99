using EdgeGateway.Testing.Waiting;

namespace EdgeGateway.Tests.FirmwareSimulator;

/// <summary>
/// The gateway's side of a simulated serial port, for tests: opens the tty as a program would and
/// collects what arrives. One read is outstanding at a time; a timed-out wait leaves it running for the next.
/// </summary>
internal sealed class TtyReader : IAsyncDisposable
{
    private readonly FileStream _stream;
    private readonly byte[] _chunk = new byte[4096];
    private Task<int>? _read;

    private TtyReader(FileStream stream) => _stream = stream;

    /// <summary>Bytes received and not yet consumed.</summary>
    public List<byte> Buffer { get; } = [];

    public static TtyReader Open(string path) => new(new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0));

    /// <summary>Reads until <paramref name="enough"/> says so.</summary>
    /// <exception cref="TimeoutException">It did not, in time; the message shows what arrived.</exception>
    public async Task ReadUntilAsync(Func<List<byte>, bool> enough, string description, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TestTimeouts.Default);
        while (!enough(Buffer))
        {
            _read ??= _stream.ReadAsync(_chunk).AsTask();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(_read, Task.Delay(left)) != _read)
            {
                throw new TimeoutException($"Timed out waiting for {description}; have {Buffer.Count} bytes: {Convert.ToHexString([.. Buffer.Take(200)])}");
            }

            var count = await _read;
            _read = null;
            Buffer.AddRange(_chunk.AsSpan(0, count));
        }
    }

    /// <summary>True when nothing at all arrives for <paramref name="quiet"/>.</summary>
    public async Task<bool> StaysQuietAsync(TimeSpan quiet)
    {
        _read ??= _stream.ReadAsync(_chunk).AsTask();
        if (await Task.WhenAny(_read, Task.Delay(quiet)) != _read)
        {
            return true;
        }

        var count = await _read;
        _read = null;
        Buffer.AddRange(_chunk.AsSpan(0, count));
        return count == 0;
    }

    /// <summary>Reads one text line (without its line end).</summary>
    public async Task<string> ReadLineAsync()
    {
        await ReadUntilAsync(b => b.Contains((byte)'\n'), "a line");
        var end = Buffer.IndexOf((byte)'\n');
        var line = System.Text.Encoding.ASCII.GetString([.. Buffer.Take(end)]).TrimEnd('\r');
        Buffer.RemoveRange(0, end + 1);
        return line;
    }

    public Task WriteAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
    }
}
