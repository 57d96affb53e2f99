namespace FirmwareSim.Pacing;

/// <summary>
/// A token bucket on a <see cref="TimeProvider"/>: tokens (readings) flow in at <see cref="Rate"/> per
/// second up to <see cref="Capacity"/>; a send takes as many as it carries. Work is paced by waking up
/// when tokens are due and sending everything they cover, never by sleeping per message. A burst may
/// <see cref="Take"/> more than there are, leaving a debt that later sends wait out, so the average
/// rate holds. Not thread-safe (one scheduler owns it).
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private long _stamp;
    private double _tokens;

    /// <summary>Creates a full bucket.</summary>
    /// <param name="rate">Tokens per second (above zero).</param>
    /// <param name="capacity">The most tokens it holds: the largest burst after a quiet spell.</param>
    /// <param name="timeProvider">The clock.</param>
    public TokenBucket(double rate, double capacity, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rate, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(capacity, 0);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Rate = rate;
        Capacity = capacity;
        _time = timeProvider;
        _stamp = timeProvider.GetTimestamp();
        _tokens = capacity;
    }

    /// <summary>Tokens per second.</summary>
    public double Rate { get; }

    /// <summary>The most tokens the bucket holds.</summary>
    public double Capacity { get; }

    /// <summary>Tokens available now (negative while a burst's debt is being paid).</summary>
    public double Available
    {
        get
        {
            Refill();
            return _tokens;
        }
    }

    /// <summary>
    /// Takes <paramref name="tokens"/> if available; a request larger than the capacity is granted
    /// once the bucket is full, so it cannot starve.
    /// </summary>
    public bool TryTake(double tokens)
    {
        Refill();
        if (_tokens < Math.Min(tokens, Capacity))
        {
            return false;
        }

        _tokens -= tokens;
        return true;
    }

    /// <summary>Takes <paramref name="tokens"/> whether there are enough or not (bursts).</summary>
    public void Take(double tokens)
    {
        Refill();
        _tokens -= tokens;
    }

    /// <summary>How long until <see cref="TryTake"/> of <paramref name="tokens"/> succeeds (zero if it would now).</summary>
    public TimeSpan TimeUntilAvailable(double tokens)
    {
        Refill();
        var missing = Math.Min(tokens, Capacity) - _tokens;
        return missing <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(missing / Rate);
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_stamp, now).TotalSeconds;
        _stamp = now;
        if (elapsed > 0)
        {
            _tokens = Math.Min(Capacity, _tokens + (elapsed * Rate));
        }
    }
}
