using System.Runtime.InteropServices;

namespace EdgeGateway.Hardware.Gpio.Native;

/// <summary>The libgpiod v1.6 C API (Debian's libgpiod2, <c>libgpiod.so.2</c>). Pointers are opaque chip and line handles.</summary>
internal static unsafe partial class LibGpiod
{
    internal const string Library = "libgpiod.so.2";

    internal const int FlagActiveLow = 1 << 2;
    internal const int FlagBiasDisable = 1 << 3;
    internal const int FlagBiasPullDown = 1 << 4;
    internal const int FlagBiasPullUp = 1 << 5;
    internal const int EventRisingEdge = 1;

    [LibraryImport(Library, EntryPoint = "gpiod_chip_open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial IntPtr ChipOpen(string path);

    [LibraryImport(Library, EntryPoint = "gpiod_chip_open_by_name", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial IntPtr ChipOpenByName(string name);

    [LibraryImport(Library, EntryPoint = "gpiod_chip_close")]
    internal static partial void ChipClose(IntPtr chip);

    [LibraryImport(Library, EntryPoint = "gpiod_chip_num_lines")]
    internal static partial uint ChipNumLines(IntPtr chip);

    [LibraryImport(Library, EntryPoint = "gpiod_chip_get_line", SetLastError = true)]
    internal static partial IntPtr ChipGetLine(IntPtr chip, uint offset);

    [LibraryImport(Library, EntryPoint = "gpiod_line_request_input_flags", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int LineRequestInputFlags(IntPtr line, string consumer, int flags);

    [LibraryImport(Library, EntryPoint = "gpiod_line_request_both_edges_events_flags", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int LineRequestBothEdgesEventsFlags(IntPtr line, string consumer, int flags);

    [LibraryImport(Library, EntryPoint = "gpiod_line_request_output_flags", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int LineRequestOutputFlags(IntPtr line, string consumer, int flags, int defaultValue);

    [LibraryImport(Library, EntryPoint = "gpiod_line_release")]
    internal static partial void LineRelease(IntPtr line);

    [LibraryImport(Library, EntryPoint = "gpiod_line_get_value", SetLastError = true)]
    internal static partial int LineGetValue(IntPtr line);

    [LibraryImport(Library, EntryPoint = "gpiod_line_set_value", SetLastError = true)]
    internal static partial int LineSetValue(IntPtr line, int value);

    [LibraryImport(Library, EntryPoint = "gpiod_line_event_wait", SetLastError = true)]
    internal static partial int LineEventWait(IntPtr line, TimeSpec* timeout);

    [LibraryImport(Library, EntryPoint = "gpiod_line_event_read", SetLastError = true)]
    internal static partial int LineEventRead(IntPtr line, LineEvent* lineEvent);

    /// <summary><c>struct timespec</c> (time_t and long are pointer-sized on glibc Linux x86-64, arm64 and armhf).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeSpec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    /// <summary><c>struct gpiod_line_event</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct LineEvent
    {
        public TimeSpec Timestamp;
        public int EventType;
    }
}
