using System.Text;
using System.Threading.Channels;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Mqtt.Topics;

namespace EdgeGateway.Mqtt.Client;

/// <summary>
/// An MQTT 3.1.1 / 5.0 client that acknowledges inbound QoS 1/2 messages only when its consumer says
/// so (<see cref="MqttReceivedMessage.AcknowledgeAsync"/>), reconnects by itself with backoff and
/// jitter, renews its subscriptions after every reconnect, and resends unacknowledged publishes.
/// </summary>
/// <remarks>
/// Flow control: at most <see cref="MqttClientOptions.ReceiveMaximum"/> unacknowledged QoS 1/2 messages
/// are announced to the broker (5.0), and the inbound queue is bounded, so a slow consumer makes the
/// broker hold messages instead of this process's memory growing. Outbound, at most
/// min(<see cref="MqttClientOptions.MaximumInflight"/>, the broker's Receive Maximum) publishes are in flight.
/// </remarks>
public sealed partial class MqttClient : IAsyncDisposable
{
    private readonly MqttClientOptions _options;
    private readonly IMqttClientLogger? _logger;
    private readonly Channel<MqttReceivedMessage> _inbound;
    private readonly InflightWindow _window;
    private readonly PacketIdentifiers _identifiers = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<ushort, PendingPublish> _pendingPublishes = [];
    private readonly Dictionary<ushort, TaskCompletionSource<MqttPacket>> _pendingRequests = [];
    private readonly Dictionary<string, MqttSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly HashSet<ushort> _inboundQos2AwaitingRelease = [];
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Random _random = new();
    private MqttConnection? _connection;
    private TaskCompletionSource _connectionLost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _generation;
    private long _publishSequence;
    private long _inboundUnacknowledged;
    private Task? _supervisor;
    private MqttConnectionState _state;
    private int _started;
    private int _disposed;

    /// <summary>Creates a client; nothing is connected until <see cref="ConnectAsync"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public MqttClient(MqttClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = options.Logger;
        _window = new InflightWindow(options.MaximumInflight);

        // Enough room for every unacknowledged message the broker may send, plus some QoS 0 ones; when
        // full, the read loop stops reading the socket and TCP pushes back on the broker.
        _inbound = Channel.CreateBounded<MqttReceivedMessage>(new BoundedChannelOptions(Math.Max(options.ReceiveMaximum, (ushort)256))
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Messages delivered by the broker, in the order received. Completes when the client is disposed.</summary>
    public ChannelReader<MqttReceivedMessage> Messages => _inbound.Reader;

    /// <summary>Where the connection stands.</summary>
    public MqttConnectionState State => _state;

    /// <summary>Activity counters.</summary>
    public MqttClientCounters Counters { get; } = new();

    /// <summary>The options the client runs with.</summary>
    public MqttClientOptions Options => _options;

    /// <summary>Outgoing QoS 1/2 publishes not yet acknowledged by the broker.</summary>
    public int PendingPublishCount
    {
        get
        {
            lock (_gate)
            {
                return _pendingPublishes.Count;
            }
        }
    }

    /// <summary>
    /// Raised on every change of <see cref="State"/>, on the client's own task. Handlers must be quick
    /// and must not throw.
    /// </summary>
    public event EventHandler<MqttConnectionStateChange>? ConnectionStateChanged;

    /// <summary>
    /// Connects for the first time; afterwards the client keeps itself connected. Fails if the broker
    /// cannot be reached or refuses the connection (<see cref="MqttConnectRefusedException"/> carries the reason code).
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("ConnectAsync was already called; the client reconnects by itself.");
        }

        try
        {
            await ConnectOnceAsync(_options.CleanStart, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Volatile.Write(ref _started, 0);
            SetState(new MqttConnectionStateChange(MqttConnectionState.Disconnected));
            throw;
        }

        _supervisor = Task.Run(SuperviseAsync, CancellationToken.None);
    }

    /// <summary>Subscribes (and remembers the subscriptions, to renew them after every reconnect).</summary>
    /// <exception cref="MqttNotConnectedException">There is no connection right now.</exception>
    public async Task<IReadOnlyList<MqttSubscribeResult>> SubscribeAsync(IReadOnlyList<MqttSubscription> subscriptions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        if (subscriptions.Count == 0)
        {
            throw new ArgumentException("At least one subscription is needed.", nameof(subscriptions));
        }

        foreach (var subscription in subscriptions)
        {
            if (!MqttTopicFilter.IsValidFilter(subscription.TopicFilter))
            {
                throw new ArgumentException($"'{subscription.TopicFilter}' is not a valid topic filter.", nameof(subscriptions));
            }
        }

        lock (_gate)
        {
            foreach (var subscription in subscriptions)
            {
                _subscriptions[subscription.TopicFilter] = subscription;
            }
        }

        var connection = _connection ?? throw new MqttNotConnectedException();
        var results = await SendSubscribeAsync(connection, subscriptions, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var failed in results.Where(r => !r.IsSuccess))
            {
                _subscriptions.Remove(failed.TopicFilter);
            }
        }

        return results;
    }

    /// <summary>Subscribes to one filter.</summary>
    public async Task<MqttSubscribeResult> SubscribeAsync(string topicFilter, MqttQualityOfService qos, CancellationToken cancellationToken = default) =>
        (await SubscribeAsync([new MqttSubscription(topicFilter, new MqttSubscriptionOptions(qos))], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Unsubscribes (and forgets the filters).</summary>
    /// <exception cref="MqttNotConnectedException">There is no connection right now.</exception>
    public async Task UnsubscribeAsync(IReadOnlyList<string> topicFilters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(topicFilters);
        lock (_gate)
        {
            foreach (var filter in topicFilters)
            {
                _subscriptions.Remove(filter);
            }
        }

        var connection = _connection ?? throw new MqttNotConnectedException();
        var identifier = _identifiers.Rent();
        try
        {
            await RequestAsync(connection, identifier, new MqttUnsubscribePacket { PacketIdentifier = identifier, TopicFilters = topicFilters }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _identifiers.Return(identifier);
        }
    }

    /// <summary>
    /// Publishes a message and completes when it is done: written (QoS 0), acknowledged by PUBACK
    /// (QoS 1) or PUBCOMP (QoS 2). QoS 1/2 messages wait for a slot in the in-flight window and survive
    /// reconnects (they are resent); cancelling stops waiting, not the delivery.
    /// </summary>
    /// <exception cref="MqttNotConnectedException">QoS 0 while not connected.</exception>
    public async Task<MqttPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (!MqttTopicFilter.IsValidTopicName(message.Topic))
        {
            throw new ArgumentException($"'{message.Topic}' is not a valid topic name.", nameof(message));
        }

        if (message.QoS == MqttQualityOfService.AtMostOnce)
        {
            var connection = _connection ?? throw new MqttNotConnectedException();
            var packet = ToPacket(message, 0, dup: false);
            ThrowIfTooLarge(packet, connection.MaximumOutboundPacketSize);
            await connection.SendAndFlushAsync(packet, cancellationToken).ConfigureAwait(false);
            Counters.Published();
            return new MqttPublishResult(0, MqttPubAckReasonCode.Success);
        }

        // Checked before queuing: a packet the broker cannot take would otherwise be resent forever.
        ThrowIfTooLarge(ToPacket(message, 1, dup: false), _connection?.MaximumOutboundPacketSize ?? MqttLimits.MaximumPacketSize);
        PendingPublish? pending = null;
        await _window.WaitAsync(
            () =>
            {
                // Runs under the window's lock, in call order: identifiers and sends follow the order of the calls.
                var identifier = _identifiers.Rent();
                pending = new PendingPublish(message, ToPacket(message, identifier, dup: false), Interlocked.Increment(ref _publishSequence));
                lock (_gate)
                {
                    _pendingPublishes.Add(identifier, pending);
                }

                // If not connected now, the reconnect sends it with everything else that is pending.
                _connection?.TrySend(pending.Packet);
            },
            cancellationToken).ConfigureAwait(false);

        return await pending!.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes a UTF-8 text payload.</summary>
    public Task<MqttPublishResult> PublishAsync(string topic, string payload, MqttQualityOfService qos = MqttQualityOfService.AtLeastOnce, bool retain = false, CancellationToken cancellationToken = default) =>
        PublishAsync(new MqttApplicationMessage { Topic = topic, Payload = Encoding.UTF8.GetBytes(payload), QoS = qos, Retain = retain }, cancellationToken);

    /// <summary>Disconnects cleanly (DISCONNECT, so no will message) and stops reconnecting.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(graceful: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Drops the connection without DISCONNECT, as a crash would (the broker publishes the will message
    /// and keeps a persistent session with its unacknowledged messages), and stops reconnecting.
    /// </summary>
    public async Task AbortAsync()
    {
        await StopAsync(graceful: false).ConfigureAwait(false);
    }

    /// <summary>Disconnects cleanly if connected, fails what is pending and completes <see cref="Messages"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed != 0)
        {
            return;
        }

        await StopAsync(graceful: true).ConfigureAwait(false);
        Interlocked.Exchange(ref _disposed, 1);
        _lifetime.Dispose();
    }

    /// <summary>
    /// Acknowledges many messages at once (e.g. everything one buffer commit made durable): all
    /// acknowledgements are queued together and leave in as few writes as possible. Completes once the
    /// last is written. Returns how many could not be sent because their connection is gone (the
    /// broker redelivers those).
    /// </summary>
    public async Task<int> AcknowledgeAsync(IEnumerable<MqttReceivedMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var stale = 0;
        var acknowledgements = new List<MqttPacket>();
        var connection = _connection;
        foreach (var message in messages)
        {
            if (!message.TryMarkAcknowledged())
            {
                continue;
            }

            if (PrepareAcknowledgement(connection, message) is { } packet)
            {
                acknowledgements.Add(packet);
            }
            else
            {
                stale++;
            }
        }

        if (acknowledgements.Count == 0)
        {
            return stale;
        }

        try
        {
            // Written on this thread when nothing else is being written: no hand-off to the write loop.
            await connection!.WriteNowAsync(acknowledgements, cancellationToken).ConfigureAwait(false);
        }
        catch (MqttNotConnectedException)
        {
            // The connection died before the write: the broker redelivers what it did not get.
        }

        return stale;
    }

    internal async ValueTask<bool> AcknowledgeAsync(MqttReceivedMessage message, CancellationToken cancellationToken)
    {
        var connection = _connection;
        if (PrepareAcknowledgement(connection, message) is not { } packet)
        {
            return false;
        }

        try
        {
            // Completes once the acknowledgement is written to the socket: a crash after this point
            // cannot make the broker forget it (the kernel still sends what was written).
            await connection!.WriteNowAsync([packet], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (MqttNotConnectedException)
        {
            return false;
        }
    }

    /// <summary>Automatic mode, on the read thread: queued for the write loop, which batches them.</summary>
    private void AcknowledgeQueued(MqttReceivedMessage message)
    {
        var connection = _connection;
        if (PrepareAcknowledgement(connection, message) is { } packet && !connection!.TrySend(packet))
        {
            Counters.StaleAcknowledgement();
        }
    }

    /// <summary>
    /// The PUBACK (PUBREC for QoS 2) for a message, counted as sent; null, counted as stale, when the
    /// message came on another connection than <paramref name="connection"/> (the current one).
    /// </summary>
    private MqttPacket? PrepareAcknowledgement(MqttConnection? connection, MqttReceivedMessage message)
    {
        // Acknowledging on another connection than the one the message came on would confuse the
        // broker's packet identifiers; the broker redelivers the message on the new connection instead.
        if (connection is null || connection.IsClosing || message.ConnectionGeneration != Interlocked.Read(ref _generation))
        {
            Counters.StaleAcknowledgement();
            return null;
        }

        MqttPacket ack;
        if (message.QoS == MqttQualityOfService.ExactlyOnce)
        {
            lock (_gate)
            {
                _inboundQos2AwaitingRelease.Add(message.PacketIdentifier);
            }

            ack = new MqttPubRecPacket { PacketIdentifier = message.PacketIdentifier };
        }
        else
        {
            ack = new MqttPubAckPacket { PacketIdentifier = message.PacketIdentifier };
        }

        Interlocked.Decrement(ref _inboundUnacknowledged);
        Counters.Acknowledged();
        return ack;
    }

    private void ThrowIfTooLarge(MqttPublishPacket packet, int maximumPacketSize)
    {
        var size = MqttPacketEncoder.GetEncodedSize(packet, _options.ProtocolVersion);
        if (size > maximumPacketSize)
        {
            throw new MqttPacketTooLargeException(MqttPacketType.Publish, size, maximumPacketSize);
        }
    }

    private async Task StopAsync(bool graceful)
    {
        if (Interlocked.Exchange(ref _started, 2) == 2)
        {
            return;
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        var connection = Interlocked.Exchange(ref _connection, null);
        if (connection is not null)
        {
            if (graceful)
            {
                await connection.CloseGracefullyAsync(new MqttDisconnectPacket { ReasonCode = MqttDisconnectReasonCode.NormalDisconnection }, _options.ConnectTimeout).ConfigureAwait(false);
            }
            else
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (_supervisor is not null)
        {
            await _supervisor.ConfigureAwait(false);
        }

        FailPending(new MqttNotConnectedException("The client was stopped before the broker acknowledged the publish."));
        _inbound.Writer.TryComplete();
        SetState(new MqttConnectionStateChange(MqttConnectionState.Disconnected));
    }

    private void SetState(MqttConnectionStateChange change)
    {
        if (_state == change.State && change.State == MqttConnectionState.Disconnected)
        {
            return;
        }

        _state = change.State;
        ConnectionStateChanged?.Invoke(this, change);
    }

    private sealed class PendingPublish(MqttApplicationMessage message, MqttPublishPacket packet, long sequence)
    {
        public MqttApplicationMessage Message { get; } = message;

        public MqttPublishPacket Packet { get; set; } = packet;

        public long Sequence { get; } = sequence;

        /// <summary>QoS 2: PUBREC received, PUBREL sent, waiting for PUBCOMP.</summary>
        public bool Released { get; set; }

        /// <summary>
        /// Completed on a pool thread only (never on the read thread or a caller's), so continuations may
        /// run inline: one work item completes all the publishes of a read, not one item per publish.
        /// </summary>
        public TaskCompletionSource<MqttPublishResult> Completion { get; } = new();
    }

    /// <summary>What the packets of one read produced, handed on together before the next blocking read.</summary>
    private sealed class ReadBatch
    {
        private const int Limit = 256;

        public List<MqttReceivedMessage> Deliveries { get; } = [];

        public List<(PendingPublish Publish, MqttPublishResult? Result, Exception? Error)> Completions { get; } = [];

        public bool IsFull => Deliveries.Count >= Limit || Completions.Count >= Limit;
    }
}
