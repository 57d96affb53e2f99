using EdgeGateway.Buffering;
using EdgeGateway.Hosting;
using EdgeGateway.Sources;
using EdgeGateway.Sources.Gpio;
using EdgeGateway.Sources.Serial;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Observability;

/// <summary>
/// The one place that decides whether the gateway is alive and whether it is ready. <c>/healthz</c>,
/// <c>/readyz</c> and the systemd watchdog all ask it, so a probe and the watchdog never disagree.
/// </summary>
public sealed class GatewayHealth
{
    private readonly HealthSources _sources;

    /// <summary>Creates the evaluation over the running components.</summary>
    public GatewayHealth(
        GatewayLiveness liveness,
        IHostApplicationLifetime lifetime,
        MqttSource mqtt,
        SerialSource serial,
        GpioSource gpio,
        ReadingBuffer buffer,
        IFreeSpaceProbe freeSpace,
        IOptions<BufferOptions> bufferOptions,
        IOptions<ObservabilityOptions> options)
        : this(HealthSources.From(liveness, lifetime, mqtt, serial, gpio, buffer, freeSpace, bufferOptions.Value), options.Value.Readiness)
    {
    }

    /// <summary>Creates the evaluation over any sources (tests use fakes).</summary>
    internal GatewayHealth(HealthSources sources, ReadinessOptions readiness)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(readiness);
        _sources = sources;
        Readiness = readiness;
    }

    /// <summary>The readiness limits in force.</summary>
    public ReadinessOptions Readiness { get; }

    /// <summary>Alive: no critical loop has died (<see cref="GatewayLiveness"/>, which the systemd watchdog follows too).</summary>
    public HealthReport CheckLive() => _sources.Live();

    /// <summary>
    /// Ready: alive and not stopping, its sources connected (MQTT when subscriptions are configured, serial ports open,
    /// the GPIO chip open when lines are configured), the buffer writable and below the readiness limits,
    /// and the disk above <c>Buffer:MinFreeDisk</c>.
    /// </summary>
    public HealthReport CheckReady()
    {
        var checks = new List<HealthCheck>(CheckLive().Checks)
        {
            _sources.Stopping() ? HealthCheck.Fail("host", "the gateway is stopping") : HealthCheck.Pass("host"),
        };
        var mqtt = _sources.Mqtt();
        if (mqtt.State != MqttSourceState.Off)
        {
            checks.Add(mqtt.State == MqttSourceState.Connected
                ? HealthCheck.Pass("mqtt")
                : HealthCheck.Fail("mqtt", $"MQTT broker {mqtt.Broker} is {mqtt.State.ToString().ToLowerInvariant()}{(mqtt.LastError is { } e ? $" ({e})" : string.Empty)}"));
        }

        var closedPorts = _sources.SerialPorts().Where(p => !p.IsOpen).Select(p => p.Name).ToList();
        if (_sources.SerialPorts().Count > 0)
        {
            checks.Add(closedPorts.Count == 0 ? HealthCheck.Pass("serial") : HealthCheck.Fail("serial", $"serial port(s) not open: {string.Join(", ", closedPorts)}"));
        }

        if (_sources.Gpio() is { } gpio)
        {
            checks.Add(gpio.ChipOpen ? HealthCheck.Pass("gpio") : HealthCheck.Fail("gpio", $"GPIO chip {gpio.Chip} is not open"));
        }

        checks.Add(_sources.BufferWriterRunning() ? HealthCheck.Pass("buffer-writable") : HealthCheck.Fail("buffer-writable", "the buffer's writer has stopped"));
        var buffer = _sources.Buffer();
        if (buffer.IsBlocked)
        {
            checks.Add(HealthCheck.Fail("buffer-size", "the buffer is full and blocks new input (Buffer:FullPolicy block)"));
        }
        else
        {
            var limit = buffer.CapacityBytes / 100.0 * Readiness.MaxBufferFillPercent;
            checks.Add(buffer.Bytes < limit
                ? HealthCheck.Pass("buffer-size")
                : HealthCheck.Fail("buffer-size", $"the buffer holds {buffer.Bytes} bytes, over {Readiness.MaxBufferFillPercent}% of its {buffer.CapacityBytes}"));
        }

        var maxAge = _sources.MaxAge / 100.0 * Readiness.MaxBufferAgePercent;
        checks.Add(buffer.OldestUnsentAge is not { } age || age < maxAge
            ? HealthCheck.Pass("buffer-age")
            : HealthCheck.Fail("buffer-age", $"the oldest unsent reading is {age.TotalSeconds:0} s old, over {Readiness.MaxBufferAgePercent}% of Buffer:MaxAge"));

        var (free, minimum) = _sources.FreeDisk();
        checks.Add(free is not { } bytes || bytes >= minimum
            ? HealthCheck.Pass("disk")
            : HealthCheck.Fail("disk", $"{bytes} bytes free on the buffer's disk, under Buffer:MinFreeDisk ({minimum})"));
        return new HealthReport(checks);
    }
}

/// <summary>The outcome of a health evaluation: every check, and whether all passed.</summary>
/// <param name="Checks">The checks in the order they ran.</param>
public sealed record HealthReport(IReadOnlyList<HealthCheck> Checks)
{
    /// <summary>True when every check passed.</summary>
    public bool IsHealthy => Checks.All(c => c.Passed);

    /// <summary>The checks that failed.</summary>
    public IEnumerable<HealthCheck> Failures => Checks.Where(c => !c.Passed);
}

/// <summary>One named check and, when it failed, why.</summary>
/// <param name="Name">A short stable name (<c>mqtt</c>, <c>buffer-size</c>...).</param>
/// <param name="Passed">Whether it passed.</param>
/// <param name="Detail">Why it failed, or null.</param>
public sealed record HealthCheck(string Name, bool Passed, string? Detail)
{
    /// <summary>A passed check.</summary>
    public static HealthCheck Pass(string name) => new(name, true, null);

    /// <summary>A failed check.</summary>
    public static HealthCheck Fail(string name, string detail) => new(name, false, detail);
}

/// <summary>Where <see cref="GatewayHealth"/> reads the gateway's state from.</summary>
internal sealed record HealthSources(
    Func<HealthReport> Live,
    Func<bool> Stopping,
    Func<MqttSourceStatistics> Mqtt,
    Func<IReadOnlyList<SerialPortStatistics>> SerialPorts,
    Func<(string Chip, bool ChipOpen)?> Gpio,
    Func<bool> BufferWriterRunning,
    Func<BufferStatistics> Buffer,
    Func<(long? Free, long Minimum)> FreeDisk,
    TimeSpan MaxAge)
{
    public static HealthSources From(
        GatewayLiveness liveness, IHostApplicationLifetime lifetime, MqttSource mqtt, SerialSource serial, GpioSource gpio,
        ReadingBuffer buffer, IFreeSpaceProbe freeSpace, BufferOptions bufferOptions)
    {
        ArgumentNullException.ThrowIfNull(liveness);
        ArgumentNullException.ThrowIfNull(lifetime);
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(serial);
        ArgumentNullException.ThrowIfNull(gpio);
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(freeSpace);
        ArgumentNullException.ThrowIfNull(bufferOptions);
        var directory = Path.GetDirectoryName(Path.GetFullPath(bufferOptions.Path))!;
        return new HealthSources(
            liveness.Check,
            () => lifetime.ApplicationStopping.IsCancellationRequested,
            mqtt.GetStatistics,
            () => serial.Ports,
            () => gpio.Lines.Count == 0 ? null : (gpio.Chip, gpio.ChipOpen),
            () => !buffer.Completion.IsCompleted,
            buffer.GetStatistics,
            () => (FreeBytes(freeSpace, directory), bufferOptions.MinFreeDisk.Bytes),
            bufferOptions.MaxAge);
    }

    private static long? FreeBytes(IFreeSpaceProbe probe, string directory)
    {
        try
        {
            return probe.GetAvailableBytes(directory);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
