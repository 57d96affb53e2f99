namespace EdgeGateway.Mqtt.Client;

/// <summary>
/// Where the client reports what happens to it. The library depends on nothing beyond the BCL, so the
/// host adapts this to its logging (the gateway maps it to Microsoft.Extensions.Logging).
/// </summary>
public interface IMqttClientLogger
{
    /// <summary>Writes one entry. Must not throw and must not block.</summary>
    void Log(MqttLogLevel level, MqttLogEvent logEvent, string message, Exception? exception = null);
}

/// <summary>Severity of a client log entry.</summary>
public enum MqttLogLevel
{
    /// <summary>Detail for diagnosis.</summary>
    Debug,

    /// <summary>Normal events (connected, subscribed).</summary>
    Information,

    /// <summary>Something went wrong and the client recovers by itself (lost connection, protocol error).</summary>
    Warning,

    /// <summary>Something went wrong that needs attention (refused connection, a broker that breaks the protocol).</summary>
    Error,
}

/// <summary>What a log entry is about, stable for filtering and tests.</summary>
public enum MqttLogEvent
{
    /// <summary>Connected to the broker.</summary>
    Connected = 1,

    /// <summary>The broker refused the connection.</summary>
    ConnectRefused,

    /// <summary>A connect attempt failed (network, TLS, timeout).</summary>
    ConnectFailed,

    /// <summary>The connection was lost.</summary>
    ConnectionLost,

    /// <summary>The broker sent bytes that break the protocol; the connection is closed.</summary>
    ProtocolError,

    /// <summary>The broker disconnected with a reason.</summary>
    DisconnectedByBroker,

    /// <summary>Subscriptions were renewed after a reconnect.</summary>
    Resubscribed,

    /// <summary>A subscription was refused by the broker.</summary>
    SubscriptionRefused,

    /// <summary>Keep-alive: no answer to PINGREQ in time.</summary>
    KeepAliveTimeout,

    /// <summary>The broker sent more unacknowledged messages than the Receive Maximum allows (logged once).</summary>
    ReceiveMaximumExceeded,
}
