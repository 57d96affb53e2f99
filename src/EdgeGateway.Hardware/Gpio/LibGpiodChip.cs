using System.Runtime.InteropServices;
using EdgeGateway.Hardware.Gpio.Native;
using EdgeGateway.Hardware.Native;

namespace EdgeGateway.Hardware.Gpio;

/// <summary>
/// A GPIO chip through Debian's libgpiod2 (v1.6 API) on the Linux GPIO character device
/// (<c>/dev/gpiochipN</c>). Edge timestamps are the kernel's.
/// </summary>
public sealed unsafe class LibGpiodChip : IGpioChip
{
    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(100);
    private IntPtr _chip;

    private LibGpiodChip(string name, IntPtr chip)
    {
        Name = name;
        _chip = chip;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Opens a chip by name (<c>gpiochip0</c>) or path (<c>/dev/gpiochip0</c>).</summary>
    /// <exception cref="GpioException">The chip is absent, not accessible, or libgpiod is not installed; the message names the chip and the likely cause.</exception>
    public static LibGpiodChip Open(string chip)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(chip);
        var path = chip.StartsWith('/') ? chip : $"/dev/{chip}";
        IntPtr handle;
        try
        {
            handle = chip.StartsWith('/') ? LibGpiod.ChipOpen(chip) : LibGpiod.ChipOpenByName(chip);
        }
        catch (DllNotFoundException error)
        {
            throw new GpioException($"GPIO chip '{chip}': {LibGpiod.Library} is not installed (Debian package libgpiod2)", error);
        }

        if (handle == IntPtr.Zero)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new GpioException(errno switch
            {
                LibC.ENoEnt => $"GPIO chip '{chip}' not found: {path} does not exist (no GPIO controller on this machine, a different chip name on this board — see gpiodetect — or the device not passed into the container)",
                LibC.EAccess or LibC.EPerm => $"GPIO chip '{chip}': permission denied on {path} (is the service user in the 'gpio' group?)",
                LibC.ENotTy or LibC.ENoDev => $"GPIO chip '{chip}': {path} is not a GPIO character device",
                _ => $"GPIO chip '{chip}': cannot open {path}: {LibC.ErrorText(errno)} (errno {errno})",
            });
        }

        return new LibGpiodChip(chip, handle);
    }

    /// <inheritdoc />
    public IGpioInputLine RequestInput(int offset, GpioInputOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var line = Line(offset);
        var flags = (options.ActiveLow ? LibGpiod.FlagActiveLow : 0) | options.Bias switch
        {
            GpioBias.Disabled => LibGpiod.FlagBiasDisable,
            GpioBias.PullUp => LibGpiod.FlagBiasPullUp,
            GpioBias.PullDown => LibGpiod.FlagBiasPullDown,
            _ => 0,
        };
        var result = options.EdgeEvents
            ? LibGpiod.LineRequestBothEdgesEventsFlags(line, options.Consumer, flags)
            : LibGpiod.LineRequestInputFlags(line, options.Consumer, flags);
        Check(result, offset, "request as input");
        return new InputLine(this, line, offset);
    }

    /// <inheritdoc />
    public IGpioOutputLine RequestOutput(int offset, bool initialValue, string consumer = "edge-gateway")
    {
        var line = Line(offset);
        Check(LibGpiod.LineRequestOutputFlags(line, consumer, 0, initialValue ? 1 : 0), offset, "request as output");
        return new OutputLine(this, line, offset);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        var chip = Interlocked.Exchange(ref _chip, IntPtr.Zero);
        if (chip != IntPtr.Zero)
        {
            LibGpiod.ChipClose(chip);
        }
    }

    private IntPtr Line(int offset)
    {
        ObjectDisposedException.ThrowIf(_chip == IntPtr.Zero, this);
        var count = LibGpiod.ChipNumLines(_chip);
        if (offset < 0 || offset >= count)
        {
            throw new GpioException($"GPIO chip '{Name}' has lines 0 to {count - 1}; there is no line {offset}");
        }

        return LibGpiod.ChipGetLine(_chip, (uint)offset);
    }

    private void Check(int result, int offset, string operation)
    {
        if (result < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new GpioException(errno == LibC.EBusy
                ? $"GPIO chip '{Name}' line {offset}: busy (another program or a kernel driver holds it; see gpioinfo)"
                : $"GPIO chip '{Name}' line {offset}: {operation} failed: {LibC.ErrorText(errno)} (errno {errno})");
        }
    }

    private sealed class InputLine(LibGpiodChip chip, IntPtr line, int offset) : IGpioInputLine
    {
        public int Offset => offset;

        public bool Read()
        {
            var value = LibGpiod.LineGetValue(line);
            chip.Check(value, offset, "read");
            return value == 1;
        }

        public GpioEdgeEvent? WaitForEdge(TimeSpan timeout, CancellationToken cancellationToken)
        {
            // libgpiod 1.6 waits in ppoll without a wake-up: short slices keep cancellation prompt.
            var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var slice = TimeSpan.FromMilliseconds(Math.Clamp(deadline - Environment.TickCount64, 0, (long)WaitSlice.TotalMilliseconds));
                var wait = new LibGpiod.TimeSpec { Seconds = 0, Nanoseconds = (nint)(slice.Ticks * 100) };
                var result = LibGpiod.LineEventWait(line, &wait);
                chip.Check(result, offset, "wait for an edge");
                if (result == 1)
                {
                    LibGpiod.LineEvent lineEvent;
                    chip.Check(LibGpiod.LineEventRead(line, &lineEvent), offset, "read an edge");
                    var timestamp = TimeSpan.FromSeconds(lineEvent.Timestamp.Seconds) + TimeSpan.FromTicks(lineEvent.Timestamp.Nanoseconds / 100);
                    return new GpioEdgeEvent(lineEvent.EventType == LibGpiod.EventRisingEdge ? GpioEdge.Rising : GpioEdge.Falling, timestamp);
                }

                if (Environment.TickCount64 >= deadline)
                {
                    return null;
                }
            }
        }

        public void Dispose() => LibGpiod.LineRelease(line);
    }

    private sealed class OutputLine(LibGpiodChip chip, IntPtr line, int offset) : IGpioOutputLine
    {
        public int Offset => offset;

        public void Write(bool value) => chip.Check(LibGpiod.LineSetValue(line, value ? 1 : 0), offset, "write");

        public void Dispose() => LibGpiod.LineRelease(line);
    }
}
