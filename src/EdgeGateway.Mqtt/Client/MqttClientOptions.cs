using System.Security.Cryptography.X509Certificates;
using EdgeGateway.Mqtt.Packets;

namespace EdgeGateway.Mqtt.Client;

/// <summary>How an <see cref="MqttClient"/> connects and behaves. Checked by <see cref="Validate"/> when the client is created.</summary>
public sealed record MqttClientOptions
{
    /// <summary>Host name or address of the broker.</summary>
    public required string Host { get; init; }

    /// <summary>TCP port of the broker (1883, or 8883 for TLS by convention).</summary>
    public int Port { get; init; } = 1883;

    /// <summary>The protocol version to speak.</summary>
    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V500;

    /// <summary>The client identifier. Must be stable for persistent sessions; empty asks the broker to assign one (5.0, clean start only).</summary>
    public string ClientId { get; init; } = string.Empty;

    /// <summary>
    /// True starts a new session on the first connect. Reconnects always resume the session (clean
    /// start off) so that unacknowledged messages are redelivered, unless the session expired.
    /// </summary>
    public bool CleanStart { get; init; } = true;

    /// <summary>How long the broker keeps the session after a disconnect (5.0; on 3.1.1 any non-zero value means a persistent session).</summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.Zero;

    /// <summary>Keep-alive interval; zero disables keep-alive.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>User name, if the broker requires one.</summary>
    public string? Username { get; init; }

    /// <summary>Password, if the broker requires one. Never logged.</summary>
    public string? Password { get; init; }

    /// <summary>The message the broker publishes when this client disappears without a DISCONNECT.</summary>
    public MqttWillMessage? Will { get; init; }

    /// <summary>TLS settings; null connects in plain TCP.</summary>
    public MqttTlsOptions? Tls { get; init; }

    /// <summary>
    /// How many unacknowledged QoS 1/2 messages the broker may send at once (5.0 Receive Maximum). This
    /// bounds the client's memory: with a stalled consumer the broker holds the rest.
    /// </summary>
    public ushort ReceiveMaximum { get; init; } = 100;

    /// <summary>The most outgoing QoS 1/2 publishes in flight; the broker's Receive Maximum lowers it further.</summary>
    public ushort MaximumInflight { get; init; } = 100;

    /// <summary>The largest packet this client accepts (announced to the broker on 5.0).</summary>
    public int MaximumPacketSize { get; init; } = 1024 * 1024;

    /// <summary>How many inbound topic aliases the broker may use (5.0).</summary>
    public ushort TopicAliasMaximum { get; init; } = 64;

    /// <summary>When inbound QoS 1/2 messages are acknowledged.</summary>
    public MqttAcknowledgementMode AcknowledgementMode { get; init; } = MqttAcknowledgementMode.Manual;

    /// <summary>
    /// Read coalescing: while packets keep arriving, the shortest time between two reads of the socket.
    /// A read due sooner waits for the rest of the interval (rounded up to whole milliseconds) and then
    /// takes everything that arrived meanwhile, so at high rates the client wakes up once per interval
    /// instead of once per packet: far fewer system calls and thread switches per message, for at most
    /// this much added latency. When reads are further apart than this, nothing waits. Zero reads as soon
    /// as data arrives.
    /// </summary>
    public TimeSpan ReadCoalescing { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>How long a connect (TCP, TLS and CONNACK) may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Reconnect after a lost connection, with these delays.</summary>
    public MqttReconnectOptions Reconnect { get; init; } = new();

    /// <summary>Where the client writes its log; null logs nothing.</summary>
    public IMqttClientLogger? Logger { get; init; }

    /// <summary>The clock (for keep-alive and backoff).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Describes the options without secrets.</summary>
    public override string ToString() =>
        $"mqtt{(Tls is null ? string.Empty : "s")}://{Host}:{Port} client '{ClientId}' (MQTT {(ProtocolVersion == MqttProtocolVersion.V500 ? "5.0" : "3.1.1")})";

    /// <summary>Checks the options; throws naming the first bad one.</summary>
    /// <exception cref="ArgumentException">An option is out of range or combinations conflict.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("Host is required.", nameof(Host));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 1, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, nameof(Port));
        if (ProtocolVersion is not (MqttProtocolVersion.V311 or MqttProtocolVersion.V500))
        {
            throw new ArgumentOutOfRangeException(nameof(ProtocolVersion), ProtocolVersion, "Only 3.1.1 and 5.0 are supported.");
        }

        if (KeepAlive < TimeSpan.Zero || KeepAlive.TotalSeconds > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(KeepAlive), KeepAlive, "KeepAlive must be 0 to 65535 s.");
        }

        if (SessionExpiry < TimeSpan.Zero || SessionExpiry.TotalSeconds > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(SessionExpiry), SessionExpiry, "SessionExpiry must be 0 to 2^32-1 s.");
        }

        if (string.IsNullOrEmpty(ClientId) && (!CleanStart || SessionExpiry > TimeSpan.Zero))
        {
            throw new ArgumentException("A persistent session needs a ClientId.", nameof(ClientId));
        }

        ArgumentOutOfRangeException.ThrowIfZero(ReceiveMaximum, nameof(ReceiveMaximum));
        ArgumentOutOfRangeException.ThrowIfZero(MaximumInflight, nameof(MaximumInflight));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaximumPacketSize, 64, nameof(MaximumPacketSize));
        if (Password is not null && Username is null && ProtocolVersion == MqttProtocolVersion.V311)
        {
            throw new ArgumentException("MQTT 3.1.1 does not allow a password without a user name.", nameof(Password));
        }

        if (ReadCoalescing < TimeSpan.Zero || ReadCoalescing > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(ReadCoalescing), ReadCoalescing, "ReadCoalescing must be 0 to 1 s.");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "ConnectTimeout must be positive.");
        }

        Reconnect.Validate();
    }
}

/// <summary>When inbound QoS 1/2 messages are acknowledged to the broker.</summary>
public enum MqttAcknowledgementMode
{
    /// <summary>Only when the consumer calls <see cref="MqttReceivedMessage.AcknowledgeAsync"/> (after its own durable commit).</summary>
    Manual,

    /// <summary>As soon as the message is handed to the consumer (simple users such as the simulator).</summary>
    Automatic,
}

/// <summary>TLS settings for the broker connection.</summary>
public sealed class MqttTlsOptions
{
    /// <summary>CA certificate file (PEM) that signs the broker's certificate: when set, only it is trusted (the system store is not consulted); null trusts the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>Client certificate (with private key) for brokers that require one.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The name expected in the broker's certificate; null uses <see cref="MqttClientOptions.Host"/>.</summary>
    public string? ServerName { get; init; }
}

/// <summary>Reconnect delays: exponential backoff from <see cref="InitialDelay"/> to <see cref="MaximumDelay"/>, with jitter.</summary>
public sealed class MqttReconnectOptions
{
    /// <summary>Whether to reconnect at all after a lost connection.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The first delay.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest delay.</summary>
    public TimeSpan MaximumDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Each delay is drawn at random from [delay × (1 − Jitter), delay], so a fleet does not reconnect in lock step.</summary>
    public double Jitter { get; init; } = 0.5;

    internal void Validate()
    {
        if (InitialDelay <= TimeSpan.Zero || MaximumDelay < InitialDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialDelay), "Reconnect delays must be positive with InitialDelay <= MaximumDelay.");
        }

        if (Jitter is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Jitter), Jitter, "Jitter must be within 0..1.");
        }
    }

    /// <summary>The delay before attempt <paramref name="attempt"/> (1-based).</summary>
    internal TimeSpan DelayFor(int attempt, Random random)
    {
        var exponent = Math.Min(attempt - 1, 30);
        var delay = Math.Min(InitialDelay.TotalMilliseconds * Math.Pow(2, exponent), MaximumDelay.TotalMilliseconds);
        var jittered = delay * (1 - (Jitter * random.NextDouble()));
        return TimeSpan.FromMilliseconds(jittered);
    }
}
