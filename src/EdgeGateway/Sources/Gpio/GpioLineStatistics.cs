namespace EdgeGateway.Sources.Gpio;

/// <summary>The counters of one GPIO line since the gateway started (read by the status).</summary>
public sealed class GpioLineStatistics
{
    private long _pulses;
    private long _bounces;
    private long _changes;
    private long _readings;
    private long _errors;
    private int _level = -1;
    private volatile bool _isOpen;
    private volatile string? _lastError;

    /// <summary>The line's name (<c>Gpio:Lines:N:Name</c>, or <c>line{Offset}</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The line's offset on the chip.</summary>
    public required int Offset { get; init; }

    /// <summary>Counter or contact.</summary>
    public required GpioLineKind Kind { get; init; }

    /// <summary>Whether the line is requested and watched now.</summary>
    public bool IsOpen
    {
        get => _isOpen;
        internal set => _isOpen = value;
    }

    /// <summary>Pulses counted (counters).</summary>
    public long Pulses => Interlocked.Read(ref _pulses);

    /// <summary>Edges dropped as bounce (counters: of the counted direction).</summary>
    public long Bounces => Interlocked.Read(ref _bounces);

    /// <summary>Settled state changes reported (contacts).</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>Observations handed to the ingest path (windows of a counter, states of a contact).</summary>
    public long Readings => Interlocked.Read(ref _readings);

    /// <summary>A contact's last reported (logical) level; null for counters and before the line was read.</summary>
    public bool? Level => Volatile.Read(ref _level) switch
    {
        0 => false,
        1 => true,
        _ => null,
    };

    /// <summary>Why the line could not be requested or watched, if it could not.</summary>
    public string? LastError
    {
        get => _lastError;
        internal set
        {
            _lastError = value;
            if (value is not null)
            {
                Interlocked.Increment(ref _errors);
            }
        }
    }

    /// <summary>Errors on the line so far (each one also became <see cref="LastError"/>).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    internal void CountPulse() => Interlocked.Increment(ref _pulses);

    internal void CountBounce() => Interlocked.Increment(ref _bounces);

    internal void CountChange() => Interlocked.Increment(ref _changes);

    internal void CountReading() => Interlocked.Increment(ref _readings);

    internal void SetLevel(bool level) => Volatile.Write(ref _level, level ? 1 : 0);
}
