using Microsoft.Extensions.Logging;

namespace EdgeGateway.Logging;

/// <summary>
/// Keeps a flood of bad input from flooding the log: per cause (a reason from a source) the first case is
/// logged in full by the caller, later ones within <see cref="Window"/> are only counted, and when the
/// window ends one line says how many there were. While a cause keeps recurring it gets one summary per
/// window; a window without repeats closes, and the next case is logged in full again.
/// </summary>
/// <remarks>
/// The number of causes is bounded: sources are configured and reasons are a fixed set, so a window's
/// timer per open cause is cheap.
/// </remarks>
public sealed partial class BadInputLog : IDisposable
{
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<(string Source, string Reason), Cause> _open = [];
    private readonly Lock _lock = new();
    private bool _disposed;

    /// <summary>Creates the throttle.</summary>
    /// <param name="window">How long repeats are counted before their summary (<c>Logging:BadInputWindow</c>).</param>
    /// <param name="timeProvider">The clock whose timers end the windows.</param>
    /// <param name="logger">Where the summaries go (the caller's category).</param>
    public BadInputLog(TimeSpan window, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        Window = window;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>How long repeats of a cause are counted before their summary is logged.</summary>
    public TimeSpan Window { get; }

    /// <summary>
    /// Records one case of <paramref name="reason"/> from <paramref name="source"/>. True when the caller should
    /// log it in full (no window of this cause is open); false when it was only counted.
    /// </summary>
    public bool ShouldLog(string source, string reason)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(reason);
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }

            if (_open.TryGetValue((source, reason), out var cause))
            {
                cause.Repeats++;
                return false;
            }

            cause = new Cause(this, source, reason) { Opened = _timeProvider.GetUtcNow() };
            _open.Add((source, reason), cause);
            cause.Timer = _timeProvider.CreateTimer(static state => ((Cause)state!).Owner.WindowEnded((Cause)state!), cause, Window, Timeout.InfiniteTimeSpan);
            return true;
        }
    }

    /// <summary>Logs the repeats of windows still open (at shutdown) and stops the timers.</summary>
    public void Dispose()
    {
        List<Cause> open;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            open = [.. _open.Values];
            _open.Clear();
        }

        foreach (var cause in open)
        {
            cause.Timer?.Dispose();
            if (cause.Repeats > 0)
            {
                LogRepeats(_logger, cause.Repeats, cause.Reason, cause.Source, (long)(_timeProvider.GetUtcNow() - cause.Opened).TotalSeconds);
            }
        }
    }

    private void WindowEnded(Cause cause)
    {
        long repeats;
        lock (_lock)
        {
            if (_disposed || !_open.TryGetValue((cause.Source, cause.Reason), out var current) || current != cause)
            {
                return;
            }

            repeats = cause.Repeats;
            if (repeats == 0)
            {
                _open.Remove((cause.Source, cause.Reason));
                cause.Timer?.Dispose();
            }
            else
            {
                // Still recurring: count through another window rather than log the next case in full.
                cause.Repeats = 0;
                cause.Opened = _timeProvider.GetUtcNow();
                cause.Timer?.Change(Window, Timeout.InfiniteTimeSpan);
            }
        }

        if (repeats > 0)
        {
            LogRepeats(_logger, repeats, cause.Reason, cause.Source, (long)Window.TotalSeconds);
        }
    }

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "{Count} more {Reason} from {Source} in the last {WindowSeconds} s")]
    private static partial void LogRepeats(ILogger logger, long count, string reason, string source, long windowSeconds);

    private sealed class Cause(BadInputLog owner, string source, string reason)
    {
        public BadInputLog Owner { get; } = owner;

        public string Source { get; } = source;

        public string Reason { get; } = reason;

        public long Repeats { get; set; }

        public ITimer? Timer { get; set; }

        public DateTimeOffset Opened { get; set; }
    }
}
