namespace EdgeGateway.Forwarding;

/// <summary>
/// Holds the forwarder to an average number of readings per second, so a long backlog drains at a
/// rate the uplink (often a metered cellular link) can take instead of as fast as the brokers allow.
/// Live readings share the same budget, in order, behind the backlog.
/// </summary>
/// <remarks>
/// Each sent batch pushes the earliest time of the next one by <c>readings / rate</c>. Time the
/// forwarder spent idle is not saved up beyond one second's worth, so a quiet hour does not turn
/// into a burst later.
/// </remarks>
public sealed class ForwardingPacer
{
    private double _readingsPerSecond;
    private readonly TimeProvider _timeProvider;
    private long _nextTimestamp;

    /// <summary>Creates a pacer; a rate of 0 means no limit.</summary>
    public ForwardingPacer(int readingsPerSecond, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(readingsPerSecond);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _readingsPerSecond = readingsPerSecond;
        _timeProvider = timeProvider;
        _nextTimestamp = timeProvider.GetTimestamp();
    }

    /// <summary>True when a rate is set.</summary>
    public bool IsLimited => ReadingsPerSecond > 0;

    /// <summary>The rate; 0 means no limit.</summary>
    public double ReadingsPerSecond => Volatile.Read(ref _readingsPerSecond);

    /// <summary>Changes the rate (from the next batch on); 0 means no limit.</summary>
    public void SetRate(int readingsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(readingsPerSecond);
        Volatile.Write(ref _readingsPerSecond, readingsPerSecond);
    }

    /// <summary>How long to wait before the next batch may be sent (zero when it may go now).</summary>
    public TimeSpan Delay
    {
        get
        {
            if (!IsLimited)
            {
                return TimeSpan.Zero;
            }

            var now = _timeProvider.GetTimestamp();
            return now >= _nextTimestamp ? TimeSpan.Zero : _timeProvider.GetElapsedTime(now, _nextTimestamp);
        }
    }

    /// <summary>Accounts for <paramref name="readings"/> just sent.</summary>
    public void Sent(int readings)
    {
        var rate = ReadingsPerSecond;
        if (rate <= 0 || readings <= 0)
        {
            return;
        }

        var now = _timeProvider.GetTimestamp();
        var frequency = _timeProvider.TimestampFrequency;
        var earliest = now - frequency; // at most one second of unused budget carries over
        var start = Math.Max(_nextTimestamp, earliest);
        _nextTimestamp = start + (long)(readings / rate * frequency);
    }

    /// <summary>Waits for <see cref="Delay"/>.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        var delay = Delay;
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _timeProvider, cancellationToken);
        }
    }
}
