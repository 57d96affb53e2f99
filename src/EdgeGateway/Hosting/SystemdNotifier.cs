using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Hosting;

/// <summary>
/// Tells systemd when the gateway is ready (<c>READY=1</c> once every hosted service has started),
/// keeps its watchdog fed at half the configured interval while the gateway is alive (<see cref="GatewayLiveness"/>, the same answer as <c>/healthz</c>), and says
/// <c>STOPPING=1</c> on shutdown. Does nothing when the process was not started with <c>$NOTIFY_SOCKET</c>.
/// </summary>
internal sealed partial class SystemdNotifier(
    SystemdSettings settings,
    IHostApplicationLifetime lifetime,
    GatewayLiveness liveness,
    TimeProvider time,
    ILogger<SystemdNotifier> logger) : BackgroundService
{
    private SystemdNotifySocket? _socket;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.NotifySocket is { } path)
        {
            _socket = new SystemdNotifySocket(path);
            lifetime.ApplicationStarted.Register(() => Notify($"READY=1\nSTATUS=Gateway ready\nMAINPID={Environment.ProcessId}"));
            lifetime.ApplicationStopping.Register(() => Notify("STOPPING=1\nSTATUS=Stopping"));
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_socket is null || settings.WatchdogInterval is not { } interval)
        {
            return;
        }

        // Half the timeout, as sd_watchdog_enabled(3) advises, so one late tick is not fatal.
        using var timer = new PeriodicTimer(interval / 2, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // Exactly when /healthz fails: a dead critical loop stops the host anyway; not pinging lets systemd catch a stop that hangs.
                if (liveness.Check().IsHealthy)
                {
                    Notify("WATCHDOG=1");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _socket?.Dispose();
        base.Dispose();
    }

    private void Notify(string message)
    {
        try
        {
            _socket?.Send(message);
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            LogNotifyFailed(logger, settings.NotifySocket, error.Message);
        }
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Could not notify systemd at {Socket}: {Reason}")]
    private static partial void LogNotifyFailed(ILogger logger, string? socket, string reason);
}
