using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Mqtt.Client;
using FirmwareSim.Fleet;
using FirmwareSim.Gpio;
using FirmwareSim.Mqtt;
using FirmwareSim.Serial;

namespace FirmwareSim.Running;

/// <summary>
/// One run of the simulator: builds the fleet, connects it, runs it for the duration or until
/// stopped, drains, and prints (and optionally writes) the summary.
/// </summary>
public sealed class SimulatorRun
{
    private readonly SimulatorSettings _settings;
    private readonly TimeProvider _time;
    private readonly TextWriter _output;
    private readonly TextWriter _error;

    /// <summary>Prepares a run.</summary>
    public SimulatorRun(SimulatorSettings settings, TimeProvider timeProvider, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        _settings = settings;
        _time = timeProvider;
        _output = TextWriter.Synchronized(output);
        _error = TextWriter.Synchronized(error);
    }

    /// <summary>The counters of the run.</summary>
    public SimulatorStatistics Statistics { get; } = new();

    /// <summary>
    /// Runs; returns the process exit code (0, or 1 when the broker could not be reached).
    /// <paramref name="stopToken"/> ends the run early (first Ctrl+C); <paramref name="abortToken"/> also
    /// gives up waiting for acknowledgements (second Ctrl+C).
    /// </summary>
    public async Task<int> RunAsync(CancellationToken stopToken, CancellationToken abortToken)
    {
        var profiles = FleetBuilder.Build(_settings.Groups, _settings.City, _settings.Seed, _settings.Format);
        SerialFleet? serial;
        try
        {
            serial = await OpenSerialAsync(stopToken);
        }
        catch (IOException error)
        {
            await _error.WriteLineAsync($"firmware-sim: cannot create the serial ports: {error.Message}");
            return 1;
        }

        GpioSocketServer? gpio;
        try
        {
            gpio = await OpenGpioAsync();
        }
        catch (IOException error)
        {
            serial?.Dispose();
            await _error.WriteLineAsync($"firmware-sim: cannot create the GPIO socket: {error.Message}");
            return 1;
        }

        var ledger = _settings.LedgerPath is { } path ? Ledger.Create(path) : null;
        var ending = "duration";
        var exitCode = 0;
        var started = Stopwatch.GetTimestamp();
        MqttFleet? fleet = null;
        using var duration = _settings.Duration is { } limit ? new CancellationTokenSource(limit, _time) : new CancellationTokenSource();
        using var serialStop = CancellationTokenSource.CreateLinkedTokenSource(stopToken, duration.Token);
        var serialRun = Task.WhenAll(serial?.RunAsync(serialStop.Token) ?? Task.CompletedTask, gpio?.RunAsync(serialStop.Token) ?? Task.CompletedTask);
        try
        {
            if (_settings.Mqtt is { } mqtt)
            {
                var scheduler = new FleetScheduler(
                    profiles,
                    new SchedulerSettings
                    {
                        Seed = _settings.Seed,
                        Rate = _settings.Rate,
                        Duration = _settings.Duration,
                        Faults = _settings.Faults,
                        Topics = _settings.TopicScheme,
                    },
                    Statistics,
                    _time);
                fleet = new MqttFleet(mqtt, scheduler, ledger, Statistics, _settings.Faults.ReconnectDelay, _output);
                await fleet.ConnectAsync(stopToken);
                if (_settings.Rate is { } rate)
                {
                    await _output.WriteLineAsync(string.Create(
                        CultureInfo.InvariantCulture,
                        $"firmware-sim: pacing {rate:0} readings/s: every device's interval × {scheduler.IntervalScale:0.#####} (the fleet's own rate is {scheduler.NaturalRate:0.##}/s)"));
                }

                started = Stopwatch.GetTimestamp();
                using var progress = new CancellationTokenSource();
                var reporter = ReportProgressAsync(progress.Token);
                try
                {
                    await fleet.RunAsync(stopToken, abortToken);
                }
                finally
                {
                    await progress.CancelAsync();
                    await reporter;
                }
            }

            else
            {
                using var progress = new CancellationTokenSource();
                var reporter = ReportProgressAsync(progress.Token);
                await serialRun;
                await progress.CancelAsync();
                await reporter;
            }

            if (stopToken.IsCancellationRequested)
            {
                ending = "stopped";
            }
        }
        catch (OperationCanceledException) when (stopToken.IsCancellationRequested)
        {
            ending = "stopped";
        }
        catch (MqttClientException error)
        {
            await _error.WriteLineAsync($"firmware-sim: cannot reach the broker: {error.Message}");
            ending = "failed";
            exitCode = 1;
        }
        finally
        {
            await serialStop.CancelAsync();
            await serialRun;
            serial?.Dispose();
            gpio?.Dispose();
            if (ledger is not null)
            {
                await ledger.DisposeAsync();
            }
        }

        var summary = new RunSummary
        {
            Ending = ending,
            Seconds = Stopwatch.GetElapsedTime(started).TotalSeconds,
            Devices = fleet is null ? 0 : profiles.Count,
            Connections = fleet?.ConnectionCount ?? 0,
            SerialPorts = serial?.Ports.Count ?? 0,
            RequestedRate = _settings.Rate,
            LedgerLines = ledger?.Lines ?? 0,
            Statistics = Statistics,
        };
        await summary.WriteAsync(_output);
        if (gpio is not null)
        {
            await _output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"  gpio: {gpio.Edges:N0} edges delivered on {gpio.Lines.Count} line(s): {gpio.RealEdges:N0} real, {gpio.BounceEdges:N0} bounce"));
        }
        if (_settings.SummaryPath is { } summaryPath)
        {
            await summary.WriteJsonAsync(summaryPath);
        }

        return exitCode;
    }

    private async Task<SerialFleet?> OpenSerialAsync(CancellationToken cancellationToken)
    {
        if (_settings.Serial.Count == 0)
        {
            return null;
        }

        var serial = SerialFleet.Open(_settings.Serial, _settings.Seed, _settings.City, _settings.Faults, Statistics, _time);
        foreach (var port in serial.Ports)
        {
            await _output.WriteLineAsync($"firmware-sim: serial {port.Name} ({SerialProtocols.Name(port.Protocol)}) on {port.Path}");
        }

        if (_settings.SerialPathsFile is { } pathsFile)
        {
            await serial.WritePathsAsync(pathsFile, cancellationToken);
        }

        return serial;
    }

    private async Task<GpioSocketServer?> OpenGpioAsync()
    {
        if (_settings.GpioSocket is not { } path)
        {
            return null;
        }

        var gpio = GpioSocketServer.Listen(path, _settings.Gpio, _settings.Seed, _time, _settings.GpioLedgerPath);
        var lines = string.Join(", ", gpio.Lines.Select(l => $"{l.Name} on line {l.Offset}"));
        await _output.WriteLineAsync($"firmware-sim: gpio socket {path} (gateway chip sim:{path}): {lines}");
        return gpio;
    }

    private async Task ReportProgressAsync(CancellationToken cancellationToken)
    {
        if (_settings.ProgressInterval <= TimeSpan.Zero)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        long lastReadings = 0;
        var lastStamp = started;
        using var timer = new PeriodicTimer(_settings.ProgressInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = Stopwatch.GetTimestamp();
                var readings = Statistics.MqttReadings;
                var rate = (readings - lastReadings) / Stopwatch.GetElapsedTime(lastStamp, now).TotalSeconds;
                var parts = new List<string>(2);
                if (_settings.Mqtt is not null)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"{readings:N0} readings sent ({rate:N0}/s now), {Statistics.MqttFailures:N0} failed"));
                }

                if (_settings.Serial.Count > 0)
                {
                    parts.Add(string.Create(CultureInfo.InvariantCulture, $"serial: {Statistics.SerialFrames:N0} frames"));
                }

                await _output.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"firmware-sim: {Stopwatch.GetElapsedTime(started, now).TotalSeconds:0} s: {string.Join("; ", parts)}"));
                lastReadings = readings;
                lastStamp = now;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }
}
