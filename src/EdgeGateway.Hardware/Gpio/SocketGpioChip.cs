using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace EdgeGateway.Hardware.Gpio;

/// <summary>
/// A simulated GPIO chip (a <see cref="SimulatedGpioChip"/>) whose input edges come from another
/// process over a Unix socket, so that the real gateway process can be driven by the sensor simulator
/// (<c>firmware-sim --gpio-socket PATH --gpio SPEC</c>). The configuration names it as chip
/// <c>sim:PATH</c>; the simulator owns the socket, as it owns the pseudo-terminals of serial sensors.
/// </summary>
/// <remarks>
/// The protocol is text, one message per line. From the simulator: <c>level OFFSET 0|1</c> (the lines'
/// levels, sent on connection), <c>ready</c> (ends the levels), then
/// <c>edge OFFSET rising|falling NANOSECONDS</c> (the edge's timestamp on the simulator's clock). From
/// the chip: <c>request OFFSET</c> when a line is requested as an input, after which the simulator
/// plays that line's edges. When the connection ends, every wait for an edge fails as on a chip that
/// went away.
/// </remarks>
public sealed class SocketGpioChip : IGpioChip
{
    /// <summary>The prefix that marks a chip path as a simulator socket.</summary>
    public const string Prefix = "sim:";

    private readonly SimulatedGpioChip _chip;
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly Lock _sendLock = new();
    private int _disposed;

    private SocketGpioChip(string name, Socket socket, StreamReader reader)
    {
        Name = name;
        _chip = new SimulatedGpioChip(name, 1024);
        _socket = socket;
        _reader = reader;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>Connects to the simulator listening on <paramref name="path"/> and takes the lines' levels.</summary>
    /// <exception cref="GpioException">Nothing listens there, or the simulator did not answer within <paramref name="timeout"/>.</exception>
    public static SocketGpioChip Connect(string path, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var name = Prefix + path;
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
            var reader = new StreamReader(new NetworkStream(socket, ownsSocket: false), Encoding.ASCII);
            var chip = new SocketGpioChip(name, socket, reader);
            while (reader.ReadLine() is { } line && line != "ready")
            {
                chip.Handle(line);
            }

            socket.ReceiveTimeout = 0;
            new Thread(chip.ReadLoop) { IsBackground = true, Name = $"gpio {name}" }.Start();
            return chip;
        }
        catch (Exception error) when (error is SocketException or IOException)
        {
            socket.Dispose();
            throw new GpioException($"GPIO chip '{name}': cannot connect to the simulator's socket {path}: {error.Message} (is firmware-sim running with --gpio-socket {path}?)", error);
        }
    }

    /// <inheritdoc />
    public IGpioInputLine RequestInput(int offset, GpioInputOptions options)
    {
        var line = _chip.RequestInput(offset, options);
        Send(string.Create(CultureInfo.InvariantCulture, $"request {offset}\n"));
        return line;
    }

    /// <inheritdoc />
    public IGpioOutputLine RequestOutput(int offset, bool initialValue, string consumer = "edge-gateway") =>
        _chip.RequestOutput(offset, initialValue, consumer);

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Closing the socket ends the reader's blocking read.
        _socket.Dispose();
        _chip.Dispose();
    }

    private void Send(string message)
    {
        try
        {
            lock (_sendLock)
            {
                _socket.Send(Encoding.ASCII.GetBytes(message));
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            _chip.Fail($"the simulator's socket is gone: {error.Message}");
        }
    }

    private void ReadLoop()
    {
        string reason;
        try
        {
            while (_reader.ReadLine() is { } line)
            {
                Handle(line);
            }

            reason = "the simulator closed its socket";
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or SocketException)
        {
            reason = $"the simulator's socket is gone: {error.Message}";
        }

        if (Volatile.Read(ref _disposed) == 0)
        {
            _chip.Fail(reason);
        }
    }

    private void Handle(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            return;
        }

        switch (parts[0])
        {
            case "level":
                _chip.SetLevel(offset, parts[2] == "1");
                break;
            case "edge" when parts.Length >= 4 && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var nanoseconds):
                var edge = parts[2] == "rising" ? GpioEdge.Rising : GpioEdge.Falling;
                try
                {
                    _chip.InjectEdge(offset, edge, TimeSpan.FromTicks(nanoseconds / 100));
                }
                catch (InvalidOperationException)
                {
                    // Not requested (any more): only its level is kept.
                    _chip.SetLevel(offset, edge == GpioEdge.Rising);
                }

                break;
        }
    }
}

/// <summary>Opens the chip a configuration names.</summary>
public static class GpioChips
{
    /// <summary>How long the simulator may take to answer a connection.</summary>
    public static readonly TimeSpan SimulatorTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Opens <paramref name="chip"/>: <c>sim:PATH</c> connects to the simulator's socket
    /// (<see cref="SocketGpioChip"/>); anything else is a GPIO character device for libgpiod
    /// (<c>gpiochip0</c> or <c>/dev/gpiochip0</c>).
    /// </summary>
    /// <exception cref="GpioException">The chip cannot be opened; the message says why.</exception>
    public static IGpioChip Open(string chip)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(chip);
        return chip.StartsWith(SocketGpioChip.Prefix, StringComparison.Ordinal)
            ? SocketGpioChip.Connect(chip[SocketGpioChip.Prefix.Length..], SimulatorTimeout)
            : LibGpiodChip.Open(chip);
    }
}
