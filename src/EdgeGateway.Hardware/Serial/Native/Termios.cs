using System.Runtime.InteropServices;
using EdgeGateway.Hardware.Native;

namespace EdgeGateway.Hardware.Serial.Native;

/// <summary>
/// The termios part of the C library and the Linux constants it needs (the "asm-generic" values, the
/// same on x86-64, arm64 and armhf). <see cref="TermiosData"/> mirrors glibc's <c>struct termios</c>.
/// </summary>
internal static unsafe partial class Termios
{
    internal const int ORdWr = 0x2;
    internal const int ONoCtty = 0x100;
    internal const int ONonBlock = 0x800;
    internal const int OCloExec = 0x80000;

    internal const int TcsaNow = 0;
    internal const int TcIFlush = 0;
    internal const int TcIOFlush = 2;

    internal const uint CSize = 0x30;
    internal const uint Cs5 = 0x00;
    internal const uint Cs6 = 0x10;
    internal const uint Cs7 = 0x20;
    internal const uint Cs8 = 0x30;
    internal const uint CStopB = 0x40;
    internal const uint CRead = 0x80;
    internal const uint ParEnb = 0x100;
    internal const uint ParOdd = 0x200;
    internal const uint HupCl = 0x400;
    internal const uint CLocal = 0x800;
    internal const uint CrtsCts = 0x80000000;

    internal const int VTime = 5;
    internal const int VMin = 6;

    internal const nuint TiocExcl = 0x540C;
    internal const int LockExclusive = 2;
    internal const int LockNonBlocking = 4;

    /// <summary>Standard rates → the <c>Bnnn</c> speed constants of <c>termbits.h</c>.</summary>
    internal static uint? SpeedConstant(int baud) => baud switch
    {
        50 => 0x1,
        75 => 0x2,
        110 => 0x3,
        134 => 0x4,
        150 => 0x5,
        200 => 0x6,
        300 => 0x7,
        600 => 0x8,
        1200 => 0x9,
        1800 => 0xA,
        2400 => 0xB,
        4800 => 0xC,
        9600 => 0xD,
        19200 => 0xE,
        38400 => 0xF,
        57600 => 0x1001,
        115200 => 0x1002,
        230400 => 0x1003,
        460800 => 0x1004,
        500000 => 0x1005,
        576000 => 0x1006,
        921600 => 0x1007,
        1000000 => 0x1008,
        _ => null,
    };

    [LibraryImport(LibC.Library, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Open(string path, int flags);

    [LibraryImport(LibC.Library, EntryPoint = "tcgetattr", SetLastError = true)]
    internal static partial int TcGetAttr(FileDescriptorHandle fd, TermiosData* termios);

    [LibraryImport(LibC.Library, EntryPoint = "tcsetattr", SetLastError = true)]
    internal static partial int TcSetAttr(FileDescriptorHandle fd, int when, TermiosData* termios);

    [LibraryImport(LibC.Library, EntryPoint = "cfmakeraw")]
    internal static partial void CfMakeRaw(TermiosData* termios);

    [LibraryImport(LibC.Library, EntryPoint = "cfsetispeed", SetLastError = true)]
    internal static partial int CfSetISpeed(TermiosData* termios, uint speed);

    [LibraryImport(LibC.Library, EntryPoint = "cfsetospeed", SetLastError = true)]
    internal static partial int CfSetOSpeed(TermiosData* termios, uint speed);

    [LibraryImport(LibC.Library, EntryPoint = "cfgetospeed")]
    internal static partial uint CfGetOSpeed(TermiosData* termios);

    [LibraryImport(LibC.Library, EntryPoint = "tcflush", SetLastError = true)]
    internal static partial int TcFlush(FileDescriptorHandle fd, int queue);

    [LibraryImport(LibC.Library, EntryPoint = "tcdrain", SetLastError = true)]
    internal static partial int TcDrain(FileDescriptorHandle fd);

    [LibraryImport(LibC.Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(FileDescriptorHandle fd, nuint request);

    [LibraryImport(LibC.Library, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(FileDescriptorHandle fd, int operation);

    /// <summary>glibc's <c>struct termios</c> (60 bytes): flags, line discipline, 32 control characters, speeds.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TermiosData
    {
        public uint InputFlags;
        public uint OutputFlags;
        public uint ControlFlags;
        public uint LocalFlags;
        public byte LineDiscipline;
        public fixed byte ControlCharacters[32];
        public uint InputSpeed;
        public uint OutputSpeed;
    }
}
