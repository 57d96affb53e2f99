namespace EdgeGateway.Mqtt.Client;

/// <summary>Where the client's connection stands.</summary>
public enum MqttConnectionState
{
    /// <summary>Not connected and not trying (before the first connect, or after a disconnect).</summary>
    Disconnected,

    /// <summary>A connect attempt is under way.</summary>
    Connecting,

    /// <summary>Connected: CONNACK accepted.</summary>
    Connected,

    /// <summary>The connection was lost; waiting before the next attempt.</summary>
    Reconnecting,
}

/// <summary>A change of <see cref="MqttConnectionState"/>.</summary>
/// <param name="State">The new state.</param>
/// <param name="SessionPresent">On <see cref="MqttConnectionState.Connected"/>: whether the broker resumed the session.</param>
/// <param name="Error">On a lost connection: why, if known.</param>
public sealed record MqttConnectionStateChange(MqttConnectionState State, bool SessionPresent = false, Exception? Error = null);

/// <summary>Counters of the client's activity, for metrics and tests.</summary>
public sealed class MqttClientCounters
{
    private long _connects;
    private long _connectionsLost;
    private long _messagesReceived;
    private long _messagesAcknowledged;
    private long _messagesPublished;
    private long _protocolErrors;
    private long _staleAcknowledgements;
    private long _receiveMaximumExceeded;

    /// <summary>Successful connects (the first and every reconnect).</summary>
    public long Connects => Interlocked.Read(ref _connects);

    /// <summary>Connections lost (not counting a requested disconnect).</summary>
    public long ConnectionsLost => Interlocked.Read(ref _connectionsLost);

    /// <summary>PUBLISH packets received.</summary>
    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);

    /// <summary>Inbound QoS 1/2 messages acknowledged to the broker.</summary>
    public long MessagesAcknowledged => Interlocked.Read(ref _messagesAcknowledged);

    /// <summary>Outbound publishes completed (written for QoS 0, acknowledged for QoS 1/2).</summary>
    public long MessagesPublished => Interlocked.Read(ref _messagesPublished);

    /// <summary>Connections closed because the broker broke the protocol.</summary>
    public long ProtocolErrors => Interlocked.Read(ref _protocolErrors);

    /// <summary>Acknowledgements dropped because their connection was gone (the broker redelivers those messages).</summary>
    public long StaleAcknowledgements => Interlocked.Read(ref _staleAcknowledgements);

    /// <summary>
    /// Messages that arrived while the broker already had <see cref="MqttClientOptions.ReceiveMaximum"/>
    /// unacknowledged ones out (mosquitto 2.0.11 does this once acknowledgements flow). The client keeps
    /// them (its inbound queue is bounded either way) and counts them here.
    /// </summary>
    public long ReceiveMaximumExceeded => Interlocked.Read(ref _receiveMaximumExceeded);

    internal void Connected() => Interlocked.Increment(ref _connects);

    internal void ConnectionLost() => Interlocked.Increment(ref _connectionsLost);

    internal void Received() => Interlocked.Increment(ref _messagesReceived);

    internal void Acknowledged() => Interlocked.Increment(ref _messagesAcknowledged);

    internal void Published() => Interlocked.Increment(ref _messagesPublished);

    internal void ProtocolError() => Interlocked.Increment(ref _protocolErrors);

    internal void StaleAcknowledgement() => Interlocked.Increment(ref _staleAcknowledgements);

    internal long ExceededReceiveMaximum() => Interlocked.Increment(ref _receiveMaximumExceeded);
}
