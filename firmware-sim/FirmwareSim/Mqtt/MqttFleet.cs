using System.Globalization;
using FirmwareSim.Running;

namespace FirmwareSim.Mqtt;

/// <summary>
/// The fleet on MQTT: its connections (a few shared ones, or one per device), the scheduler feeding
/// them, and the ledger behind them. A device always uses the same connection, so its messages keep
/// their order.
/// </summary>
public sealed class MqttFleet
{
    private readonly MqttFleetSettings _settings;
    private readonly FleetScheduler _scheduler;
    private readonly TextWriter _log;
    private readonly List<FleetConnection> _connections = [];
    private readonly FleetConnection[] _byDevice;

    /// <summary>Sets up the connections (nothing is connected yet).</summary>
    /// <param name="settings">Broker and connection settings.</param>
    /// <param name="scheduler">What to send.</param>
    /// <param name="ledger">Where completed readings are recorded; null for none.</param>
    /// <param name="statistics">The run's counters.</param>
    /// <param name="reconnectDelay">How long a connection dropped by a fault stays away.</param>
    /// <param name="log">Where lines about connections and commands go.</param>
    public MqttFleet(MqttFleetSettings settings, FleetScheduler scheduler, Ledger? ledger, SimulatorStatistics statistics, TimeSpan reconnectDelay, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(log);
        _settings = settings;
        _scheduler = scheduler;
        _log = log;
        var devices = scheduler.Devices;
        var count = settings.ConnectionPerDevice ? devices.Count : Math.Clamp(settings.Connections, 1, Math.Max(1, devices.Count));

        // Room for what a connection is sent while it reconnects after a dropped socket (plus a second
        // of slack), so one connection's outage does not stall the whole fleet's schedule.
        var messagesPerSecond = devices.Sum(d => 1 / d.Device.EffectiveInterval.TotalSeconds) / Math.Max(1, count);
        var capacity = (int)Math.Clamp(messagesPerSecond * (reconnectDelay.TotalSeconds + 1), 256, 100_000);
        for (var i = 0; i < count; i++)
        {
            var own = settings.ConnectionPerDevice
                ? [devices[i]]
                : devices.Where(d => d.Index % count == i).ToList();
            var clientId = settings.ConnectionPerDevice
                ? $"{settings.ClientIdPrefix}-{devices[i].Profile.Id}"
                : $"{settings.ClientIdPrefix}-c{i.ToString(CultureInfo.InvariantCulture)}";
            _connections.Add(new FleetConnection(clientId, own, settings, scheduler, ledger, statistics, log, reconnectDelay, capacity));
        }

        _byDevice = [.. devices.Select(d => _connections[settings.ConnectionPerDevice ? d.Index : d.Index % count])];
    }

    /// <summary>How many connections carry the fleet.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Connects every connection (a bounded number at a time): births and command subscriptions.</summary>
    /// <exception cref="EdgeGateway.Mqtt.Client.MqttClientException">A connection could not be made within the connect timeout.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Parallel.ForEachAsync(
                _connections,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _settings.ConnectConcurrency), CancellationToken = cancellationToken },
                async (connection, token) => await connection.ConnectAsync(token));
        }
        catch
        {
            // The run will not start: close what did connect (its will fires; nothing was sent yet).
            foreach (var connection in _connections)
            {
                await connection.CloseAsync();
            }

            throw;
        }
        await _log.WriteLineAsync($"firmware-sim: {_scheduler.Devices.Count} devices on {_connections.Count} connection(s) to {_settings}");
    }

    /// <summary>
    /// Runs the scheduler until its duration ends or <paramref name="stopToken"/> fires, then drains
    /// every connection (waiting for acknowledgements for at most the drain timeout, or until
    /// <paramref name="drainToken"/> fires) and disconnects.
    /// </summary>
    public async Task RunAsync(CancellationToken stopToken, CancellationToken drainToken)
    {
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(drainToken);
        var senders = _connections.Select(c => Task.Run(() => c.RunAsync(drain.Token), CancellationToken.None)).ToList();
        try
        {
            await _scheduler.RunAsync(RouteAsync, stopToken);
        }
        finally
        {
            // From here on, acknowledgements are awaited for at most the drain timeout.
            drain.CancelAfter(_settings.DrainTimeout);
            foreach (var connection in _connections)
            {
                connection.Writer.TryComplete();
            }

            await Task.WhenAll(senders);
        }

        ValueTask RouteAsync(OutgoingMessage message, CancellationToken cancellationToken)
        {
            var writer = _byDevice[message.Device.Index].Writer;
            return writer.TryWrite(message) ? ValueTask.CompletedTask : writer.WriteAsync(message, cancellationToken);
        }
    }
}
