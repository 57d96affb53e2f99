using System.Runtime.InteropServices;
using System.Text;
using EdgeGateway.Testing.Waiting;

namespace EdgeGateway.Testing.Serial;

/// <summary>
/// A pseudo-terminal pair standing in for a serial cable: the code under test opens
/// <see cref="DevicePath"/> (a real kernel tty, so termios calls work on it as on a USB-serial
/// adapter); the test plays the sensor on the other end with <see cref="Write(ReadOnlySpan{byte})"/>
/// and <see cref="ReadAsync"/>. Both ends start in raw mode (no echo, no line editing).
/// </summary>
public sealed class PtyPair : IDisposable
{
    private readonly int _controller;
    private readonly int _device;
    private readonly Lock _readLock = new();
    private readonly List<byte> _pending = [];
    private int _disposed;

    private PtyPair(int controller, int device, string devicePath)
    {
        _controller = controller;
        _device = device;
        DevicePath = devicePath;
    }

    /// <summary>The tty the code under test opens, e.g. <c>/dev/pts/7</c>.</summary>
    public string DevicePath { get; }

    /// <summary>Opens a new pair.</summary>
    /// <exception cref="IOException">The kernel refused (errno in the message).</exception>
    public static PtyPair Open()
    {
        if (PtyNativeMethods.OpenPty(out var controller, out var device, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero) != 0)
        {
            throw new IOException($"openpty failed: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            var path = PtyNativeMethods.DeviceName(device);
            MakeRaw(device);
            MakeRaw(controller);
            var flags = PtyNativeMethods.Fcntl(controller, PtyNativeMethods.FGetFl, 0);
            if (flags < 0 || PtyNativeMethods.Fcntl(controller, PtyNativeMethods.FSetFl, flags | PtyNativeMethods.ONonBlock) < 0)
            {
                throw new IOException($"fcntl(O_NONBLOCK) failed: errno {Marshal.GetLastPInvokeError()}");
            }

            return new PtyPair(controller, device, path);
        }
        catch
        {
            _ = PtyNativeMethods.Close(controller);
            _ = PtyNativeMethods.Close(device);
            throw;
        }
    }

    /// <summary>Sends bytes to the code under test, as the sensor would.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        while (!data.IsEmpty)
        {
            var written = PtyNativeMethods.Write(_controller, data);
            if (written < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == PtyNativeMethods.EAgain)
                {
                    PtyNativeMethods.WaitWritable(_controller, 50);
                    continue;
                }

                throw new IOException($"write to pty failed: errno {errno}");
            }

            data = data[(int)written..];
        }
    }

    /// <summary>Sends text (UTF-8) to the code under test.</summary>
    public void Write(string text) => Write(Encoding.UTF8.GetBytes(text));

    /// <summary>Reads exactly <paramref name="count"/> bytes written by the code under test.</summary>
    /// <exception cref="TimeoutException">Fewer bytes arrived in time; the message shows what did.</exception>
    public Task<byte[]> ReadAsync(int count, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ReadUntilAsync(buffer => buffer.Count >= count ? count : -1, $"{count} bytes", timeout, cancellationToken);

    /// <summary>Reads one line (up to and without <c>\n</c>, a trailing <c>\r</c> removed) written by the code under test.</summary>
    public async Task<string> ReadLineAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var bytes = await ReadUntilAsync(buffer => buffer.IndexOf((byte)'\n') is var i and >= 0 ? i + 1 : -1, "a line", timeout, cancellationToken);
        return Encoding.UTF8.GetString(bytes).TrimEnd('\n').TrimEnd('\r');
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _ = PtyNativeMethods.Close(_controller);
            _ = PtyNativeMethods.Close(_device);
        }
    }

    private Task<byte[]> ReadUntilAsync(Func<List<byte>, int> complete, string description, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var limit = timeout ?? TestTimeouts.Default;

        // A blocking read cannot be cancelled, so poll in short slices on a worker thread instead.
        return Task.Run(
            () =>
            {
                var deadline = DateTime.UtcNow + limit;
                var chunk = new byte[4096];
                lock (_readLock)
                {
                    while (true)
                    {
                        var end = complete(_pending);
                        if (end >= 0)
                        {
                            var result = _pending.GetRange(0, end).ToArray();
                            _pending.RemoveRange(0, end);
                            return result;
                        }

                        cancellationToken.ThrowIfCancellationRequested();
                        if (DateTime.UtcNow >= deadline)
                        {
                            throw new TimeoutException(
                                $"Timed out after {limit.TotalSeconds:0.#} s waiting for {description} on {DevicePath}; got {_pending.Count} bytes: {Convert.ToHexString([.. _pending])}");
                        }

                        if (!PtyNativeMethods.WaitReadable(_controller, 50))
                        {
                            continue;
                        }

                        var read = PtyNativeMethods.Read(_controller, chunk);
                        if (read > 0)
                        {
                            _pending.AddRange(chunk.AsSpan(0, (int)read));
                        }
                        else if (read < 0 && Marshal.GetLastPInvokeError() is not (PtyNativeMethods.EAgain or PtyNativeMethods.EIo))
                        {
                            throw new IOException($"read from pty failed: errno {Marshal.GetLastPInvokeError()}");
                        }
                    }
                }
            },
            cancellationToken);
    }

    private static void MakeRaw(int fd)
    {
        // struct termios is 60 bytes on Linux (x64 and arm64); a larger opaque buffer keeps us layout-free.
        var termios = new byte[256];
        if (PtyNativeMethods.TcGetAttr(fd, termios) != 0)
        {
            throw new IOException($"tcgetattr failed: errno {Marshal.GetLastPInvokeError()}");
        }

        PtyNativeMethods.CfMakeRaw(termios);
        if (PtyNativeMethods.TcSetAttr(fd, PtyNativeMethods.TcsaNow, termios) != 0)
        {
            throw new IOException($"tcsetattr failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
