using System.Runtime.InteropServices;

namespace FirmwareSim.Serial.Native;

/// <summary>
/// The libc calls the simulator's pseudo-terminals need (Linux, glibc): <c>openpty</c>, termios raw
/// mode, non-blocking I/O, <c>poll</c>, <c>tcflush</c>, <c>ttyname_r</c>. Nothing else in the simulator
/// calls native code; <see cref="PseudoTerminal"/> is the only user.
/// </summary>
internal static unsafe partial class PosixTerminal
{
    public const int EAgain = 11;
    public const int EIntr = 4;
    public const int EIo = 5;

    private const string LibC = "libc";
    private const int GetFlags = 3;
    private const int SetFlags = 4;
    private const int NonBlocking = 0x800;
    private const int SetNow = 0;
    private const int FlushInput = 0;
    private const short PollIn = 0x1;

    // struct termios is 60 bytes on Linux (x64, arm64, armhf); the calls only need room for it.
    private const int TermiosSize = 256;

    /// <summary>Opens a controller/device pair.</summary>
    /// <exception cref="IOException">The kernel refused (errno in the message).</exception>
    public static (int Controller, int Device) OpenPair()
    {
        if (OpenPty(out var controller, out var device, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero) != 0)
        {
            throw Failure("openpty");
        }

        return (controller, device);
    }

    /// <summary>Puts a terminal in raw mode: bytes pass unchanged, no echo, no line editing, no signals.</summary>
    public static void MakeRaw(int fd)
    {
        var termios = stackalloc byte[TermiosSize];
        if (TcGetAttr(fd, termios) != 0)
        {
            throw Failure("tcgetattr");
        }

        CfMakeRaw(termios);
        if (TcSetAttr(fd, SetNow, termios) != 0)
        {
            throw Failure("tcsetattr");
        }
    }

    /// <summary>Makes reads and writes on <paramref name="fd"/> return at once instead of blocking.</summary>
    public static void MakeNonBlocking(int fd)
    {
        var flags = Fcntl(fd, GetFlags, 0);
        if (flags < 0 || Fcntl(fd, SetFlags, flags | NonBlocking) < 0)
        {
            throw Failure("fcntl(O_NONBLOCK)");
        }
    }

    /// <summary>The path of a terminal device, e.g. <c>/dev/pts/7</c>.</summary>
    public static string NameOf(int fd)
    {
        var buffer = stackalloc byte[256];
        var error = TtyNameR(fd, buffer, 256);
        return error == 0
            ? Marshal.PtrToStringUTF8((IntPtr)buffer) ?? throw new IOException("ttyname_r returned no name")
            : throw new IOException($"ttyname_r failed: errno {error}");
    }

    /// <summary>Discards what was written to the terminal but not yet read on its device side (a UART overrun).</summary>
    public static void DiscardUnread(int deviceFd)
    {
        if (TcFlush(deviceFd, FlushInput) != 0)
        {
            throw Failure("tcflush");
        }
    }

    /// <summary>Writes what the kernel takes now; -1 with errno set on failure.</summary>
    public static nint Write(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* pointer = data)
        {
            return WriteNative(fd, pointer, (nuint)data.Length);
        }
    }

    /// <summary>Reads what is there; -1 with errno set on failure (EAGAIN: nothing yet).</summary>
    public static nint Read(int fd, Span<byte> buffer)
    {
        fixed (byte* pointer = buffer)
        {
            return ReadNative(fd, pointer, (nuint)buffer.Length);
        }
    }

    /// <summary>Waits until <paramref name="fd"/> has data to read or <paramref name="milliseconds"/> pass.</summary>
    public static bool WaitReadable(int fd, int milliseconds)
    {
        var request = new PollRequest { Fd = fd, Events = PollIn };
        return Poll(&request, 1, milliseconds) > 0 && (request.ReturnedEvents & PollIn) != 0;
    }

    /// <summary>Closes a descriptor (errors ignored: there is nothing left to do with it).</summary>
    public static void Close(int fd) => _ = CloseNative(fd);

    /// <summary>The errno of the last call.</summary>
    public static int LastError => Marshal.GetLastPInvokeError();

    private static IOException Failure(string call) => new($"{call} failed: errno {Marshal.GetLastPInvokeError()}");

    [LibraryImport(LibC, EntryPoint = "openpty", SetLastError = true)]
    private static partial int OpenPty(out int controller, out int device, IntPtr name, IntPtr termios, IntPtr window);

    [LibraryImport(LibC, EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int TcGetAttr(int fd, byte* termios);

    [LibraryImport(LibC, EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int TcSetAttr(int fd, int when, byte* termios);

    [LibraryImport(LibC, EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw(byte* termios);

    [LibraryImport(LibC, EntryPoint = "tcflush", SetLastError = true)]
    private static partial int TcFlush(int fd, int queue);

    [LibraryImport(LibC, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(LibC, EntryPoint = "ttyname_r")]
    private static partial int TtyNameR(int fd, byte* buffer, nuint length);

    [LibraryImport(LibC, EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteNative(int fd, byte* data, nuint count);

    [LibraryImport(LibC, EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadNative(int fd, byte* buffer, nuint count);

    [LibraryImport(LibC, EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollRequest* requests, nuint count, int milliseconds);

    [LibraryImport(LibC, EntryPoint = "close", SetLastError = true)]
    private static partial int CloseNative(int fd);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollRequest
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }
}
