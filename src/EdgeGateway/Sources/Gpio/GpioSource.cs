using System.Threading.Channels;
using EdgeGateway.Domain;
using EdgeGateway.Hardware.Gpio;
using EdgeGateway.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Sources.Gpio;

/// <summary>
/// The GPIO source: opens the configured chip, requests each line as an input with edge events, and
/// watches each on a thread of its own. Counters count debounced pulses (<see cref="PulseCounter"/>)
/// and give one rate reading per window, cut on the gateway's clock; contacts give a reading with
/// their level when the line is requested and one per settled change (<see cref="ContactDebouncer"/>).
/// Observations go through a bounded channel into the ingest path (decode → context → buffer), as
/// the other sources' messages do. A chip that cannot be opened or goes away (the simulator's socket
/// closed) is logged once and reopened with backoff; a line that cannot be requested is logged and
/// left out until the chip is reopened.
/// </summary>
public sealed partial class GpioSource : BackgroundService
{
    private const int ChannelCapacity = 1024;
    private const int GroupSize = 256;
    private static readonly TimeSpan FinalCommitTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(1);
    private readonly IGpioChipOpener _chips;
    private readonly ReadingIngestor _ingestor;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _reconfigureLock = new();

    // Replaced only between runs of the chip (ApplyLinesAsync restarts the run).
    private GpioOptions _options = new();
    private GpioLineStatistics[] _statistics = [];
    private GpioLineDecoder[] _decoders = [];
    private GpioOptions? _pending;
    private CancellationTokenSource? _run;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _chipOpen;

    /// <summary>Creates the source from the <c>Gpio</c> options.</summary>
    public GpioSource(IOptions<GpioOptions> options, IGpioChipOpener chips, ReadingIngestor ingestor, TimeProvider timeProvider, ILogger<GpioSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _chips = chips;
        _ingestor = ingestor;
        _timeProvider = timeProvider;
        _logger = logger;
        Use(EnabledOnly(options.Value));
    }

    /// <summary>The configured chip.</summary>
    public string Chip => _options.Chip;

    /// <summary>Whether the chip is open now.</summary>
    public bool ChipOpen => _chipOpen;

    /// <summary>The counters of each enabled line, in configuration order.</summary>
    public IReadOnlyList<GpioLineStatistics> Lines => _statistics;

    /// <summary>
    /// Changes the chip and lines while running (<c>apply_config</c>, the source tools): the chip is closed
    /// and reopened with the new lines, as after a lost chip; a counter's unfinished window is reported
    /// over the time it lasted, as when the gateway stops. Counters of lines that stay keep counting.
    /// </summary>
    public Task ApplyLinesAsync(GpioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_reconfigureLock)
        {
            _pending = EnabledOnly(options);
            _run?.Cancel();
            var changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using var run = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            Task changed;
            lock (_reconfigureLock)
            {
                if (_pending is { } next)
                {
                    Use(next);
                    _pending = null;
                }

                _run = run;
                changed = _changed.Task;
            }

            try
            {
                await RunAsync(run.Token);
                if (!run.IsCancellationRequested)
                {
                    // No lines: nothing to do until some are configured.
                    await changed.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (run.IsCancellationRequested)
            {
                // Stopping, or reconfigured.
            }
            finally
            {
                lock (_reconfigureLock)
                {
                    _run = null;
                }
            }
        }
    }

    private static GpioOptions EnabledOnly(GpioOptions options) => new()
    {
        Chip = options.Chip,
        ReconnectDelay = options.ReconnectDelay,
        ReconnectMaxDelay = options.ReconnectMaxDelay,
        Lines = [.. options.Lines.Where(l => l.Enabled)],
    };

    private void Use(GpioOptions options)
    {
        var before = _statistics;
        _statistics = [.. options.Lines.Select(l =>
            before.FirstOrDefault(s => s.Name == l.EffectiveName && s.Offset == l.Offset && s.Kind == l.Kind)
            ?? new GpioLineStatistics { Name = l.EffectiveName, Offset = l.Offset, Kind = l.Kind })];
        _decoders = [.. options.Lines.Select(l => new GpioLineDecoder(l))];
        _options = options;
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        if (_options.Lines.Count == 0)
        {
            return;
        }

        var channel = Channel.CreateBounded<IngestItem>(new BoundedChannelOptions(ChannelCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        // The ingest side outlives the lines: what they report as they stop (a counter's unfinished
        // window) is still committed, within FinalCommitTimeout.
        using var ingestStop = new CancellationTokenSource();
        var ingest = IngestAsync(channel.Reader, ingestStop.Token);
        try
        {
            await RunChipAsync(channel.Writer, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping, or reconfigured.
        }
        finally
        {
            channel.Writer.TryComplete();
            ingestStop.CancelAfter(FinalCommitTimeout);
        }

        try
        {
            await ingest;
        }
        catch (OperationCanceledException) when (ingestStop.IsCancellationRequested)
        {
            // The buffer did not take them in time (full, with the block policy): the lines cannot resend them.
            LogFinalCommitTimedOut(_logger, channel.Reader.Count, FinalCommitTimeout);
        }
    }

    private async Task RunChipAsync(ChannelWriter<IngestItem> writer, CancellationToken stoppingToken)
    {
        var delay = _options.ReconnectDelay;
        var everOpened = false;
        var outageReported = false;
        while (true)
        {
            stoppingToken.ThrowIfCancellationRequested();
            IGpioChip chip;
            try
            {
                // Connecting to a simulator's socket may wait for its answer: not on the caller's thread.
                chip = await Task.Run(() => _chips.Open(_options.Chip), stoppingToken);
            }
            catch (GpioException error)
            {
                if (!outageReported)
                {
                    LogChipUnavailable(_logger, _options.Chip, error.Message, delay);
                    outageReported = true;
                }
                else
                {
                    LogChipStillUnavailable(_logger, _options.Chip, error.Message);
                }

                await Task.Delay(delay, _timeProvider, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
                continue;
            }

            if (everOpened)
            {
                LogChipBack(_logger, _options.Chip);
            }
            else
            {
                LogChipOpened(_logger, _options.Chip, _options.Lines.Count);
            }

            everOpened = true;
            outageReported = false;
            delay = _options.ReconnectDelay;
            string? lost;
            _chipOpen = true;
            try
            {
                lost = await RunLinesAsync(chip, writer, stoppingToken);
            }
            finally
            {
                _chipOpen = false;
                chip.Dispose();
            }

            if (lost is null)
            {
                return;
            }

            LogChipLost(_logger, _options.Chip, lost, delay);
            outageReported = true;
            await Task.Delay(delay, _timeProvider, stoppingToken);
        }
    }

    /// <summary>Watches every line until the gateway stops (null) or the chip fails (why).</summary>
    private async Task<string?> RunLinesAsync(IGpioChip chip, ChannelWriter<IngestItem> writer, CancellationToken stoppingToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        string? lost = null;
        void OnLost(string reason)
        {
            Interlocked.CompareExchange(ref lost, reason, null);
            session.Cancel();
        }

        await Task.WhenAll(_options.Lines.Select((line, i) => RunLineAsync(chip, i, writer, OnLost, session.Token, stoppingToken)));
        return stoppingToken.IsCancellationRequested ? null : lost;
    }

    private async Task RunLineAsync(IGpioChip chip, int index, ChannelWriter<IngestItem> writer, Action<string> onLost, CancellationToken token, CancellationToken stoppingToken)
    {
        var line = _options.Lines[index];
        var statistics = _statistics[index];
        IGpioInputLine input;
        try
        {
            input = chip.RequestInput(line.Offset, line.InputOptions);
        }
        catch (GpioException error)
        {
            statistics.LastError = error.Message;
            LogLineUnusable(_logger, line.EffectiveName, error.Message);
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                // The chip is closed or the gateway stops.
            }

            return;
        }

        // The first window starts when the line is open.
        using var windowTimer = line.Kind == GpioLineKind.Counter ? new PeriodicTimer(line.Window, _timeProvider) : null;
        var firstWindowStart = _timeProvider.GetTimestamp(); // before any edge can be counted
        using (input)
        {
            statistics.IsOpen = true;
            statistics.LastError = null;
            try
            {
                if (windowTimer is not null)
                {
                    var counter = new PulseCounter(line.Debounce, line.Edge ?? GpioEdge.Rising);
                    var edges = StartThread(() => WatchCounter(input, counter, statistics, onLost, token), token);
                    var windowStart = await CutWindowsAsync(index, windowTimer, counter, writer, firstWindowStart, token);
                    await edges;

                    // The chip went away, or the gateway stops or is reconfigured: what was counted (queued
                    // edges included) is reported over the time the window lasted, not lost.
                    ReportUnfinishedWindow(index, counter, _timeProvider.GetElapsedTime(windowStart), writer);
                }
                else
                {
                    await StartThread(() => WatchContact(input, index, writer, onLost, token), token);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // The chip is closed or the gateway stops.
            }
            catch (ChannelClosedException)
            {
                // The ingest side ended.
            }
            finally
            {
                statistics.IsOpen = false;
            }
        }
    }

    private static Task StartThread(Action watch, CancellationToken token) =>
        Task.Factory.StartNew(watch, token, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static void WatchCounter(IGpioInputLine input, PulseCounter counter, GpioLineStatistics statistics, Action<string> onLost, CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (input.WaitForEdge(WaitSlice, token) is { } edge)
                {
                    Count(edge);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Another line found the chip gone: take the edges already queued, so none counted is lost.
            try
            {
                while (input.WaitForEdge(TimeSpan.Zero, CancellationToken.None) is { } edge)
                {
                    Count(edge);
                }
            }
            catch (GpioException)
            {
                // Gone indeed.
            }
        }
        catch (GpioException error)
        {
            statistics.LastError = error.Message;
            onLost(error.Message);
        }

        void Count(GpioEdgeEvent edge)
        {
            lock (counter)
            {
                var bounces = counter.Bounces;
                if (counter.OnEdge(edge))
                {
                    statistics.CountPulse();
                }
                else if (counter.Bounces != bounces)
                {
                    statistics.CountBounce();
                }
            }
        }
    }

    /// <summary>Reports a reading per window until <paramref name="token"/> is cancelled; returns when the unreported window started.</summary>
    private async Task<long> CutWindowsAsync(int index, PeriodicTimer timer, PulseCounter counter, ChannelWriter<IngestItem> writer, long windowStart, CancellationToken token)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(token))
            {
                windowStart = _timeProvider.GetTimestamp();
                await ReportWindowAsync(index, counter, _options.Lines[index].Window, writer, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The chip is closed or the gateway stops.
        }

        return windowStart;
    }

    private async Task ReportWindowAsync(int index, PulseCounter counter, TimeSpan window, ChannelWriter<IngestItem> writer, CancellationToken token)
    {
        if (TakeWindow(index, counter, window) is { } taken)
        {
            await writer.WriteAsync(taken.Item, token);
            _statistics[index].CountReading();
        }
    }

    /// <summary>
    /// Reports a window cut short. Never waits: the ingest side may be ending, and a full queue behind
    /// a blocked buffer must not hold up the gateway's stop (what does not fit is logged as lost).
    /// </summary>
    private void ReportUnfinishedWindow(int index, PulseCounter counter, TimeSpan lasted, ChannelWriter<IngestItem> writer)
    {
        if (TakeWindow(index, counter, lasted) is not { } window)
        {
            return;
        }

        if (writer.TryWrite(window.Item))
        {
            _statistics[index].CountReading();
        }
        else
        {
            LogUnfinishedWindowLost(_logger, _options.Lines[index].EffectiveName, window.Pulses, lasted);
        }
    }

    /// <summary>Takes the counter's window and makes its reading; null for a window of no length.</summary>
    private (IngestItem Item, int Pulses)? TakeWindow(int index, PulseCounter counter, TimeSpan window)
    {
        int pulses;
        lock (counter)
        {
            pulses = counter.TakeWindow();
        }

        if (window <= TimeSpan.Zero)
        {
            return null;
        }

        var now = _timeProvider.GetUtcNow();
        return (Item(index, GpioLineDecoder.CounterPayload(_options.Lines[index].EffectiveName, pulses, window, now), now), pulses);
    }

    private void WatchContact(IGpioInputLine input, int index, ChannelWriter<IngestItem> writer, Action<string> onLost, CancellationToken token)
    {
        var line = _options.Lines[index];
        var statistics = _statistics[index];
        ContactDebouncer? debouncer = null;

        // When the pending change began, on the gateway's clock (edge timestamps are the kernel's).
        DateTimeOffset? changeStarted = null;
        try
        {
            debouncer = new ContactDebouncer(line.Debounce, input.Read());
            Report(debouncer.Reported, _timeProvider.GetUtcNow(), initial: true, mayWait: true);
            while (!token.IsCancellationRequested)
            {
                var pending = debouncer.SettlesAt is not null;
                var edge = input.WaitForEdge(pending ? line.Debounce : WaitSlice, token);
                if (edge is { } received)
                {
                    Feed(received, mayWait: true);
                }
                else if (pending && debouncer.SettlesAt is { } settlesAt && debouncer.Settle(settlesAt) is { } level)
                {
                    // No edge for the settle time since the last one was received: the level held.
                    Report(level, changeStarted ?? _timeProvider.GetUtcNow(), initial: false, mayWait: true);
                    changeStarted = null;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            Finish();
        }
        catch (GpioException error)
        {
            Finish();
            statistics.LastError = error.Message;
            onLost(error.Message);
        }

        void Feed(GpioEdgeEvent edge, bool mayWait)
        {
            var now = _timeProvider.GetUtcNow();
            if (debouncer!.OnEdge(edge) is { } level)
            {
                Report(level, changeStarted ?? now, initial: false, mayWait);
                changeStarted = null;
            }

            changeStarted = debouncer.SettlesAt is null ? null : changeStarted ?? now;
        }

        // The chip went away (or the gateway stops): take the edges already queued, and report the level
        // last seen if it differs from the reported one (a bounce burst ends at the new level; a slow
        // thread must not lose the last change of a contact because the chip closed meanwhile).
        void Finish()
        {
            if (debouncer is null)
            {
                return;
            }

            try
            {
                while (input.WaitForEdge(TimeSpan.Zero, CancellationToken.None) is { } edge)
                {
                    Feed(edge, mayWait: false);
                }
            }
            catch (GpioException)
            {
                // Gone indeed.
            }

            if (debouncer.SettlesAt is { } settlesAt && debouncer.Settle(settlesAt) is { } level)
            {
                Report(level, changeStarted ?? _timeProvider.GetUtcNow(), initial: false, mayWait: false);
            }
        }

        void Report(bool level, DateTimeOffset at, bool initial, bool mayWait)
        {
            statistics.SetLevel(level);
            if (!initial)
            {
                statistics.CountChange();
            }

            var item = Item(index, GpioLineDecoder.ContactPayload(line.EffectiveName, level, at), _timeProvider.GetUtcNow());

            // On the line's own thread: waiting here is the back-pressure (the kernel queues edges meanwhile).
            while (!writer.TryWrite(item))
            {
                if (!mayWait || !writer.WaitToWriteAsync(token).AsTask().GetAwaiter().GetResult())
                {
                    return;
                }
            }

            statistics.CountReading();
        }
    }

    private IngestItem Item(int index, byte[] payload, DateTimeOffset receivedAt)
    {
        var line = _options.Lines[index];
        var channel = $"{_options.Chip}/{line.Offset}";
        return new IngestItem(new RawMessage(SourceKind.Gpio, line.EffectiveName, channel, payload, receivedAt), _decoders[index], null);
    }

    private async Task IngestAsync(ChannelReader<IngestItem> reader, CancellationToken stoppingToken)
    {
        var group = new List<IngestItem>(GroupSize);
        while (await reader.WaitToReadAsync(stoppingToken))
        {
            while (group.Count < GroupSize && reader.TryRead(out var item))
            {
                group.Add(item);
            }

            await _ingestor.IngestAsync(group, stoppingToken);
            group.Clear();
        }
    }

    [LoggerMessage(EventId = 620, Level = LogLevel.Information, Message = "GPIO chip {Chip} open: watching {Lines} lines")]
    private static partial void LogChipOpened(ILogger logger, string chip, int lines);

    [LoggerMessage(EventId = 621, Level = LogLevel.Warning, Message = "GPIO chip {Chip} unavailable: {Reason}; retrying (first in {Delay}), logged again when it opens")]
    private static partial void LogChipUnavailable(ILogger logger, string chip, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 622, Level = LogLevel.Debug, Message = "GPIO chip {Chip} still unavailable: {Reason}")]
    private static partial void LogChipStillUnavailable(ILogger logger, string chip, string reason);

    [LoggerMessage(EventId = 623, Level = LogLevel.Warning, Message = "GPIO chip {Chip} lost: {Reason}; reopening (first in {Delay}), logged again when it returns")]
    private static partial void LogChipLost(ILogger logger, string chip, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 624, Level = LogLevel.Information, Message = "GPIO chip {Chip} back: lines requested again")]
    private static partial void LogChipBack(ILogger logger, string chip);

    [LoggerMessage(EventId = 626, Level = LogLevel.Warning, Message = "GPIO line {Line}: the unfinished window ({Pulses} pulses over {Lasted}) could not be queued (the ingest queue is full) and is lost")]
    private static partial void LogUnfinishedWindowLost(ILogger logger, string line, int pulses, TimeSpan lasted);

    [LoggerMessage(EventId = 627, Level = LogLevel.Warning, Message = "GPIO: {Readings} readings reported while stopping were not committed within {Timeout} (the buffer did not take them) and are lost")]
    private static partial void LogFinalCommitTimedOut(ILogger logger, int readings, TimeSpan timeout);

    [LoggerMessage(EventId = 625, Level = LogLevel.Error, Message = "GPIO line {Line} cannot be used: {Reason}; it stays unwatched until the chip is reopened")]
    private static partial void LogLineUnusable(ILogger logger, string line, string reason);
}

/// <summary>Opens the GPIO chip a configuration names (a seam: tests hand in a simulated chip).</summary>
public interface IGpioChipOpener
{
    /// <summary>Opens <paramref name="chip"/>.</summary>
    /// <exception cref="GpioException">It cannot be opened; the message says why.</exception>
    IGpioChip Open(string chip);
}

/// <summary>libgpiod for <c>gpiochipN</c> and <c>/dev/gpiochipN</c>, the simulator's socket for <c>sim:PATH</c>.</summary>
internal sealed class GpioChipOpener : IGpioChipOpener
{
    public IGpioChip Open(string chip) => GpioChips.Open(chip);
}
