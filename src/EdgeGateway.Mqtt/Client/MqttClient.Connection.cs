using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using EdgeGateway.Mqtt.Packets;

namespace EdgeGateway.Mqtt.Client;

// The connection side of the client: connect, read loop, keep-alive, reconnect.
public sealed partial class MqttClient
{
    private bool IsPersistentSession =>
        _options.ProtocolVersion == MqttProtocolVersion.V500 ? _options.SessionExpiry > TimeSpan.Zero : !_options.CleanStart;

    private async Task ConnectOnceAsync(bool cleanStart, CancellationToken cancellationToken)
    {
        SetState(new MqttConnectionStateChange(MqttConnectionState.Connecting));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        MqttConnection? connection = null;
        MqttConnAckPacket connAck;
        try
        {
            connection = await MqttConnection.OpenAsync(_options, timeout.Token).ConfigureAwait(false);
            var firstPacket = connection.StartReading();
            await connection.SendAndFlushAsync(BuildConnect(cleanStart), timeout.Token).ConfigureAwait(false);
            var answer = await firstPacket.WaitAsync(timeout.Token).ConfigureAwait(false);
            connAck = answer as MqttConnAckPacket
                ?? throw new MqttClientException(answer is null
                    ? $"The broker at {_options.Host}:{_options.Port} closed the connection before answering CONNECT."
                    : $"The broker answered CONNECT with {answer.PacketType} instead of CONNACK.");
        }
        catch (Exception error) when (connection is not null || error is not MqttClientException)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            var wrapped = error switch
            {
                MqttConnectRefusedException refused => refused,
                MqttClientException client => new MqttClientException($"Cannot connect to {_options.Host}:{_options.Port}: {client.Message}", client),
                OperationCanceledException when !cancellationToken.IsCancellationRequested && !_lifetime.IsCancellationRequested =>
                    new MqttClientException($"Connecting to {_options.Host}:{_options.Port} timed out after {_options.ConnectTimeout.TotalSeconds:0.#} s.", error),
                SocketException or IOException or AuthenticationException =>
                    new MqttClientException($"Cannot connect to {_options.Host}:{_options.Port}: {error.Message}", error),
                _ => null,
            };
            if (wrapped is null)
            {
                throw;
            }

            if (connection is not null && _options.Tls is { ClientCertificate: null } && wrapped is not (MqttConnectRefusedException or { InnerException: OperationCanceledException }))
            {
                // In TLS 1.3 the client finishes its handshake before the broker checks for a client
                // certificate, so a broker that requires one just drops the connection: say what that likely means.
                wrapped = new MqttClientException(
                    $"{wrapped.Message} The connection was made over TLS without a client certificate; a broker that requires one (mosquitto: require_certificate true) closes it this way.",
                    error);
            }

            Log(MqttLogLevel.Warning, MqttLogEvent.ConnectFailed, wrapped.Message, error);
            throw wrapped;
        }

        if ((int)connAck.ReasonCode >= 0x80)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            var refused = new MqttConnectRefusedException(connAck.ReasonCode, connAck.ReasonString);
            Log(MqttLogLevel.Error, MqttLogEvent.ConnectRefused, refused.Message);
            throw refused;
        }

        connection.MaximumOutboundPacketSize = connAck.MaximumPacketSize is { } maximum ? (int)Math.Min(maximum, MqttLimits.MaximumPacketSize) : MqttLimits.MaximumPacketSize;
        _window.SetLimit(Math.Min(_options.MaximumInflight, connAck.ReceiveMaximum ?? ushort.MaxValue));
        var keepAlive = connAck.ServerKeepAlive is { } serverKeepAlive ? TimeSpan.FromSeconds(serverKeepAlive) : _options.KeepAlive;

        var generation = Interlocked.Increment(ref _generation);
        Interlocked.Exchange(ref _inboundUnacknowledged, 0);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _connectionLost = lost;
            if (!connAck.SessionPresent)
            {
                // A new session: the broker forgot the QoS 2 exchanges it had with us.
                _inboundQos2AwaitingRelease.Clear();
            }
        }

        // Resend what is pending, then publish the connection, with no new publish able to slip in between.
        _window.RunExclusive(() =>
        {
            ResendPending(connection, connAck.SessionPresent);
            _connection = connection;
        });

        // On the connection's own thread, with blocking reads: no thread-pool hand-off per read (see MqttConnection).
        connection.ContinueReading(() => ReadLoop(connection, generation, lost));
        if (keepAlive > TimeSpan.Zero)
        {
            _ = Task.Run(() => KeepAliveLoopAsync(connection, keepAlive), CancellationToken.None);
        }

        Counters.Connected();
        Log(MqttLogLevel.Information, MqttLogEvent.Connected,
            $"Connected to {_options.Host}:{_options.Port} as '{_options.ClientId}' (MQTT {(_options.ProtocolVersion == MqttProtocolVersion.V500 ? "5.0" : "3.1.1")}, session present: {connAck.SessionPresent})");
        SetState(new MqttConnectionStateChange(MqttConnectionState.Connected, connAck.SessionPresent));
    }

    private MqttConnectPacket BuildConnect(bool cleanStart) => new()
    {
        ClientId = _options.ClientId,
        CleanStart = cleanStart,
        KeepAlive = (ushort)_options.KeepAlive.TotalSeconds,
        UserName = _options.Username,
        Password = _options.Password is null ? (ReadOnlyMemory<byte>?)null : Encoding.UTF8.GetBytes(_options.Password),
        Will = _options.Will,
        SessionExpiryInterval = _options.ProtocolVersion == MqttProtocolVersion.V500 && _options.SessionExpiry > TimeSpan.Zero
            ? (uint)_options.SessionExpiry.TotalSeconds
            : null,
        ReceiveMaximum = _options.ProtocolVersion == MqttProtocolVersion.V500 ? _options.ReceiveMaximum : null,
        MaximumPacketSize = _options.ProtocolVersion == MqttProtocolVersion.V500 ? (uint)_options.MaximumPacketSize : null,
        TopicAliasMaximum = _options.ProtocolVersion == MqttProtocolVersion.V500 ? _options.TopicAliasMaximum : null,
    };

    private void ResendPending(MqttConnection connection, bool sessionPresent)
    {
        List<PendingPublish> pending;
        lock (_gate)
        {
            pending = [.. _pendingPublishes.Values.OrderBy(p => p.Sequence)];
        }

        foreach (var publish in pending)
        {
            if (MqttPacketEncoder.GetEncodedSize(publish.Packet, _options.ProtocolVersion) > connection.MaximumOutboundPacketSize)
            {
                // This broker takes smaller packets than the one it was queued for: it can never be sent.
                FailPublish(publish, new MqttPacketTooLargeException(MqttPacketType.Publish, MqttPacketEncoder.GetEncodedSize(publish.Packet, _options.ProtocolVersion), connection.MaximumOutboundPacketSize));
                continue;
            }

            if (publish.Released && sessionPresent)
            {
                connection.TrySend(new MqttPubRelPacket { PacketIdentifier = publish.Packet.PacketIdentifier });
                continue;
            }

            // Without a session the broker never saw it (or forgot it): send it again as a publish.
            publish.Released = false;
            publish.Packet = ToPacket(publish.Message, publish.Packet.PacketIdentifier, dup: sessionPresent);
            connection.TrySend(publish.Packet);
        }
    }

    private async Task SuperviseAsync()
    {
        var token = _lifetime.Token;
        while (!token.IsCancellationRequested)
        {
            Task lost;
            lock (_gate)
            {
                lost = _connectionLost.Task;
            }

            try
            {
                await lost.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Counters.ConnectionLost();
            if (!_options.Reconnect.Enabled)
            {
                SetState(new MqttConnectionStateChange(MqttConnectionState.Disconnected));
                _inbound.Writer.TryComplete();
                return;
            }

            SetState(new MqttConnectionStateChange(MqttConnectionState.Reconnecting));
            for (var attempt = 1; !token.IsCancellationRequested; attempt++)
            {
                try
                {
                    await Task.Delay(_options.Reconnect.DelayFor(attempt, _random), _options.TimeProvider, token).ConfigureAwait(false);
                    await ConnectOnceAsync(!IsPersistentSession, token).ConfigureAwait(false);
                    await ResubscribeAsync(token).ConfigureAwait(false);
                    break;
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (MqttClientException)
                {
                    // Logged where it happened; try again after the next, longer delay.
                    SetState(new MqttConnectionStateChange(MqttConnectionState.Reconnecting));
                }
            }
        }
    }

    private async Task ResubscribeAsync(CancellationToken cancellationToken)
    {
        List<MqttSubscription> subscriptions;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions.Values];
        }

        if (subscriptions.Count == 0)
        {
            return;
        }

        // Renewed after every reconnect, session or not: a broker that lost its state (restart without
        // persistence) otherwise leaves the client connected and deaf.
        var connection = _connection ?? throw new MqttNotConnectedException();
        var results = await SendSubscribeAsync(connection, subscriptions, cancellationToken).ConfigureAwait(false);
        Log(MqttLogLevel.Information, MqttLogEvent.Resubscribed, $"Renewed {results.Count(r => r.IsSuccess)} of {results.Count} subscriptions");
    }

    private async Task<IReadOnlyList<MqttSubscribeResult>> SendSubscribeAsync(MqttConnection connection, IReadOnlyList<MqttSubscription> subscriptions, CancellationToken cancellationToken)
    {
        var identifier = _identifiers.Rent();
        try
        {
            var answer = (MqttSubAckPacket)await RequestAsync(connection, identifier, new MqttSubscribePacket { PacketIdentifier = identifier, Subscriptions = subscriptions }, cancellationToken).ConfigureAwait(false);
            var results = new List<MqttSubscribeResult>(subscriptions.Count);
            for (var i = 0; i < subscriptions.Count; i++)
            {
                var code = i < answer.ReasonCodes.Count ? answer.ReasonCodes[i] : MqttSubAckReasonCode.UnspecifiedError;
                results.Add(new MqttSubscribeResult(subscriptions[i].TopicFilter, code));
                if ((int)code >= 0x80)
                {
                    Log(MqttLogLevel.Warning, MqttLogEvent.SubscriptionRefused, $"The broker refused the subscription to '{subscriptions[i].TopicFilter}': {code}");
                }
            }

            return results;
        }
        finally
        {
            _identifiers.Return(identifier);
        }
    }

    private async Task<MqttPacket> RequestAsync(MqttConnection connection, ushort identifier, MqttPacket request, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<MqttPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _pendingRequests[identifier] = answer;
        }

        try
        {
            if (!connection.TrySend(request))
            {
                throw new MqttNotConnectedException();
            }

            using var lost = connection.Closing.Register(() => answer.TrySetException(new MqttNotConnectedException("The connection closed before the broker answered.")));
            return await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _pendingRequests.Remove(identifier);
            }
        }
    }

    /// <summary>The connection's read thread: reads and handles packets until the connection ends.</summary>
    private void ReadLoop(MqttConnection connection, long generation, TaskCompletionSource lost)
    {
        Exception? failure = null;
        var aliases = new TopicAliasMap(_options.ProtocolVersion == MqttProtocolVersion.V500 ? _options.TopicAliasMaximum : (ushort)0);
        var batch = new ReadBatch();

        // What the packets of one read produced is handed on together just before the next blocking read:
        // the consumer is woken once per read, not once per message.
        Action handOn = () => HandOnReadBatch(connection, batch, wait: true);
        try
        {
            while (true)
            {
                var packet = connection.ReadPacket(handOn);
                if (packet is null)
                {
                    failure = new MqttClientException("The broker closed the connection.");
                    break;
                }

                if (!Handle(connection, generation, packet, aliases, batch))
                {
                    break;
                }

                if (batch.IsFull)
                {
                    handOn();
                }
            }
        }
        catch (MqttProtocolViolationException violation)
        {
            failure = violation;
            Counters.ProtocolError();
            Log(MqttLogLevel.Error, MqttLogEvent.ProtocolError, $"Closing the connection: {violation.Message}", violation);
            if (_options.ProtocolVersion == MqttProtocolVersion.V500 && violation.Error is { } error)
            {
                connection.TrySend(new MqttDisconnectPacket { ReasonCode = error.DisconnectReasonCode, ReasonString = error.Message });
            }
        }
#pragma warning disable CA1031 // This thread's last word: anything unexpected ends the connection (and the client reconnects), never the process.
        catch (Exception error)
#pragma warning restore CA1031
        {
            // The connection closed under the read, the broker went away, or a bug: the connection is lost.
            failure = error;
        }

        // What was received before the end still goes to the consumer, if there is room (QoS 1/2 messages
        // that do not fit come again after the reconnect).
        HandOnReadBatch(connection, batch, wait: false);

        // Nothing waits for this thread: closing blocks it only as long as the connection takes to close.
        EndConnectionAsync(connection, failure, lost).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Completes the publishes acknowledged by the last read (on one pool thread, where their callers'
    /// continuations run) and queues the messages it brought for the consumer.
    /// </summary>
    private void HandOnReadBatch(MqttConnection connection, ReadBatch batch, bool wait)
    {
        if (batch.Completions.Count > 0)
        {
            var completions = batch.Completions.ToArray();
            batch.Completions.Clear();
            CompleteOnThreadPool(completions);
        }

        try
        {
            foreach (var message in batch.Deliveries)
            {
                if (!_inbound.Writer.TryWrite(message))
                {
                    if (!wait)
                    {
                        break;
                    }

                    // The consumer is behind: this thread stops reading the socket, and TCP pushes back on the broker.
                    _inbound.Writer.WriteAsync(message, connection.Closing).AsTask().GetAwaiter().GetResult();
                }

                if (_options.AcknowledgementMode == MqttAcknowledgementMode.Automatic && message.NeedsAcknowledgement && message.TryMarkAcknowledged())
                {
                    // Queued, not waited for: the write loop batches the acknowledgements.
                    AcknowledgeQueued(message);
                }
            }
        }
        finally
        {
            batch.Deliveries.Clear();
        }
    }

    private static void CompleteOnThreadPool((PendingPublish Publish, MqttPublishResult? Result, Exception? Error)[] completions) =>
        ThreadPool.UnsafeQueueUserWorkItem(
            static items =>
            {
                foreach (var (publish, result, error) in items)
                {
                    if (result is not null)
                    {
                        publish.Completion.TrySetResult(result);
                    }
                    else
                    {
                        publish.Completion.TrySetException(error!);
                    }
                }
            },
            completions,
            preferLocal: false);

    private async Task EndConnectionAsync(MqttConnection connection, Exception? failure, TaskCompletionSource lost)
    {
        if (Interlocked.CompareExchange(ref _connection, null, connection) == connection && !_lifetime.IsCancellationRequested)
        {
            Log(MqttLogLevel.Warning, MqttLogEvent.ConnectionLost, $"Lost the connection to {_options.Host}:{_options.Port}: {failure?.Message ?? "closed"}", failure);
            if (_options.ProtocolVersion == MqttProtocolVersion.V500 && failure is MqttProtocolViolationException)
            {
                await connection.CloseGracefullyAsync(new MqttDisconnectPacket { ReasonCode = MqttDisconnectReasonCode.ProtocolError }, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            else
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            lost.TrySetResult();
        }
        else
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Handles one packet from the broker; false ends the connection.</summary>
    private bool Handle(MqttConnection connection, long generation, MqttPacket packet, TopicAliasMap aliases, ReadBatch batch)
    {
        switch (packet)
        {
            case MqttPublishPacket publish:
                if (!aliases.TryResolve(publish, out var topic, out var aliasError))
                {
                    throw new MqttProtocolViolationException(aliasError);
                }

                Deliver(connection, generation, publish, topic, batch);
                return true;

            case MqttPubAckPacket pubAck:
                CompletePublish(pubAck.PacketIdentifier, pubAck.ReasonCode, pubAck.ReasonString, batch);
                return true;

            case MqttPubRecPacket pubRec:
                OnPubRec(connection, pubRec, batch);
                return true;

            case MqttPubCompPacket pubComp:
                CompletePublish(pubComp.PacketIdentifier, MqttPubAckReasonCode.Success, pubComp.ReasonString, batch);
                return true;

            case MqttPubRelPacket pubRel:
                lock (_gate)
                {
                    _inboundQos2AwaitingRelease.Remove(pubRel.PacketIdentifier);
                }

                connection.TrySend(new MqttPubCompPacket { PacketIdentifier = pubRel.PacketIdentifier });
                return true;

            case MqttSubAckPacket subAck:
                CompleteRequest(subAck.PacketIdentifier, subAck);
                return true;

            case MqttUnsubAckPacket unsubAck:
                CompleteRequest(unsubAck.PacketIdentifier, unsubAck);
                return true;

            case MqttPingRespPacket:
                Interlocked.Exchange(ref _pingSentTimestamp, 0);
                return true;

            case MqttDisconnectPacket disconnect:
                Log(MqttLogLevel.Warning, MqttLogEvent.DisconnectedByBroker,
                    $"The broker disconnected: {disconnect.ReasonCode}{(disconnect.ReasonString is null ? string.Empty : $" ({disconnect.ReasonString})")}");
                return false;

            default:
                throw new MqttProtocolViolationException($"The broker sent {packet.PacketType}, which a client never receives here.");
        }
    }

    private void Deliver(MqttConnection connection, long generation, MqttPublishPacket publish, string topic, ReadBatch batch)
    {
        Counters.Received();
        if (publish.QoS == MqttQualityOfService.ExactlyOnce)
        {
            bool alreadyReceived;
            lock (_gate)
            {
                alreadyReceived = _inboundQos2AwaitingRelease.Contains(publish.PacketIdentifier);
            }

            if (alreadyReceived)
            {
                // Delivered and PUBREC'd before; the broker did not see our PUBREC. Answer again, do not deliver twice.
                connection.TrySend(new MqttPubRecPacket { PacketIdentifier = publish.PacketIdentifier });
                return;
            }
        }

        if (publish.QoS != MqttQualityOfService.AtMostOnce
            && Interlocked.Increment(ref _inboundUnacknowledged) > _options.ReceiveMaximum
            && _options.ProtocolVersion == MqttProtocolVersion.V500
            && Counters.ExceededReceiveMaximum() == 1)
        {
            Log(MqttLogLevel.Warning, MqttLogEvent.ReceiveMaximumExceeded,
                $"The broker sent more than the Receive Maximum ({_options.ReceiveMaximum}) of unacknowledged messages; they are kept and counted");
        }

        batch.Deliveries.Add(new MqttReceivedMessage(this, publish, topic, generation, needsAcknowledgement: publish.QoS != MqttQualityOfService.AtMostOnce));
    }

    private void OnPubRec(MqttConnection connection, MqttPubRecPacket pubRec, ReadBatch batch)
    {
        if ((int)pubRec.ReasonCode >= 0x80)
        {
            CompletePublish(pubRec.PacketIdentifier, (MqttPubAckReasonCode)(int)pubRec.ReasonCode, pubRec.ReasonString, batch);
            return;
        }

        lock (_gate)
        {
            if (_pendingPublishes.TryGetValue(pubRec.PacketIdentifier, out var pending))
            {
                pending.Released = true;
            }
        }

        connection.TrySend(new MqttPubRelPacket { PacketIdentifier = pubRec.PacketIdentifier });
    }

    /// <summary>Frees the publish's identifier and window slot now; its caller hears of it when the read batch is handed on.</summary>
    private void CompletePublish(ushort identifier, MqttPubAckReasonCode reasonCode, string? reasonString, ReadBatch batch)
    {
        PendingPublish? pending;
        lock (_gate)
        {
            if (!_pendingPublishes.Remove(identifier, out pending))
            {
                return;
            }
        }

        _identifiers.Return(identifier);
        _window.Release();
        Counters.Published();
        batch.Completions.Add((pending, new MqttPublishResult(identifier, reasonCode, reasonString), null));
    }

    private void CompleteRequest(ushort identifier, MqttPacket answer)
    {
        TaskCompletionSource<MqttPacket>? request;
        lock (_gate)
        {
            _pendingRequests.TryGetValue(identifier, out request);
        }

        request?.TrySetResult(answer);
    }

    private void FailPublish(PendingPublish publish, Exception error)
    {
        var identifier = publish.Packet.PacketIdentifier;
        lock (_gate)
        {
            if (!_pendingPublishes.Remove(identifier))
            {
                return;
            }
        }

        _identifiers.Return(identifier);
        _window.Release();
        publish.Completion.TrySetException(error);
    }

    private void FailPending(Exception error)
    {
        List<(ushort Identifier, PendingPublish Publish)> pending;
        lock (_gate)
        {
            pending = [.. _pendingPublishes.Select(p => (p.Key, p.Value))];
            _pendingPublishes.Clear();
        }

        foreach (var (identifier, _) in pending)
        {
            _identifiers.Return(identifier);
            _window.Release();
        }

        if (pending.Count > 0)
        {
            CompleteOnThreadPool([.. pending.Select(p => (p.Publish, (MqttPublishResult?)null, (Exception?)error))]);
        }
    }

    private long _pingSentTimestamp;

    private async Task KeepAliveLoopAsync(MqttConnection connection, TimeSpan keepAlive)
    {
        var time = _options.TimeProvider;
        var tick = TimeSpan.FromTicks(Math.Max(keepAlive.Ticks / 4, TimeSpan.TicksPerMillisecond * 100));
        Interlocked.Exchange(ref _pingSentTimestamp, 0);
        try
        {
            while (!connection.Closing.IsCancellationRequested)
            {
                await Task.Delay(tick, time, connection.Closing).ConfigureAwait(false);
                var pingSent = Interlocked.Read(ref _pingSentTimestamp);
                if (pingSent != 0 && time.GetElapsedTime(pingSent) > keepAlive)
                {
                    Log(MqttLogLevel.Warning, MqttLogEvent.KeepAliveTimeout, $"No PINGRESP within {keepAlive.TotalSeconds:0.#} s; the connection is dead");
                    await connection.DisposeAsync().ConfigureAwait(false);
                    return;
                }

                // Ping when nothing was sent for most of the interval (the broker allows 1.5 x keep-alive).
                if (pingSent == 0 && time.GetElapsedTime(connection.LastSentTimestamp) >= keepAlive * 0.75)
                {
                    Interlocked.Exchange(ref _pingSentTimestamp, time.GetTimestamp());
                    connection.TrySend(MqttPingReqPacket.Instance);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The connection closed.
        }
    }

    private static MqttPublishPacket ToPacket(MqttApplicationMessage message, ushort identifier, bool dup) => new()
    {
        TopicName = message.Topic,
        Payload = message.Payload,
        QoS = message.QoS,
        Retain = message.Retain,
        Dup = dup,
        PacketIdentifier = identifier,
        ContentType = message.ContentType,
        PayloadFormatIndicator = message.PayloadFormatIndicator,
        MessageExpiryInterval = message.MessageExpiry is { } expiry ? (uint)expiry.TotalSeconds : null,
        ResponseTopic = message.ResponseTopic,
        CorrelationData = message.CorrelationData,
        UserProperties = message.UserProperties,
    };

    private void Log(MqttLogLevel level, MqttLogEvent logEvent, string message, Exception? exception = null)
    {
        try
        {
            _logger?.Log(level, logEvent, message, exception);
        }
#pragma warning disable CA1031 // A logger that throws must not break the connection (it may run on the read thread).
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
