namespace EdgeGateway.Hardware.Gpio;

/// <summary>
/// A GPIO chip (a Linux GPIO character device, or a simulation of one): hands out lines as inputs
/// (with bias and edge events) or outputs. Implementations: <see cref="LibGpiodChip"/> and
/// <see cref="SimulatedGpioChip"/>.
/// </summary>
public interface IGpioChip : IDisposable
{
    /// <summary>The chip's name, e.g. <c>gpiochip0</c>.</summary>
    string Name { get; }

    /// <summary>Requests <paramref name="offset"/> as an input.</summary>
    /// <exception cref="GpioException">The line does not exist or is taken.</exception>
    IGpioInputLine RequestInput(int offset, GpioInputOptions options);

    /// <summary>Requests <paramref name="offset"/> as an output (relay, light), driven to <paramref name="initialValue"/>.</summary>
    /// <exception cref="GpioException">The line does not exist or is taken.</exception>
    IGpioOutputLine RequestOutput(int offset, bool initialValue, string consumer = "edge-gateway");
}

/// <summary>An input line.</summary>
public interface IGpioInputLine : IDisposable
{
    /// <summary>The line's offset on its chip.</summary>
    int Offset { get; }

    /// <summary>The current (logical, after active-low) level.</summary>
    bool Read();

    /// <summary>Waits up to <paramref name="timeout"/> for the next edge.</summary>
    /// <returns>The edge, or null when the timeout passed.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    GpioEdgeEvent? WaitForEdge(TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>An output line.</summary>
public interface IGpioOutputLine : IDisposable
{
    /// <summary>The line's offset on its chip.</summary>
    int Offset { get; }

    /// <summary>Drives the line (logical level).</summary>
    void Write(bool value);
}

/// <summary>How an input line is requested.</summary>
public sealed record GpioInputOptions
{
    /// <summary>Pull resistor.</summary>
    public GpioBias Bias { get; init; } = GpioBias.AsIs;

    /// <summary>Whether low is "active" (contacts to ground with a pull-up).</summary>
    public bool ActiveLow { get; init; }

    /// <summary>Whether edge events are wanted (both edges).</summary>
    public bool EdgeEvents { get; init; } = true;

    /// <summary>The consumer name the kernel shows for the line (<c>gpioinfo</c>).</summary>
    public string Consumer { get; init; } = "edge-gateway";
}

/// <summary>Pull resistor of an input.</summary>
public enum GpioBias
{
    /// <summary>Leave as configured (device tree, firmware).</summary>
    AsIs,

    /// <summary>No pull resistor.</summary>
    Disabled,

    /// <summary>Pull up.</summary>
    PullUp,

    /// <summary>Pull down.</summary>
    PullDown,
}

/// <summary>Edge direction.</summary>
public enum GpioEdge
{
    /// <summary>Low to high (logical).</summary>
    Rising,

    /// <summary>High to low (logical).</summary>
    Falling,
}

/// <summary>One edge with the kernel's (or the simulation's) monotonic timestamp.</summary>
/// <param name="Edge">Which edge.</param>
/// <param name="Timestamp">When, on a monotonic clock (only differences are meaningful).</param>
public readonly record struct GpioEdgeEvent(GpioEdge Edge, TimeSpan Timestamp);
