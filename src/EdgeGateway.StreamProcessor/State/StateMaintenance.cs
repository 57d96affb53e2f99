using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.StreamProcessor.State;

/// <summary>
/// Closes the windows of series that went quiet (every second) and forgets what is past its retention
/// (every minute). Any instance on a state file may do it: both are idempotent transactions.
/// </summary>
internal sealed partial class StateMaintenance(ProcessorState state, TimeProvider timeProvider, ILogger<StateMaintenance> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), timeProvider);
        var ticks = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    state.CloseIdleWindows();
                    if (++ticks % 60 == 0)
                    {
                        state.Prune();
                    }
                }
                catch (Microsoft.Data.Sqlite.SqliteException error)
                {
                    LogFailed(logger, error.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 831, Level = LogLevel.Warning, Message = "State maintenance failed (tried again in a second): {Error}")]
    private static partial void LogFailed(ILogger logger, string error);
}
