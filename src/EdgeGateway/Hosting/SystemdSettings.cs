using System.Globalization;

namespace EdgeGateway.Hosting;

/// <summary>What systemd tells a <c>Type=notify</c> service through its environment.</summary>
/// <param name="NotifySocket">The <c>$NOTIFY_SOCKET</c> path, or null when not started by systemd.</param>
/// <param name="WatchdogInterval">The watchdog timeout from <c>$WATCHDOG_USEC</c>, or null when no watchdog is set for this process.</param>
public sealed record SystemdSettings(string? NotifySocket, TimeSpan? WatchdogInterval)
{
    /// <summary>Reads the settings from environment variables (the process environment when null).</summary>
    public static SystemdSettings FromEnvironment(System.Collections.IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var socket = environment["NOTIFY_SOCKET"] as string;
        var watchdog = ParseWatchdog(environment["WATCHDOG_USEC"] as string, environment["WATCHDOG_PID"] as string);
        return new SystemdSettings(string.IsNullOrEmpty(socket) ? null : socket, watchdog);
    }

    private static TimeSpan? ParseWatchdog(string? microseconds, string? pid)
    {
        // WATCHDOG_PID names the process the watchdog is for; a child that inherited it must not ping.
        if (!string.IsNullOrEmpty(pid)
            && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var forPid) || forPid != Environment.ProcessId))
        {
            return null;
        }

        return long.TryParse(microseconds, NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec)
            : null;
    }
}
