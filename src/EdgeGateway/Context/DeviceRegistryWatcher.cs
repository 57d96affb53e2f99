using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Context;

/// <summary>
/// Looks every <see cref="Interval"/> for registry changes made by another process (an operator's
/// <c>edge-gateway mcp</c> over stdio writes the same SQLite file), so the running service applies them
/// to the next readings without a restart. The check is one <c>PRAGMA data_version</c> query.
/// </summary>
/// <param name="registry">The service's registry.</param>
/// <param name="timeProvider">The clock.</param>
/// <param name="logger">Where a failed check is logged (the next one is tried anyway).</param>
public sealed partial class DeviceRegistryWatcher(DeviceRegistry registry, TimeProvider timeProvider, ILogger<DeviceRegistryWatcher> logger) : BackgroundService
{
    /// <summary>How often the file is checked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, timeProvider);
        var failing = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await registry.ReloadIfChangedAsync(stoppingToken);
                failing = false;
            }
            catch (SqliteException error) when (!failing)
            {
                failing = true;
                LogCheckFailed(logger, error.Message);
            }
            catch (SqliteException)
            {
                // Logged once when it started failing.
            }
        }
    }

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "Cannot check the device registry for changes made by another process ({Error}); retrying")]
    private static partial void LogCheckFailed(ILogger logger, string error);
}
