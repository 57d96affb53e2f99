namespace FirmwareSim.Devices;

/// <summary>
/// One device while it runs: its profile, clock, signal, message counter, current firmware and
/// sampling schedule. Owned by one scheduler (not thread-safe); commands reach it through the scheduler.
/// </summary>
public sealed class SimulatedDevice
{
    private DateTimeOffset? _lastSample;

    /// <summary>Creates the device for a run whose true time starts at <paramref name="start"/>.</summary>
    /// <param name="profile">Identity and settings.</param>
    /// <param name="seed">The run's seed: the device's random streams derive from it and the id.</param>
    /// <param name="start">The true time the run starts; the first sample falls within one interval of it.</param>
    public SimulatedDevice(DeviceProfile profile, long seed, DateTimeOffset start)
    {
        ArgumentNullException.ThrowIfNull(profile);
        Profile = profile;
        Clock = new DeviceClock(profile.Clock, start);
        Start = start;
        Signal = SignalModel.Create(profile.Model, DeviceSeeds.Create(seed, profile.Id, "signal"), profile.Location);
        FaultRandom = DeviceSeeds.Create(seed, profile.Id, "faults");
        Firmware = profile.Firmware;
        Interval = profile.SamplingInterval;
        Phase = DeviceSeeds.Create(seed, profile.Id, "phase").NextDouble();
        NextSampleTime = start + (EffectiveInterval * Phase);
    }

    /// <summary>Identity and settings as built.</summary>
    public DeviceProfile Profile { get; }

    /// <summary>The device id.</summary>
    public string Id => Profile.Id;

    /// <summary>The device's own clock.</summary>
    public DeviceClock Clock { get; private set; }

    /// <summary>When its run started (true time): its clock's offset and drift count from here.</summary>
    public DateTimeOffset Start { get; private set; }

    /// <summary>Its signal model.</summary>
    public SignalModel Signal { get; }

    /// <summary>The random stream that decides the device's faults (separate, so faults do not change values).</summary>
    public Random FaultRandom { get; }

    /// <summary>Where within its first interval the device first samples (0 to 1).</summary>
    public double Phase { get; }

    /// <summary>The firmware version it reports now (a firmware-change fault or command changes it).</summary>
    public string Firmware { get; set; }

    /// <summary>The sampling interval it was told to use (by its profile or a command).</summary>
    public TimeSpan Interval { get; private set; }

    /// <summary>
    /// The factor between <see cref="Interval"/> and the real spacing of samples: 1 normally; a run
    /// with a total rate scales every device's interval by the same factor.
    /// </summary>
    public double IntervalScale { get; private set; } = 1;

    /// <summary>The real spacing of its samples: <see cref="Interval"/> × <see cref="IntervalScale"/>.</summary>
    public TimeSpan EffectiveInterval => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, (long)(Interval.Ticks * IntervalScale)));

    /// <summary>The true time of its next scheduled sample.</summary>
    public DateTimeOffset NextSampleTime { get; private set; }

    /// <summary>The sequence number the next message will carry (its message counter, from 0).</summary>
    public long NextSequence { get; private set; }

    /// <summary>How many metrics each message carries.</summary>
    public int ReadingsPerMessage => Signal.Metrics.Count;

    /// <summary>Readings per second at its current schedule.</summary>
    public double ReadingRate => ReadingsPerMessage / EffectiveInterval.TotalSeconds;

    /// <summary>Sets the scale of its interval (rate runs), keeping the next sample where it is.</summary>
    public void SetIntervalScale(double scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(scale, 0);
        IntervalScale = scale;
    }

    /// <summary>
    /// Starts the run again at <paramref name="start"/> (before the first sample: connecting can take a
    /// while): the clock counts its drift from there and the first sample falls within one interval of
    /// it, at the device's phase.
    /// </summary>
    /// <exception cref="InvalidOperationException">The device has already sampled.</exception>
    public void Restart(DateTimeOffset start)
    {
        if (_lastSample is not null)
        {
            throw new InvalidOperationException($"Device {Id} has already sampled; it cannot be restarted.");
        }

        Start = start;
        Clock = new DeviceClock(Profile.Clock, start);
        NextSampleTime = start + (EffectiveInterval * Phase);
    }

    /// <summary>
    /// Changes the sampling interval (a command): the next sample is one new interval after the last
    /// one, or now if that has passed.
    /// </summary>
    public void ChangeInterval(TimeSpan interval, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        Interval = interval;
        var next = (_lastSample ?? now) + EffectiveInterval;
        NextSampleTime = next < now ? now : next;
    }

    /// <summary>Takes the scheduled sample and moves the schedule on by one interval.</summary>
    public DeviceSample SampleScheduled()
    {
        var sample = SampleAt(NextSampleTime);
        NextSampleTime += EffectiveInterval;
        return sample;
    }

    /// <summary>
    /// Takes an extra sample at <paramref name="trueTime"/> (bursts) without moving the schedule; it
    /// uses the next sequence number.
    /// </summary>
    public DeviceSample SampleAt(DateTimeOffset trueTime)
    {
        var elapsed = _lastSample is { } last ? trueTime - last : EffectiveInterval;
        var values = new double[ReadingsPerMessage];
        Signal.Sample(trueTime, elapsed, values);
        _lastSample = trueTime;
        return new DeviceSample(NextSequence++, trueTime, Clock.Read(trueTime), values);
    }
}

/// <summary>One sample of a device: what goes into one message.</summary>
/// <param name="Sequence">The device's message counter; every reading of the message shares it.</param>
/// <param name="TrueTime">When it was taken (true time).</param>
/// <param name="DeviceTime">When the device thinks it was taken (its clock): the time in the payload.</param>
/// <param name="Values">One value per metric of the model, rounded.</param>
public sealed record DeviceSample(long Sequence, DateTimeOffset TrueTime, DateTimeOffset DeviceTime, IReadOnlyList<double> Values);
