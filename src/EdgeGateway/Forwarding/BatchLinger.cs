using EdgeGateway.Buffering;
using EdgeGateway.Domain;

namespace EdgeGateway.Forwarding;

/// <summary>
/// How long the forwarder waits for a fuller batch (<c>Kafka:Linger</c>). Each record carries the
/// context of every device it holds once, so a batch of a few readings costs almost as many bytes as
/// a full one; sending whatever is unsent the moment the previous batch is delivered would make
/// batches small whenever delivery is fast. Waiting from the <em>oldest</em> unsent reading's arrival,
/// not from now, bounds what this adds to any reading's latency by the linger itself.
/// </summary>
/// <remarks>
/// Waiting saves bytes only when devices report more than once within the linger: a batch of 100
/// readings from 100 devices carries 100 contexts, as 25 readings from 25 devices carry 25. So the wait
/// is skipped when, at the recent arrival rate, the linger would not gather about
/// <see cref="ReadingsPerDeviceThatPay"/> readings per recently forwarded device: then it would only add
/// latency. The rate and the devices are measured over a window of 200 ms or two lingers, whichever is
/// longer: short, so a rise in the rate is seen soon (the first window after an idle spell measures a
/// low rate and does not wait); two lingers, so a device that reports less often than that can never
/// make waiting look worth it. Until the first window has passed the linger is always waited. Used by
/// the forwarder's loop only (not thread-safe).
/// </remarks>
public sealed class BatchLinger
{
    /// <summary>Readings per device the linger must be expected to gather for the wait to be worth it.</summary>
    public const double ReadingsPerDeviceThatPay = 2;

    private static readonly TimeSpan MinWindow = TimeSpan.FromMilliseconds(200);

    private readonly TimeProvider _time;
    private readonly Dictionary<DeviceId, long> _lastForwarded = [];
    private long? _windowStart;
    private long _windowStartRows;
    private double? _readingsPerSecond;

    /// <summary>Creates one for a forwarder.</summary>
    public BatchLinger(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
    }

    /// <summary>Notes the devices of a batch the forwarder is sending (the devices that are reporting).</summary>
    public void Forwarding(Batch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var now = _time.GetTimestamp();
        foreach (var reading in batch.Readings)
        {
            _lastForwarded[reading.DeviceId] = now;
        }
    }

    /// <summary>
    /// The wait before reading the next batch: what <see cref="Remaining"/> gives, unless the linger
    /// would not pay (see the remarks), when it is none.
    /// </summary>
    public TimeSpan WaitBeforeRead(TimeSpan linger, int maxReadings, BufferStatistics buffer)
    {
        var wait = Remaining(linger, maxReadings, buffer);
        return wait > TimeSpan.Zero && !Pays(linger, buffer.CommittedRows) ? TimeSpan.Zero : wait;
    }

    /// <summary>
    /// What is left of the linger: none when the linger is zero, when a full batch
    /// (<paramref name="maxReadings"/>) is ready, when nothing is unsent, or when rows are still in
    /// flight (the forwarder is behind: it sends at once); otherwise what is left of the linger since the
    /// oldest unsent reading arrived (never more than the linger, whatever the clock did).
    /// </summary>
    public static TimeSpan Remaining(TimeSpan linger, int maxReadings, BufferStatistics buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (linger <= TimeSpan.Zero || buffer.InFlightRows > 0 || buffer.Rows >= maxReadings || buffer.OldestUnsentAge is not { } age)
        {
            return TimeSpan.Zero;
        }

        var left = linger - age;
        return left <= TimeSpan.Zero ? TimeSpan.Zero : left > linger ? linger : left;
    }

    /// <summary>Whether, at the last window's arrival rate, the linger gathers enough readings per active device.</summary>
    private bool Pays(TimeSpan linger, long committedRows)
    {
        var now = _time.GetTimestamp();
        var window = linger * 2 > MinWindow ? linger * 2 : MinWindow;
        if (_windowStart is not { } start)
        {
            _windowStart = now;
            _windowStartRows = committedRows;
            return true;
        }

        var elapsed = _time.GetElapsedTime(start, now);
        if (elapsed >= window)
        {
            _readingsPerSecond = (committedRows - _windowStartRows) / elapsed.TotalSeconds;
            _windowStart = now;
            _windowStartRows = committedRows;
            ForgetDevicesOlderThan(now, window);
        }

        if (_readingsPerSecond is not { } rate)
        {
            return true;
        }

        return rate * linger.TotalSeconds >= ReadingsPerDeviceThatPay * Math.Max(1, _lastForwarded.Count);
    }

    private void ForgetDevicesOlderThan(long now, TimeSpan window)
    {
        foreach (var (device, seen) in _lastForwarded)
        {
            if (_time.GetElapsedTime(seen, now) > window)
            {
                // Removing while enumerating is allowed for Dictionary since .NET Core 3.0.
                _lastForwarded.Remove(device);
            }
        }
    }
}
