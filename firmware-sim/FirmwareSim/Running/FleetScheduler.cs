using System.Threading.Channels;
using FirmwareSim.Devices;
using FirmwareSim.Faults;
using FirmwareSim.Pacing;
using FirmwareSim.Payloads;

namespace FirmwareSim.Running;

/// <summary>How the scheduler paces the fleet.</summary>
public sealed record SchedulerSettings
{
    /// <summary>The run's seed (devices' random streams derive from it).</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Total readings per second; null lets every device keep its own sampling interval. With a rate,
    /// every device's interval is scaled by one factor so the fleet adds up to it, and a token bucket
    /// paces the sends.
    /// </summary>
    public double? Rate { get; init; }

    /// <summary>How long to run; null: until stopped.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The faults to inject.</summary>
    public FaultSettings Faults { get; init; } = FaultSettings.None;

    /// <summary>The topics.</summary>
    public TopicScheme Topics { get; init; } = new();

    /// <summary>How much the token bucket may hold: this much time at the rate.</summary>
    public TimeSpan BurstWindow { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How far above <see cref="Rate"/> the token bucket lets the fleet go while it is behind its
    /// schedule (after a pause, a reconnect, a slow start), so it catches up and the run's average is
    /// the requested rate. On schedule, the devices' due times alone give the rate.
    /// </summary>
    public double CatchUp { get; init; } = 0.1;
}

/// <summary>
/// Decides what the fleet sends and when: a priority queue of devices by their next send time, a
/// token bucket that caps the total rate, the faults, and the commands that change devices while they
/// run. Each wake-up sends everything that is due and allowed (no per-message sleeps). With a rate,
/// every device's interval is scaled so the schedule adds up to it; the bucket lets the fleet run at
/// most <see cref="SchedulerSettings.CatchUp"/> above it, so a fleet that fell behind catches up
/// without flooding. One task runs it; commands may be posted from any thread.
/// </summary>
public sealed class FleetScheduler
{
    private readonly SchedulerSettings _settings;
    private readonly SimulatorStatistics _statistics;
    private readonly TimeProvider _time;
    private TokenBucket? _bucket;
    private readonly PriorityQueue<(FleetDevice Device, int Version), (long Ticks, long Order)> _queue = new();
    private readonly Dictionary<string, FleetDevice> _byId;
    private readonly Channel<DeviceCommand> _commands = Channel.CreateBounded<DeviceCommand>(
        new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly PayloadEncoder _encoder = new();
    private long _order;
    private Task<bool>? _commandWait;

    /// <summary>Creates the fleet's devices from <paramref name="profiles"/>, starting now (by <paramref name="timeProvider"/>).</summary>
    public FleetScheduler(IReadOnlyList<DeviceProfile> profiles, SchedulerSettings settings, SimulatorStatistics statistics, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _settings = settings;
        _statistics = statistics;
        _time = timeProvider;
        Start = timeProvider.GetUtcNow();
        Devices = [.. profiles.Select((p, i) => new FleetDevice(
            new SimulatedDevice(p, settings.Seed, Start),
            i,
            settings.Topics,
            MessageFaults.IsSlow(settings.Seed, p.Id, settings.Faults.SlowDevices)))];
        _byId = Devices.ToDictionary(d => d.Profile.Id, StringComparer.Ordinal);

        NaturalRate = Devices.Sum(d => d.Device.ReadingRate);
        if (settings.Rate is { } rate && Devices.Count > 0)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rate, 0, nameof(settings));
            IntervalScale = NaturalRate / rate;
            foreach (var device in Devices)
            {
                device.Device.SetIntervalScale(IntervalScale);
            }
        }

        Begin();
    }

    /// <summary>The devices, in fleet order.</summary>
    public IReadOnlyList<FleetDevice> Devices { get; }

    /// <summary>When the run started (true time).</summary>
    public DateTimeOffset Start { get; private set; }

    /// <summary>When it ends; null: when stopped.</summary>
    public DateTimeOffset? End { get; private set; }

    /// <summary>Readings per second of the fleet at the devices' own intervals.</summary>
    public double NaturalRate { get; }

    /// <summary>The factor applied to every device's interval (1 without a rate).</summary>
    public double IntervalScale { get; } = 1;

    /// <summary>
    /// (Re)starts the run now: devices restart their clocks and schedules, the duration counts from
    /// here and the token bucket starts full. Called on construction and by <see cref="RunAsync"/>, so
    /// the time spent connecting is not part of the run. Only before anything was taken.
    /// </summary>
    public void Begin()
    {
        Start = _time.GetUtcNow();
        End = _settings.Duration is { } duration ? Start + duration : null;
        _queue.Clear();
        foreach (var device in Devices)
        {
            device.Device.Restart(Start);
            device.Version++;
            Enqueue(device);
        }

        if (_settings.Rate is { } rate && Devices.Count > 0)
        {
            var largest = Devices.Max(d => d.Device.ReadingsPerMessage);
            _bucket = new TokenBucket(rate * (1 + _settings.CatchUp), Math.Max(2 * largest, rate * _settings.BurstWindow.TotalSeconds), _time);
        }
    }

    /// <summary>Posts a command for a device (any thread); false when no such device is in the fleet.</summary>
    public bool Post(DeviceCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return _byId.ContainsKey(command.DeviceId) && _commands.Writer.TryWrite(command);
    }

    /// <summary>True once the run's duration is over at <paramref name="now"/>.</summary>
    public bool IsFinished(DateTimeOffset now) => End is { } end && now >= end;

    /// <summary>
    /// Applies posted commands, then appends to <paramref name="output"/> everything due at
    /// <paramref name="now"/> that the token bucket allows, in send order.
    /// </summary>
    public void TakeDue(DateTimeOffset now, List<OutgoingMessage> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ApplyCommands(now, output);
        while (_queue.TryPeek(out var entry, out var key) && key.Ticks <= now.UtcTicks && (End is not { } end || key.Ticks < end.UtcTicks))
        {
            if (entry.Version != entry.Device.Version)
            {
                _queue.Dequeue();
                continue;
            }

            if (_bucket is not null && !_bucket.TryTake(entry.Device.Device.ReadingsPerMessage))
            {
                break;
            }

            _queue.Dequeue();
            Produce(entry.Device, output);
            Enqueue(entry.Device);
        }
    }

    /// <summary>At the end of a run: the messages still held back by out-of-order faults.</summary>
    public void Flush(List<OutgoingMessage> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var device in Devices)
        {
            if (device.Held is { } held)
            {
                output.Add(held);
                device.Held = null;
            }
        }
    }

    /// <summary>How long nothing will be due after <paramref name="now"/> (at least 1 ms, at most 1 s).</summary>
    public TimeSpan NextWake(DateTimeOffset now)
    {
        var wait = TimeSpan.FromSeconds(1);
        while (_queue.TryPeek(out var entry, out var key))
        {
            if (entry.Version != entry.Device.Version)
            {
                _queue.Dequeue();
                continue;
            }

            var due = new DateTimeOffset(key.Ticks, TimeSpan.Zero) - now;
            if (due <= TimeSpan.Zero && _bucket is not null)
            {
                due = _bucket.TimeUntilAvailable(entry.Device.Device.ReadingsPerMessage);
            }

            wait = due < wait ? due : wait;
            break;
        }

        if (End is { } end && end - now < wait)
        {
            wait = end - now;
        }

        return wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait;
    }

    /// <summary>
    /// Runs until the duration is over or <paramref name="cancellationToken"/> stops it, handing each
    /// message to <paramref name="sink"/> (which may wait: that is the transports' back-pressure).
    /// At the end, messages held back by faults are handed over too.
    /// </summary>
    public async Task RunAsync(Func<OutgoingMessage, CancellationToken, ValueTask> sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var batch = new List<OutgoingMessage>(256);
        Begin();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = _time.GetUtcNow();
                batch.Clear();
                TakeDue(now, batch);
                foreach (var message in batch)
                {
                    await sink(message, cancellationToken);
                }

                if (IsFinished(now))
                {
                    break;
                }

                await WaitAsync(NextWake(now), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped (Ctrl+C): what was taken is sent by the transports' drain; nothing else is due.
        }

        batch.Clear();
        Flush(batch);
        foreach (var message in batch)
        {
            await sink(message, CancellationToken.None);
        }
    }

    private async Task WaitAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        _commandWait ??= _commands.Reader.WaitToReadAsync(cancellationToken).AsTask();
        var delay = Task.Delay(wait, _time, cancellationToken);
        await Task.WhenAny(delay, _commandWait);
        if (_commandWait.IsCompleted)
        {
            _commandWait = null;
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private void ApplyCommands(DateTimeOffset now, List<OutgoingMessage> output)
    {
        while (_commands.Reader.TryRead(out var command))
        {
            var device = _byId[command.DeviceId];
            if (command.Firmware is { } firmware)
            {
                device.Device.Firmware = firmware;
            }

            if (command.SamplingInterval is { } interval)
            {
                device.Device.ChangeInterval(interval, now);
                device.Version++;
                Enqueue(device);
            }

            _statistics.Command(applied: true);
            output.Add(StatusMessage(device, now));
        }
    }

    private void Enqueue(FleetDevice device)
    {
        var send = device.Device.NextSampleTime + (device.IsSlow ? _settings.Faults.SlowDelay : TimeSpan.Zero);
        _queue.Enqueue((device, device.Version), (send.UtcTicks, _order++));
    }

    private void Produce(FleetDevice device, List<OutgoingMessage> output)
    {
        var faults = _settings.Faults;
        var decision = faults.AnyMessageFault ? MessageFaults.Decide(device.Device.FaultRandom, faults) : default;
        if (decision.FirmwareChange)
        {
            device.Device.Firmware = MessageFaults.NextFirmware(device.Device.Firmware);
            _statistics.Fault(FaultKind.FirmwareChange);
            output.Add(StatusMessage(device, _time.GetUtcNow()));
        }

        var sample = device.Device.SampleScheduled();
        var main = ReadingMessage(device, sample, decision);
        var step = new List<OutgoingMessage>(2) { main };
        if (decision.Duplicate)
        {
            _statistics.Fault(FaultKind.Duplicate);
            step.Add(new OutgoingMessage
            {
                Device = device,
                Kind = OutgoingKind.Reading,
                Topic = main.Topic,
                Payload = main.Payload,
                Sequence = main.Sequence,
                SampleTime = main.SampleTime,
                EventTime = main.EventTime,
                Values = main.Values,
                Faults = [.. main.Faults, FaultKind.Duplicate],
            });
        }

        if (decision.Burst)
        {
            _statistics.Fault(FaultKind.Burst);
            var spacing = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerMillisecond, device.Device.EffectiveInterval.Ticks / (2 * faults.BurstSize)));
            for (var k = 1; k < faults.BurstSize; k++)
            {
                var extra = ReadingMessage(device, device.Device.SampleAt(sample.TrueTime + (spacing * k)), default, FaultKind.Burst);
                _bucket?.Take(extra.Readings);
                step.Add(extra);
            }
        }

        if (decision.OutOfOrder && device.Held is null)
        {
            _statistics.Fault(FaultKind.OutOfOrder);
            device.Held = WithFault(step[0], FaultKind.OutOfOrder);
            step.RemoveAt(0);
        }
        else if (device.Held is { } held)
        {
            step.Add(held);
            device.Held = null;
        }

        if (decision.Disconnect && step.Count > 0)
        {
            _statistics.Fault(FaultKind.Disconnect);
            step[^1].AbortConnectionAfter = true;
        }

        foreach (var message in step)
        {
            if (message.Kind == OutgoingKind.Reading)
            {
                _statistics.Scheduled(message.Readings);
            }
        }

        output.AddRange(step);
    }

    private OutgoingMessage ReadingMessage(FleetDevice device, DeviceSample sample, MessageFaultDecision decision, FaultKind? extraFault = null)
    {
        // Most messages have no fault: the list is made only for those that do.
        List<FaultKind>? faults = null;
        if (extraFault is { } extra)
        {
            (faults ??= []).Add(extra);
        }

        if (device.IsSlow)
        {
            _statistics.Fault(FaultKind.SlowDevice);
            (faults ??= []).Add(FaultKind.SlowDevice);
        }

        var time = sample.DeviceTime;
        if (decision.FutureTimestamp)
        {
            _statistics.Fault(FaultKind.FutureTimestamp);
            (faults ??= []).Add(FaultKind.FutureTimestamp);
            time += _settings.Faults.FutureSkew;
        }

        var payload = _encoder.Encode(device.Profile, sample, time, device.Profile.Format);
        if (decision.Malformed)
        {
            _statistics.Fault(FaultKind.Malformed);
            (faults ??= []).Add(FaultKind.Malformed);
            payload = MessageFaults.Corrupt(device.Device.FaultRandom, payload);
        }

        return new OutgoingMessage
        {
            Device = device,
            Kind = OutgoingKind.Reading,
            Topic = device.ReadingTopic,
            Payload = payload,
            Sequence = sample.Sequence,
            SampleTime = sample.TrueTime,
            EventTime = time,
            Values = sample.Values,
            Ledgered = !decision.Malformed,
            Faults = faults ?? [],
        };
    }

    private OutgoingMessage StatusMessage(FleetDevice device, DateTimeOffset now) => new()
    {
        Device = device,
        Kind = OutgoingKind.Status,
        Topic = device.StatusTopic,
        SampleTime = now,
        EventTime = now,
        Payload = _encoder.EncodeStatus(new DeviceStatus(device.Profile, true, device.Device.Firmware, device.Device.Interval, now)),
        Retain = true,
    };

    private static OutgoingMessage WithFault(OutgoingMessage message, FaultKind fault) => new()
    {
        Device = message.Device,
        Kind = message.Kind,
        Topic = message.Topic,
        Payload = message.Payload,
        Retain = message.Retain,
        Sequence = message.Sequence,
        SampleTime = message.SampleTime,
        EventTime = message.EventTime,
        Values = message.Values,
        Ledgered = message.Ledgered,
        Faults = [.. message.Faults, fault],
        AbortConnectionAfter = message.AbortConnectionAfter,
    };
}
