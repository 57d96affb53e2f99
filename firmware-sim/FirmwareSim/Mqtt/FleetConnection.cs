using System.Threading.Channels;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using FirmwareSim.Payloads;
using FirmwareSim.Running;

namespace FirmwareSim.Mqtt;

/// <summary>
/// One MQTT connection of the fleet and the devices it carries: connects (retrying until the connect
/// timeout), publishes their births, subscribes to their command topics, then publishes what the
/// scheduler routes to it with a sliding window of outstanding publishes, recording each completed
/// one in the ledger in order. A message marked for a disconnect fault drops the socket without
/// DISCONNECT (the broker publishes the will), waits the reconnect delay and reconnects with a new
/// client, resending first what was not acknowledged. At the end it publishes the devices' offline
/// status and disconnects cleanly.
/// </summary>
internal sealed class FleetConnection
{
    private readonly MqttFleetSettings _settings;
    private readonly IReadOnlyList<FleetDevice> _devices;
    private readonly FleetScheduler _scheduler;
    private readonly Ledger? _ledger;
    private readonly SimulatorStatistics _statistics;
    private readonly TextWriter _log;
    private readonly TimeSpan _reconnectDelay;
    private readonly Channel<OutgoingMessage> _channel;
    private readonly Dictionary<string, FleetDevice> _byCommandTopic;
    private readonly Queue<(Task<MqttPublishResult> Task, OutgoingMessage Message)> _pending = new();
    private readonly Queue<OutgoingMessage> _retry = new();
    private readonly PayloadEncoder _encoder = new();
    private MqttClient? _client;
    private Task _commands = Task.CompletedTask;
    private bool _aborting;
    private readonly int _window;

    public FleetConnection(
        string clientId,
        IReadOnlyList<FleetDevice> devices,
        MqttFleetSettings settings,
        FleetScheduler scheduler,
        Ledger? ledger,
        SimulatorStatistics statistics,
        TextWriter log,
        TimeSpan reconnectDelay,
        int channelCapacity)
    {
        ClientId = clientId;
        _devices = devices;
        _settings = settings;
        _scheduler = scheduler;
        _ledger = ledger;
        _statistics = statistics;
        _log = log;
        _reconnectDelay = reconnectDelay;
        _window = settings.Inflight;
        _channel = Channel.CreateBounded<OutgoingMessage>(new BoundedChannelOptions(channelCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _byCommandTopic = devices.ToDictionary(d => d.CommandTopic, StringComparer.Ordinal);
    }

    /// <summary>The client id.</summary>
    public string ClientId { get; }

    /// <summary>Where the scheduler routes this connection's messages.</summary>
    public ChannelWriter<OutgoingMessage> Writer => _channel.Writer;

    /// <summary>True when this connection is one device's own (its will is the device's offline status).</summary>
    private bool IsDeviceOwn => _settings.ConnectionPerDevice && _devices.Count == 1;

    /// <summary>Connects for the first time: births, command subscriptions.</summary>
    /// <exception cref="MqttClientException">The broker stayed unreachable for the connect timeout, or refused.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _client = await ConnectWithRetryAsync(_settings.ConnectTimeout, cancellationToken);
        await AnnounceAsync(_client, cancellationToken);
    }

    /// <summary>
    /// Sends until the scheduler completes <see cref="Writer"/>, then drains and disconnects.
    /// <paramref name="drainToken"/> gives up waiting for acknowledgements (second Ctrl+C, drain timeout).
    /// </summary>
    public async Task RunAsync(CancellationToken drainToken)
    {
        try
        {
            await SendLoopAsync(drainToken);
            await SayGoodbyeAsync(drainToken);
        }
        catch (Exception error) when (error is not OperationCanceledException || !drainToken.IsCancellationRequested)
        {
            // Nobody will read this connection's channel any more: fail the scheduler's next write to it
            // instead of letting it wait forever.
            _channel.Writer.TryComplete(error);
            throw;
        }
        catch (OperationCanceledException) when (drainToken.IsCancellationRequested)
        {
            var lost = _pending.Count + _retry.Count;
            for (var i = 0; i < lost; i++)
            {
                _statistics.MqttFailed();
            }

            await _log.WriteLineAsync($"firmware-sim: {ClientId}: stopped waiting for {lost} acknowledgement(s)");
            if (_client is { } client)
            {
                await client.AbortAsync();
            }
        }
        finally
        {
            await CloseAsync();
        }
    }

    /// <summary>Drops the client, if any, without goodbyes (a failed or cancelled start); idempotent.</summary>
    public async Task CloseAsync()
    {
        if (Interlocked.Exchange(ref _client, null) is { } client)
        {
            await client.DisposeAsync();
        }

        await _commands;
    }

    private async Task SendLoopAsync(CancellationToken drainToken)
    {
        var reader = _channel.Reader;
        Task<bool>? readWait = null;
        var channelDone = false;
        while (true)
        {
            while (_pending.Count < _window && TryNext(reader, out var message))
            {
                Start(message);
                if (message.AbortConnectionAfter)
                {
                    // Once: if the message itself is resent on the next connection, it must not drop that one too.
                    message.AbortConnectionAfter = false;
                    await AbortAndReconnectAsync(drainToken);
                }
            }

            await CompleteFinishedAsync(drainToken);
            if (_pending.Count >= _window)
            {
                await CompleteOldestAsync(drainToken);
                continue;
            }

            if (_retry.Count > 0)
            {
                continue;
            }

            if (channelDone)
            {
                if (_pending.Count == 0)
                {
                    return;
                }

                await CompleteOldestAsync(drainToken);
                continue;
            }

            readWait ??= reader.WaitToReadAsync(CancellationToken.None).AsTask();
            if (_pending.Count == 0)
            {
                await readWait.WaitAsync(drainToken);
            }
            else
            {
                await Task.WhenAny(readWait, _pending.Peek().Task).WaitAsync(drainToken);
            }

            if (readWait.IsCompleted)
            {
                channelDone = !readWait.Result;
                readWait = null;
            }
        }
    }

    private bool TryNext(ChannelReader<OutgoingMessage> reader, out OutgoingMessage message)
    {
        if (_retry.TryDequeue(out message!))
        {
            return true;
        }

        return reader.TryRead(out message!);
    }

    private void Start(OutgoingMessage message)
    {
        _statistics.SendStarted();
        var qos = message.Kind == OutgoingKind.Status && _settings.QoS == MqttQualityOfService.AtMostOnce
            ? MqttQualityOfService.AtLeastOnce
            : _settings.QoS;
        var publish = _client!.PublishAsync(new MqttApplicationMessage
        {
            Topic = message.Topic,
            Payload = message.Payload,
            QoS = qos,
            Retain = message.Retain,
        });
        _pending.Enqueue((publish, message));
    }

    private async Task CompleteFinishedAsync(CancellationToken cancellationToken)
    {
        while (_pending.TryPeek(out var head) && head.Task.IsCompleted)
        {
            await CompleteOldestAsync(cancellationToken);
        }
    }

    private async Task CompleteOldestAsync(CancellationToken cancellationToken)
    {
        var (task, message) = _pending.Peek();
        try
        {
            var result = await task.WaitAsync(cancellationToken);
            _pending.Dequeue();
            if (!result.IsSuccess)
            {
                _statistics.MqttFailed();
                await _log.WriteLineAsync($"firmware-sim: {ClientId}: the broker refused a message on {message.Topic}: {result.ReasonCode} {result.ReasonString}");
                return;
            }

            if (message.Kind == OutgoingKind.Status)
            {
                _statistics.MqttStatusSent();
                return;
            }

            _statistics.MqttCompleted(message.Ledgered ? message.Readings : 0, message.Payload.Length);
            if (_ledger is not null)
            {
                await _ledger.RecordAsync(message, CancellationToken.None);
            }
        }
        catch (MqttClientException) when (_aborting)
        {
            // Dropped with the connection on purpose: resent, in order, on the next one.
            _pending.Dequeue();
            _retry.Enqueue(message);
        }
        catch (MqttClientException error)
        {
            _pending.Dequeue();
            _statistics.MqttFailed();
            await _log.WriteLineAsync($"firmware-sim: {ClientId}: a publish on {message.Topic} failed: {error.Message}");
        }
    }

    private async Task AbortAndReconnectAsync(CancellationToken cancellationToken)
    {
        var client = _client!;
        _aborting = true;
        await client.AbortAsync();
        while (_pending.Count > 0)
        {
            await CompleteOldestAsync(cancellationToken);
        }

        _aborting = false;
        await client.DisposeAsync();
        await _commands;
        _client = null;
        await Task.Delay(_reconnectDelay, cancellationToken);
        _client = await ConnectWithRetryAsync(Timeout.InfiniteTimeSpan, cancellationToken);
        await AnnounceAsync(_client, cancellationToken);
    }

    private async Task<MqttClient> ConnectWithRetryAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            var client = new MqttClient(ClientOptions());
            try
            {
                await client.ConnectAsync(cancellationToken);
                _statistics.MqttConnected();
                return client;
            }
            catch (MqttConnectRefusedException)
            {
                await client.DisposeAsync();
                throw;
            }
            catch (MqttClientException error)
            {
                await client.DisposeAsync();
                if (limit != Timeout.InfiniteTimeSpan && TimeProvider.System.GetElapsedTime(started) + delay > limit)
                {
                    throw new MqttClientException($"{ClientId}: gave up after {limit.TotalSeconds:0.#} s: {error.Message}", error);
                }

                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private MqttClientOptions ClientOptions()
    {
        var now = TimeProvider.System.GetUtcNow();
        var will = IsDeviceOwn
            ? new MqttWillMessage
            {
                Topic = _devices[0].StatusTopic,
                Payload = _encoder.EncodeStatus(Status(_devices[0], online: false, now, "connection-lost")),
                QoS = MqttQualityOfService.AtLeastOnce,
                Retain = true,
            }
            : new MqttWillMessage
            {
                Topic = TopicScheme.Connection(ClientId),
                Payload = _encoder.EncodeConnectionStatus(ClientId, online: false, _devices.Count, now, "connection-lost"),
                QoS = MqttQualityOfService.AtLeastOnce,
                Retain = true,
            };
        return new MqttClientOptions
        {
            Host = _settings.Host,
            Port = _settings.Port,
            ProtocolVersion = _settings.ProtocolVersion,
            ClientId = ClientId,
            CleanStart = true,
            Username = _settings.Username,
            Password = _settings.Password,
            Will = will,
            Tls = _settings.Tls ? new MqttTlsOptions { CaFile = _settings.CaFile } : null,
            MaximumInflight = _settings.Inflight,
            AcknowledgementMode = MqttAcknowledgementMode.Automatic,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>Births (retained online status of each device, and of the connection when shared), then command subscriptions.</summary>
    private async Task AnnounceAsync(MqttClient client, CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetUtcNow();
        var births = new List<Task<MqttPublishResult>>(_devices.Count + 1);
        if (!IsDeviceOwn)
        {
            births.Add(client.PublishAsync(
                new MqttApplicationMessage
                {
                    Topic = TopicScheme.Connection(ClientId),
                    Payload = _encoder.EncodeConnectionStatus(ClientId, online: true, _devices.Count, now),
                    QoS = MqttQualityOfService.AtLeastOnce,
                    Retain = true,
                },
                cancellationToken));
        }

        foreach (var device in _devices)
        {
            births.Add(client.PublishAsync(StatusMessage(device, online: true, now, reason: null), cancellationToken));
        }

        foreach (var birth in births)
        {
            await birth;
            _statistics.MqttStatusSent();
        }

        foreach (var chunk in _devices.Chunk(200))
        {
            await client.SubscribeAsync(
                [.. chunk.Select(d => new MqttSubscription(d.CommandTopic, new MqttSubscriptionOptions(MqttQualityOfService.AtLeastOnce)))],
                cancellationToken);
        }

        _commands = Task.Run(() => ReadCommandsAsync(client), CancellationToken.None);
    }

    private async Task ReadCommandsAsync(MqttClient client)
    {
        await foreach (var message in client.Messages.ReadAllAsync())
        {
            if (!_byCommandTopic.TryGetValue(message.Topic, out var device))
            {
                continue;
            }

            if (DeviceCommand.TryParse(device.Profile.Id, message.Payload.Span, out var command, out var problem) && _scheduler.Post(command!))
            {
                await _log.WriteLineAsync($"firmware-sim: {device.Profile.Id}: command {DescribeCommand(command!)}");
            }
            else
            {
                _statistics.Command(applied: false);
                await _log.WriteLineAsync($"firmware-sim: {device.Profile.Id}: command rejected: {problem ?? "the device is not running"}");
            }
        }
    }

    private async Task SayGoodbyeAsync(CancellationToken cancellationToken)
    {
        if (_client is not { } client)
        {
            return;
        }

        var now = TimeProvider.System.GetUtcNow();
        var goodbyes = _devices.Select(d => client.PublishAsync(StatusMessage(d, online: false, now, "shutdown"), cancellationToken)).ToList();
        if (!IsDeviceOwn)
        {
            goodbyes.Add(client.PublishAsync(
                new MqttApplicationMessage
                {
                    Topic = TopicScheme.Connection(ClientId),
                    Payload = _encoder.EncodeConnectionStatus(ClientId, online: false, _devices.Count, now, "shutdown"),
                    QoS = MqttQualityOfService.AtLeastOnce,
                    Retain = true,
                },
                cancellationToken));
        }

        foreach (var goodbye in goodbyes)
        {
            await goodbye.WaitAsync(cancellationToken);
            _statistics.MqttStatusSent();
        }

        await client.DisconnectAsync(cancellationToken);
    }

    private MqttApplicationMessage StatusMessage(FleetDevice device, bool online, DateTimeOffset now, string? reason) => new()
    {
        Topic = device.StatusTopic,
        Payload = _encoder.EncodeStatus(Status(device, online, now, reason)),
        QoS = MqttQualityOfService.AtLeastOnce,
        Retain = true,
    };

    // Firmware and interval are written by the scheduler's task; a reference and a 64-bit TimeSpan are
    // read whole, and a status that shows the value from just before a change is still a true status.
    private static DeviceStatus Status(FleetDevice device, bool online, DateTimeOffset now, string? reason) =>
        new(device.Profile, online, device.Device.Firmware, device.Device.Interval, now, reason);

    private static string DescribeCommand(DeviceCommand command) =>
        string.Join(", ", new[]
        {
            command.SamplingInterval is { } interval ? $"samplingInterval={Durations.Format(interval)}" : null,
            command.Firmware is { } firmware ? $"firmware={firmware}" : null,
        }.Where(s => s is not null));
}
