using System.Runtime.InteropServices;
using EdgeGateway.Hardware.Native;
using EdgeGateway.Hardware.Serial.Native;

namespace EdgeGateway.Hardware.Serial;

/// <summary>
/// A serial port (UART, USB-serial adapter, pty) opened through termios: raw mode, the configured rate
/// and character format, exclusive by default. Reads wait with <c>poll</c> on the device and on a
/// wake-up event, so a timeout, a cancellation token or <see cref="Dispose"/> from another thread ends a
/// blocked read. One reader and one writer at a time.
/// </summary>
public sealed unsafe class SerialPort : IDisposable
{
    private readonly FileDescriptorHandle _handle;
    private readonly WakeUpEvent _wakeUp;
    private int _disposed;

    private SerialPort(string path, SerialPortSettings settings, FileDescriptorHandle handle, WakeUpEvent wakeUp)
    {
        Path = path;
        Settings = settings;
        _handle = handle;
        _wakeUp = wakeUp;
    }

    /// <summary>The device path it was opened with.</summary>
    public string Path { get; }

    /// <summary>The line settings applied.</summary>
    public SerialPortSettings Settings { get; }

    /// <summary>Opens and configures <paramref name="path"/>.</summary>
    /// <exception cref="SerialPortException">The device is missing, not accessible, busy, not a tty, or refuses the settings; the message says which.</exception>
    public static SerialPort Open(string path, SerialPortSettings settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(settings);
        var speed = Termios.SpeedConstant(settings.Baud)
            ?? throw new SerialPortException(SerialPortError.InvalidSettings, path, $"{path}: {settings.Baud} baud is not a standard rate (e.g. 9600, 19200, 38400, 57600, 115200)");
        if (settings.DataBits is < 5 or > 8)
        {
            throw new SerialPortException(SerialPortError.InvalidSettings, path, $"{path}: {settings.DataBits} data bits is not supported (5 to 8)");
        }

        // Non-blocking open: a modem-control line must not hang the open; reads wait in poll() instead.
        var fd = Termios.Open(path, Termios.ORdWr | Termios.ONoCtty | Termios.ONonBlock | Termios.OCloExec);
        if (fd < 0)
        {
            throw Failure(path, "open", Marshal.GetLastPInvokeError());
        }

        var handle = new FileDescriptorHandle(fd);
        WakeUpEvent? wakeUp = null;
        try
        {
            if (settings.Exclusive)
            {
                // flock covers every process (root too); TIOCEXCL makes the kernel refuse further opens by non-root ones.
                if (Termios.Flock(handle, Termios.LockExclusive | Termios.LockNonBlocking) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    throw errno == LibC.EAgain
                        ? new SerialPortException(SerialPortError.Busy, path, $"{path}: device busy: another process has it open (a second gateway, ModemManager, a terminal program?)", errno)
                        : Failure(path, "flock", errno);
                }

                if (Termios.Ioctl(handle, Termios.TiocExcl) != 0)
                {
                    throw Failure(path, "ioctl(TIOCEXCL)", Marshal.GetLastPInvokeError());
                }
            }

            Configure(handle, path, settings, speed);
            wakeUp = new WakeUpEvent();
            return new SerialPort(path, settings, handle, wakeUp);
        }
        catch
        {
            wakeUp?.Dispose();
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads what has arrived, waiting up to <paramref name="timeout"/> for the first byte.
    /// </summary>
    /// <returns>The number of bytes read; 0 when the timeout passed with nothing to read.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The port was disposed (also while waiting).</exception>
    /// <exception cref="SerialPortException">The device went away (<see cref="SerialPortError.Disconnected"/>) or another error.</exception>
    public int Read(Span<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        using var registration = cancellationToken.Register(static state => ((WakeUpEvent)state!).Signal(), _wakeUp);
        var deadline = Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            var remaining = (int)Math.Clamp(deadline - Environment.TickCount64, 0, int.MaxValue);
            var events = Wait(LibC.PollIn, remaining);
            if (events == 0)
            {
                if (remaining == 0)
                {
                    return 0;
                }

                continue;
            }

            var read = ReadOnce(buffer);
            if (read > 0)
            {
                return read;
            }

            if ((events & (LibC.PollHup | LibC.PollErr | LibC.PollNval)) != 0 || read == 0)
            {
                throw Disconnected();
            }
        }
    }

    /// <summary>Writes all of <paramref name="data"/>, waiting while the driver's buffer is full.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SerialPortException">The device went away or another error.</exception>
    public void Write(ReadOnlySpan<byte> data, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        using var registration = cancellationToken.Register(static state => ((WakeUpEvent)state!).Signal(), _wakeUp);
        while (!data.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            nint written;
            fixed (byte* pointer = data)
            {
                written = LibC.Write(_handle, pointer, (nuint)data.Length);
            }

            if (written >= 0)
            {
                data = data[(int)written..];
                continue;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EAgain)
            {
                _ = Wait(LibC.PollOut, 1000);
            }
            else if (errno != LibC.EIntr)
            {
                throw IsGone(errno) ? Disconnected() : Failure(Path, "write", errno);
            }
        }
    }

    /// <summary>Drops bytes received but not yet read (before a request that expects a fresh answer).</summary>
    public void DiscardInput()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Termios.TcFlush(_handle, Termios.TcIFlush) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw IsGone(errno) ? Disconnected() : Failure(Path, "tcflush", errno);
        }
    }

    /// <summary>Closes the port; a read blocked on another thread ends with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Wake a blocked poll first; the SafeHandle defers the close until that call has returned.
        _wakeUp.Signal();
        _handle.Dispose();
        _wakeUp.Dispose();
    }

    private static void Configure(FileDescriptorHandle handle, string path, SerialPortSettings settings, uint speed)
    {
        Termios.TermiosData termios;
        if (Termios.TcGetAttr(handle, &termios) != 0)
        {
            throw Failure(path, "tcgetattr", Marshal.GetLastPInvokeError());
        }

        Termios.CfMakeRaw(&termios);
        termios.ControlFlags = ControlFlags(termios.ControlFlags, settings);

        // Reads never block in the kernel (VMIN = VTIME = 0 with O_NONBLOCK); waiting happens in poll().
        termios.ControlCharacters[Termios.VMin] = 0;
        termios.ControlCharacters[Termios.VTime] = 0;
        if (Termios.CfSetISpeed(&termios, speed) != 0 || Termios.CfSetOSpeed(&termios, speed) != 0)
        {
            throw new SerialPortException(SerialPortError.InvalidSettings, path, $"{path}: the driver refuses {settings.Baud} baud", Marshal.GetLastPInvokeError());
        }

        if (Termios.TcSetAttr(handle, Termios.TcsaNow, &termios) != 0)
        {
            throw Failure(path, "tcsetattr", Marshal.GetLastPInvokeError());
        }

        // Whatever the line carried before we configured it is noise at the wrong settings.
        _ = Termios.TcFlush(handle, Termios.TcIOFlush);
    }

    /// <summary>The termios <c>c_cflag</c> for <paramref name="settings"/>: receiver on, modem lines ignored, no hardware flow control.</summary>
    internal static uint ControlFlags(uint current, SerialPortSettings settings)
    {
        var control = current & ~(Termios.CSize | Termios.CStopB | Termios.ParEnb | Termios.ParOdd | Termios.CrtsCts | Termios.HupCl);
        control |= Termios.CRead | Termios.CLocal;
        control |= settings.DataBits switch
        {
            5 => Termios.Cs5,
            6 => Termios.Cs6,
            7 => Termios.Cs7,
            _ => Termios.Cs8,
        };
        control |= settings.Parity switch
        {
            SerialParity.Even => Termios.ParEnb,
            SerialParity.Odd => Termios.ParEnb | Termios.ParOdd,
            _ => 0u,
        };
        if (settings.StopBits == SerialStopBits.Two)
        {
            control |= Termios.CStopB;
        }

        return control;
    }

    private int ReadOnce(Span<byte> buffer)
    {
        nint read;
        fixed (byte* pointer = buffer)
        {
            read = LibC.Read(_handle, pointer, (nuint)buffer.Length);
        }

        if (read >= 0)
        {
            return (int)read;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is LibC.EAgain or LibC.EIntr)
        {
            return -1;
        }

        throw IsGone(errno) ? Disconnected() : Failure(Path, "read", errno);
    }

    /// <returns>The device's returned events, or 0 when the wait ended without any (timeout or wake-up).</returns>
    private short Wait(short events, int timeoutMilliseconds)
    {
        var added = false;
        var wakeAdded = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            _wakeUp.Handle.DangerousAddRef(ref wakeAdded);
            var fds = stackalloc LibC.PollFd[2];
            fds[0] = new LibC.PollFd { Fd = _handle.Descriptor, Events = events };
            fds[1] = new LibC.PollFd { Fd = _wakeUp.Handle.Descriptor, Events = LibC.PollIn };
            var result = LibC.Poll(fds, 2, timeoutMilliseconds);
            if (result < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno == LibC.EIntr ? (short)0 : throw Failure(Path, "poll", errno);
            }

            if (fds[1].ReturnedEvents != 0)
            {
                _wakeUp.Reset();
            }

            return fds[0].ReturnedEvents;
        }
        finally
        {
            if (wakeAdded)
            {
                _wakeUp.Handle.DangerousRelease();
            }

            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    private SerialPortException Disconnected() =>
        new(SerialPortError.Disconnected, Path, $"{Path}: the device went away (hang-up; unplugged?)");

    private static bool IsGone(int errno) => errno is LibC.EIo or LibC.ENxIo or LibC.ENoDev;

    internal static SerialPortException Failure(string path, string operation, int errno) => errno switch
    {
        LibC.ENoEnt => new(SerialPortError.NotFound, path, $"{path}: no such device (is the sensor or its USB adapter plugged in, and is the path right?)", errno),
        LibC.EAccess or LibC.EPerm => new(SerialPortError.PermissionDenied, path, $"{path}: permission denied (is the service user in the 'dialout' group?)", errno),
        LibC.EBusy => new(SerialPortError.Busy, path, $"{path}: device busy (opened exclusively by another process?)", errno),
        LibC.ENotTy => new(SerialPortError.NotATerminal, path, $"{path}: not a serial device (a terminal was expected)", errno),
        LibC.ENxIo or LibC.ENoDev or LibC.EIo => new(SerialPortError.Disconnected, path, $"{path}: {operation} failed: the device is gone ({LibC.ErrorText(errno)})", errno),
        _ => new(SerialPortError.Io, path, $"{path}: {operation} failed: {LibC.ErrorText(errno)} (errno {errno})", errno),
    };
}
