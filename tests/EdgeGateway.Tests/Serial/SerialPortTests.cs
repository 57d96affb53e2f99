using System.Diagnostics;
using EdgeGateway.Hardware.Serial;
using EdgeGateway.Testing.Serial;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Serial;

/// <summary>The termios wrapper against real pseudo-terminals (kernel ttys, as a USB-serial adapter is).</summary>
public sealed class SerialPortTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Bytes_from_the_sensor_side_are_read_unchanged_in_raw_mode()
    {
        using var pty = PtyPair.Open();
        using var port = SerialPort.Open(pty.DevicePath, new SerialPortSettings { Baud = 9600 });
        byte[] frame = [0x42, 0x4D, 0x00, 0x1C, 0x0D, 0x0A, 0x03, 0x11, 0x13, 0xFF];
        pty.Write(frame);

        var received = new List<byte>();
        var buffer = new byte[64];
        while (received.Count < frame.Length)
        {
            var read = port.Read(buffer, TestTimeouts.Default, Token);
            Assert.True(read > 0, "timed out waiting for the frame");
            received.AddRange(buffer.AsSpan(0, read));
        }

        Assert.Equal(frame, received);
    }

    [Fact]
    public async Task Bytes_written_to_the_port_reach_the_sensor_side()
    {
        using var pty = PtyPair.Open();
        using var port = SerialPort.Open(pty.DevicePath, new SerialPortSettings());
        port.Write([0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0xC4, 0x0B], Token);
        Assert.Equal([0x01, 0x03, 0x00, 0x00, 0x00, 0x02, 0xC4, 0x0B], await pty.ReadAsync(8, cancellationToken: Token));
    }

    [Fact]
    public void Rate_and_character_format_are_applied_to_the_tty_as_stty_sees_them()
    {
        using var pty = PtyPair.Open();
        using var port = SerialPort.Open(pty.DevicePath, new SerialPortSettings { Baud = 19200, DataBits = 7, Parity = SerialParity.Even, StopBits = SerialStopBits.Two });

        var stty = Stty(pty.DevicePath);
        Assert.Contains("speed 19200 baud", stty, StringComparison.Ordinal);
        Assert.Contains(" cstopb ", stty, StringComparison.Ordinal);
        Assert.Contains(" clocal ", stty, StringComparison.Ordinal);
        Assert.Contains(" -icanon ", stty, StringComparison.Ordinal);
        Assert.Contains(" -echo ", stty, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, SerialParity.None, SerialStopBits.One, 0x30 | 0x80 | 0x800)]
    [InlineData(7, SerialParity.Even, SerialStopBits.Two, 0x20 | 0x100 | 0x40 | 0x80 | 0x800)]
    [InlineData(8, SerialParity.Odd, SerialStopBits.One, 0x30 | 0x100 | 0x200 | 0x80 | 0x800)]
    public void Character_format_sets_the_control_flags(int dataBits, SerialParity parity, SerialStopBits stopBits, int expected)
    {
        // A pty forces cs8 and no parity whatever is asked (Linux pty driver), so these bits are checked here.
        var settings = new SerialPortSettings { DataBits = dataBits, Parity = parity, StopBits = stopBits };
        Assert.Equal((uint)expected, SerialPort.ControlFlags(0x80000000u | 0x400 | 0x30 | 0x40, settings));
    }

    [Fact]
    public void A_read_with_nothing_to_read_returns_zero_after_its_timeout()
    {
        using var pty = PtyPair.Open();
        using var port = SerialPort.Open(pty.DevicePath, new SerialPortSettings());
        var stopwatch = Stopwatch.StartNew();
        Assert.Equal(0, port.Read(new byte[16], TimeSpan.FromMilliseconds(50), Token));
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(45), $"returned after {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Cancelling_ends_a_blocked_read()
    {
        using var pty = PtyPair.Open();
        using var port = SerialPort.Open(pty.DevicePath, new SerialPortSettings());
        using var cancellation = new CancellationTokenSource();
        var reading = Task.Run(() => port.Read(new byte[16], TimeSpan.FromHours(1), cancellation.Token), Token);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.WithinAsync(reading, "the cancelled read"));
    }

    [Fact]
    public async Task Disposing_from_another_thread_ends_a_blocked_read()
    {
        using var pty = PtyPair.Open();
        var port = SerialPort.Open(pty.DevicePath, new SerialPortSettings());
        var started = new TaskCompletionSource();
        var reading = Task.Run(
            () =>
            {
                started.SetResult();
                return port.Read(new byte[16], TimeSpan.FromHours(1), Token);
            },
            Token);
        await started.Task;
        port.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Eventually.WithinAsync(reading, "the read on a disposed port"));
    }

    [Fact]
    public void A_hang_up_is_reported_as_disconnected()
    {
        var pty = PtyPair.Open();
        using var port = SerialPort.Open(pty.DevicePath, new SerialPortSettings());
        pty.Dispose();
        var error = Assert.Throws<SerialPortException>(() => port.Read(new byte[16], TestTimeouts.Default, Token));
        Assert.Equal(SerialPortError.Disconnected, error.Error);
    }

    [Fact]
    public void A_missing_device_is_named_with_a_hint()
    {
        var error = Assert.Throws<SerialPortException>(() => SerialPort.Open("/dev/ttyUSB-does-not-exist", new SerialPortSettings()));
        Assert.Equal(SerialPortError.NotFound, error.Error);
        Assert.Equal("/dev/ttyUSB-does-not-exist: no such device (is the sensor or its USB adapter plugged in, and is the path right?)", error.Message);
    }

    [Fact]
    public void A_second_exclusive_open_is_refused_as_busy()
    {
        using var pty = PtyPair.Open();
        using var first = SerialPort.Open(pty.DevicePath, new SerialPortSettings());
        var error = Assert.Throws<SerialPortException>(() => SerialPort.Open(pty.DevicePath, new SerialPortSettings()));
        Assert.Equal(SerialPortError.Busy, error.Error);
        Assert.Contains("busy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_terminal_is_refused()
    {
        var error = Assert.Throws<SerialPortException>(() => SerialPort.Open("/dev/null", new SerialPortSettings()));
        Assert.Equal(SerialPortError.NotATerminal, error.Error);
    }

    [Fact]
    public void A_non_standard_rate_is_refused_before_opening()
    {
        using var pty = PtyPair.Open();
        var error = Assert.Throws<SerialPortException>(() => SerialPort.Open(pty.DevicePath, new SerialPortSettings { Baud = 12345 }));
        Assert.Equal(SerialPortError.InvalidSettings, error.Error);
        Assert.Contains("12345 baud", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Permission_errors_point_at_the_dialout_group()
    {
        // The tests run as root, which the kernel never refuses: the errno mapping is checked directly.
        var error = SerialPort.Failure("/dev/ttyAMA0", "open", 13);
        Assert.Equal(SerialPortError.PermissionDenied, error.Error);
        Assert.Equal("/dev/ttyAMA0: permission denied (is the service user in the 'dialout' group?)", error.Message);
    }

    private static string Stty(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("stty", ["-F", path, "-a"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return " " + output.Replace('\n', ' ').Replace(';', ' ') + " ";
    }
}
