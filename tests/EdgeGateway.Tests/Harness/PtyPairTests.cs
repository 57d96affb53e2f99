using System.Text;
using EdgeGateway.Testing.Serial;
using Xunit;

namespace EdgeGateway.Tests.Harness;

public sealed class PtyPairTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bytes_written_by_the_sensor_side_arrive_unchanged_at_the_device_path()
    {
        using var pty = PtyPair.Open();
        Assert.StartsWith("/dev/pts/", pty.DevicePath, StringComparison.Ordinal);
        await using var device = new FileStream(pty.DevicePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);

        // Raw mode: control characters and CR/LF pass through untouched.
        byte[] frame = [0x42, 0x4D, 0x00, 0x1C, 0x0D, 0x0A, 0x03, 0xFF];
        pty.Write(frame);
        var received = new byte[frame.Length];
        await device.ReadExactlyAsync(received, Token);
        Assert.Equal(frame, received);
    }

    [Fact]
    public async Task Bytes_written_by_the_code_under_test_are_read_by_the_test()
    {
        using var pty = PtyPair.Open();
        await using var device = new FileStream(pty.DevicePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);

        await device.WriteAsync(Encoding.ASCII.GetBytes("$GPGGA,1*00\r\nAT\n"), Token);
        Assert.Equal("$GPGGA,1*00", await pty.ReadLineAsync(cancellationToken: Token));
        Assert.Equal("AT"u8.ToArray(), await pty.ReadAsync(2, cancellationToken: Token));
    }

    [Fact]
    public async Task A_read_that_gets_too_little_fails_with_what_arrived()
    {
        using var pty = PtyPair.Open();
        await using var device = new FileStream(pty.DevicePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        await device.WriteAsync(new byte[] { 0xAB }, Token);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => pty.ReadAsync(2, TimeSpan.FromMilliseconds(200), Token));
        Assert.Contains("AB", error.Message, StringComparison.Ordinal);
    }
}
