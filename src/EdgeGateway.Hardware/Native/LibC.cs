using System.Runtime.InteropServices;

namespace EdgeGateway.Hardware.Native;

/// <summary>
/// The generic POSIX calls shared by the serial and GPIO wrappers (glibc; constants as on Linux
/// x86-64, arm64 and armhf, which share them).
/// </summary>
internal static unsafe partial class LibC
{
    internal const string Library = "libc";

    internal const int EPerm = 1;
    internal const int ENoEnt = 2;
    internal const int EIntr = 4;
    internal const int EIo = 5;
    internal const int ENxIo = 6;
    internal const int EAgain = 11;
    internal const int EAccess = 13;
    internal const int EBusy = 16;
    internal const int ENoDev = 19;
    internal const int ENotTy = 25;

    internal const short PollIn = 0x1;
    internal const short PollOut = 0x4;
    internal const short PollErr = 0x8;
    internal const short PollHup = 0x10;
    internal const short PollNval = 0x20;

    internal const int EfdCloExec = 0x80000;
    internal const int EfdNonBlock = 0x800;

    internal const int WriteOk = 2;
    internal const int ReadOk = 4;

    // access(2) checks with the real uid; for a service that is the same as the effective one.
    [LibraryImport(Library, EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Access(string path, int mode);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(FileDescriptorHandle fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(FileDescriptorHandle fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Library, EntryPoint = "strerror_r")]
    private static partial IntPtr StrErrorR(int errno, byte* buffer, nuint length);

    /// <summary>The C library's text for <paramref name="errno"/>, e.g. "No such file or directory".</summary>
    internal static string ErrorText(int errno)
    {
        var buffer = stackalloc byte[256];

        // glibc's GNU strerror_r returns a pointer to the text (in the buffer or a static string).
        var text = StrErrorR(errno, buffer, 256);
        return Marshal.PtrToStringUTF8(text) ?? $"errno {errno}";
    }

    /// <summary>One entry of <c>poll</c>'s array.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }
}
