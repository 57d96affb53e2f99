using FirmwareSim.Serial.Native;

namespace FirmwareSim.Serial;

/// <summary>
/// A pseudo-terminal standing in for a sensor's UART: a program (the gateway) opens
/// <see cref="DevicePath"/>, a real kernel tty on which termios works as on a USB-serial adapter, and
/// the simulator plays the sensor on the controller side. Both sides start raw. The simulator keeps
/// the device side open too, so the tty survives the gateway closing and reopening it; what nobody
/// reads piles up in the kernel until its buffer is full, and then, as on a real UART, the oldest
/// bytes are lost (<see cref="Write"/> reports it).
/// </summary>
public sealed class PseudoTerminal : IDisposable
{
    private readonly int _controller;
    private readonly int _device;
    private readonly Lock _writeLock = new();
    private int _disposed;

    private PseudoTerminal(int controller, int device, string devicePath)
    {
        _controller = controller;
        _device = device;
        DevicePath = devicePath;
    }

    /// <summary>The tty to point the gateway at, e.g. <c>/dev/pts/7</c>.</summary>
    public string DevicePath { get; }

    /// <summary>Opens a new pseudo-terminal.</summary>
    /// <exception cref="IOException">The kernel refused (no ptys left, no /dev/pts).</exception>
    public static PseudoTerminal Open()
    {
        var (controller, device) = PosixTerminal.OpenPair();
        try
        {
            PosixTerminal.MakeRaw(device);
            PosixTerminal.MakeRaw(controller);
            PosixTerminal.MakeNonBlocking(controller);
            return new PseudoTerminal(controller, device, PosixTerminal.NameOf(device));
        }
        catch
        {
            PosixTerminal.Close(controller);
            PosixTerminal.Close(device);
            throw;
        }
    }

    /// <summary>
    /// Sends bytes to whoever reads the tty. Returns false when the kernel's buffer was full (nobody
    /// has been reading): the unread bytes were discarded to make room, as a UART overrun would.
    /// </summary>
    /// <exception cref="IOException">The write failed for another reason.</exception>
    public bool Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var complete = true;
        lock (_writeLock)
        {
            while (!data.IsEmpty)
            {
                var written = PosixTerminal.Write(_controller, data);
                if (written >= 0)
                {
                    data = data[(int)written..];
                    continue;
                }

                var error = PosixTerminal.LastError;
                if (error == PosixTerminal.EIntr)
                {
                    continue;
                }

                if (error != PosixTerminal.EAgain || !complete)
                {
                    throw new IOException($"write to {DevicePath} failed: errno {error}");
                }

                PosixTerminal.DiscardUnread(_device);
                complete = false;
            }
        }

        return complete;
    }

    /// <summary>
    /// Reads what the other side wrote, waiting at most <paramref name="timeout"/>: the byte count, 0
    /// when nothing came.
    /// </summary>
    public int Read(Span<byte> buffer, TimeSpan timeout)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!PosixTerminal.WaitReadable(_controller, (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue)))
        {
            return 0;
        }

        var read = PosixTerminal.Read(_controller, buffer);
        if (read >= 0)
        {
            return (int)read;
        }

        var error = PosixTerminal.LastError;
        return error is PosixTerminal.EAgain or PosixTerminal.EIntr or PosixTerminal.EIo
            ? 0
            : throw new IOException($"read from {DevicePath} failed: errno {error}");
    }

    /// <summary>Closes both sides; a program that has the tty open sees it hang up.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            PosixTerminal.Close(_controller);
            PosixTerminal.Close(_device);
        }
    }
}
