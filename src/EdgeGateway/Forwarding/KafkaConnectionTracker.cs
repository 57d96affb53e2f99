namespace EdgeGateway.Forwarding;

/// <summary>Where the gateway's link to Kafka stands, as far as the producer has said.</summary>
public enum KafkaConnectionState
{
    /// <summary>No broker has answered yet since the gateway started.</summary>
    Connecting,

    /// <summary>A broker answered: the last delivery (or the metadata request at start) succeeded.</summary>
    Connected,

    /// <summary>librdkafka reported every broker down, or a delivery failed for a transport reason.</summary>
    Disconnected,

    /// <summary>librdkafka reported a fatal error: the producer cannot continue until the gateway restarts.</summary>
    Failed,
}

/// <summary>
/// Follows the producer's link to Kafka from what librdkafka tells: an answer from a broker (a
/// delivery, or the metadata at start) means connected; "all brokers down" from the client's error
/// callback, or a delivery that timed out or failed on the transport, means disconnected; a fatal
/// error means failed. librdkafka does not report a reconnection by itself, so after an outage the
/// state turns back to connected with the next delivery (or stays disconnected while nothing is sent).
/// </summary>
/// <remarks>Thread-safe: librdkafka's callbacks arrive on its own threads.</remarks>
public sealed class KafkaConnectionTracker
{
    // The producer reports errors as "<librdkafka error code>: <reason>" (KafkaRecordProducer).
    private static readonly string[] DeliveryTransportErrors = ["Local_AllBrokersDown", "Local_Transport", "Local_MsgTimedOut", "Local_TimedOut", "Local_Resolve"];
    private const string AllBrokersDown = "Local_AllBrokersDown";

    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private KafkaConnectionState _state = KafkaConnectionState.Connecting;
    private DateTimeOffset _since;
    private DateTimeOffset? _lastDeliveryAt;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;

    /// <summary>Creates a tracker in state <see cref="KafkaConnectionState.Connecting"/>.</summary>
    public KafkaConnectionTracker(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _since = timeProvider.GetUtcNow();
    }

    /// <summary>A broker answered (metadata at start).</summary>
    public void OnBrokerAnswered()
    {
        lock (_lock)
        {
            Move(KafkaConnectionState.Connected, _timeProvider.GetUtcNow());
        }
    }

    /// <summary>The brokers acknowledged a record.</summary>
    public void OnDelivered()
    {
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            _lastDeliveryAt = now;
            Move(KafkaConnectionState.Connected, now);
        }
    }

    /// <summary>
    /// A record was not delivered (<paramref name="error"/> as the producer reports it). Transport
    /// failures and timeouts mean disconnected; a refusal came from a broker, so the link is up.
    /// </summary>
    public void OnDeliveryFailed(string error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            Remember(error, now);
            if (DeliveryTransportErrors.Any(code => IsCode(error, code)))
            {
                Move(KafkaConnectionState.Disconnected, now);
            }
        }
    }

    /// <summary>
    /// librdkafka's error callback. Most of these are informational (one broker of several went away,
    /// a reconnect is under way); "all brokers down" means disconnected, a fatal error means failed.
    /// </summary>
    public void OnClientError(string error, bool fatal)
    {
        ArgumentNullException.ThrowIfNull(error);
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            Remember(error, now);
            if (fatal)
            {
                Move(KafkaConnectionState.Failed, now);
            }
            else if (IsCode(error, AllBrokersDown))
            {
                Move(KafkaConnectionState.Disconnected, now);
            }
        }
    }

    /// <summary>The state now, since when, and the last delivery and error.</summary>
    public KafkaConnectionSnapshot GetSnapshot()
    {
        lock (_lock)
        {
            return new KafkaConnectionSnapshot(_state, _since, _lastDeliveryAt, _lastError, _lastErrorAt);
        }
    }

    private static bool IsCode(string error, string code) =>
        error.StartsWith(code, StringComparison.Ordinal) && error.Length > code.Length && error[code.Length] == ':';

    private void Remember(string error, DateTimeOffset now)
    {
        _lastError = error;
        _lastErrorAt = now;
    }

    private void Move(KafkaConnectionState state, DateTimeOffset now)
    {
        // A fatal error is final for this producer: nothing but a restart brings it back.
        if (_state == state || _state == KafkaConnectionState.Failed)
        {
            return;
        }

        _state = state;
        _since = now;
    }
}

/// <summary>A snapshot of <see cref="KafkaConnectionTracker"/>.</summary>
/// <param name="State">Connecting, connected, disconnected or failed.</param>
/// <param name="Since">When the state last changed (the gateway's start for the first state).</param>
/// <param name="LastDeliveryAt">When the brokers last acknowledged a record, if ever.</param>
/// <param name="LastError">The last error librdkafka reported (<c>code: reason</c>), if any.</param>
/// <param name="LastErrorAt">When that error was reported.</param>
public sealed record KafkaConnectionSnapshot(
    KafkaConnectionState State,
    DateTimeOffset Since,
    DateTimeOffset? LastDeliveryAt,
    string? LastError,
    DateTimeOffset? LastErrorAt);
