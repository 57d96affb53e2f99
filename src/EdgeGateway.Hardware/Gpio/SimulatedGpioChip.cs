using System.Collections.Concurrent;

namespace EdgeGateway.Hardware.Gpio;

/// <summary>
/// A GPIO chip in memory, for tests and try-outs without hardware: inputs change only through
/// <see cref="InjectEdge"/> (with the timestamp the kernel would have given), outputs keep what was
/// written (<see cref="OutputLevel"/>). <see cref="Fail"/> makes it behave like a chip that went away.
/// </summary>
public sealed class SimulatedGpioChip(string name = "simulated", int lineCount = 64) : IGpioChip
{
    private readonly ConcurrentDictionary<int, SimulatedInput> _inputs = new();
    private readonly ConcurrentDictionary<int, bool> _outputs = new();
    private readonly ConcurrentDictionary<int, bool> _levels = new();
    private volatile string? _failure;

    /// <inheritdoc />
    public string Name => name;

    /// <inheritdoc />
    public IGpioInputLine RequestInput(int offset, GpioInputOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckFree(offset);
        var input = new SimulatedInput(this, offset, _levels.TryGetValue(offset, out var level) ? level : options.Bias == GpioBias.PullUp);
        if (!_inputs.TryAdd(offset, input))
        {
            throw new GpioException($"GPIO chip '{name}' line {offset}: busy");
        }

        return input;
    }

    /// <inheritdoc />
    public IGpioOutputLine RequestOutput(int offset, bool initialValue, string consumer = "edge-gateway")
    {
        CheckFree(offset);
        if (!_outputs.TryAdd(offset, initialValue))
        {
            throw new GpioException($"GPIO chip '{name}' line {offset}: busy");
        }

        return new SimulatedOutput(this, offset);
    }

    /// <summary>An edge on input <paramref name="offset"/> at <paramref name="timestamp"/> (monotonic); the level follows it.</summary>
    public void InjectEdge(int offset, GpioEdge edge, TimeSpan timestamp)
    {
        if (!_inputs.TryGetValue(offset, out var input))
        {
            throw new InvalidOperationException($"Line {offset} is not requested as an input.");
        }

        input.Inject(new GpioEdgeEvent(edge, timestamp));
    }

    /// <summary>
    /// Sets the level of input <paramref name="offset"/> without an edge: the level a line has before
    /// it is requested (an unrequested line keeps it for its request), or a silent correction.
    /// </summary>
    public void SetLevel(int offset, bool level)
    {
        _levels[offset] = level;
        if (_inputs.TryGetValue(offset, out var input))
        {
            input.SetLevel(level);
        }
    }

    /// <summary>
    /// Makes the chip fail as a chip that went away: waits for edges (current and later ones, once
    /// their queued edges are taken) throw a <see cref="GpioException"/> with <paramref name="reason"/>.
    /// </summary>
    public void Fail(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        _failure = reason;
        foreach (var input in _inputs.Values)
        {
            input.Wake();
        }
    }

    /// <summary>What output <paramref name="offset"/> was last driven to, or null when it is not an output.</summary>
    public bool? OutputLevel(int offset) => _outputs.TryGetValue(offset, out var level) ? level : null;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var input in _inputs.Values)
        {
            input.Dispose();
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } reason)
        {
            throw new GpioException($"GPIO chip '{name}': {reason}");
        }
    }

    private void CheckFree(int offset)
    {
        if (offset < 0 || offset >= lineCount)
        {
            throw new GpioException($"GPIO chip '{name}' has lines 0 to {lineCount - 1}; there is no line {offset}");
        }

        if (_inputs.ContainsKey(offset) || _outputs.ContainsKey(offset))
        {
            throw new GpioException($"GPIO chip '{name}' line {offset}: busy");
        }
    }

    private sealed class SimulatedInput(SimulatedGpioChip chip, int offset, bool level) : IGpioInputLine
    {
        private readonly ConcurrentQueue<GpioEdgeEvent> _events = new();
        private readonly SemaphoreSlim _available = new(0);
        private volatile bool _level = level;

        public int Offset => offset;

        public bool Read() => _level;

        public GpioEdgeEvent? WaitForEdge(TimeSpan timeout, CancellationToken cancellationToken)
        {
            // Edges that came before a failure are still delivered; a failure wakes the waiter without one.
            if (_events.IsEmpty)
            {
                chip.ThrowIfFailed();
            }

            if (_available.Wait(timeout, cancellationToken) && _events.TryDequeue(out var edge))
            {
                return edge;
            }

            chip.ThrowIfFailed();
            return null;
        }

        public void Inject(GpioEdgeEvent edge)
        {
            _level = edge.Edge == GpioEdge.Rising;
            _events.Enqueue(edge);
            _available.Release();
        }

        public void SetLevel(bool level) => _level = level;

        public void Wake()
        {
            try
            {
                _available.Release();
            }
            catch (ObjectDisposedException)
            {
                // Released meanwhile: nobody waits on it.
            }
        }

        public void Dispose()
        {
            chip._inputs.TryRemove(offset, out _);
            _available.Dispose();
        }
    }

    private sealed class SimulatedOutput(SimulatedGpioChip chip, int offset) : IGpioOutputLine
    {
        public int Offset => offset;

        public void Write(bool value) => chip._outputs[offset] = value;

        public void Dispose() => chip._outputs.TryRemove(offset, out _);
    }
}
