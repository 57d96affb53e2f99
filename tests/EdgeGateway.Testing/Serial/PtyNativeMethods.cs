using System.Runtime.InteropServices;

namespace EdgeGateway.Testing.Serial;

/// <summary>The libc calls behind <see cref="PtyPair"/>.</summary>
internal static unsafe partial class PtyNativeMethods
{
    internal const int FGetFl = 3;
    internal const int FSetFl = 4;
    internal const int ONonBlock = 0x800;
    internal const int TcsaNow = 0;
    internal const int EAgain = 11;
    internal const int EIo = 5;
    private const short PollIn = 0x1;
    private const short PollOut = 0x4;

    [LibraryImport("libc", EntryPoint = "openpty", SetLastError = true)]
    internal static partial int OpenPty(out int controller, out int device, IntPtr name, IntPtr termios, IntPtr window);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    internal static partial int TcGetAttr(int fd, [Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    internal static partial int TcSetAttr(int fd, int when, byte[] termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    internal static partial void CfMakeRaw([In, Out] byte[] termios);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint ReadNative(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteNative(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "ttyname_r", SetLastError = true)]
    private static partial int TtyNameR(int fd, byte* buffer, nuint length);

    internal static string DeviceName(int deviceFd)
    {
        var buffer = stackalloc byte[256];
        var result = TtyNameR(deviceFd, buffer, 256);
        if (result != 0)
        {
            throw new IOException($"ttyname_r failed: errno {result}");
        }

        return Marshal.PtrToStringUTF8((IntPtr)buffer)!;
    }

    internal static nint Read(int fd, Span<byte> buffer)
    {
        fixed (byte* pointer = buffer)
        {
            return ReadNative(fd, pointer, (nuint)buffer.Length);
        }
    }

    internal static nint Write(int fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* pointer = buffer)
        {
            return WriteNative(fd, pointer, (nuint)buffer.Length);
        }
    }

    internal static bool WaitReadable(int fd, int timeoutMilliseconds) => WaitFor(fd, PollIn, timeoutMilliseconds);

    internal static bool WaitWritable(int fd, int timeoutMilliseconds) => WaitFor(fd, PollOut, timeoutMilliseconds);

    private static bool WaitFor(int fd, short events, int timeoutMilliseconds)
    {
        var poll = new PollFd { Fd = fd, Events = events };
        return Poll(&poll, 1, timeoutMilliseconds) > 0 && (poll.ReturnedEvents & events) != 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }
}
