namespace EdgeGateway.Testing.Mqtt;

/// <summary>
/// How a <see cref="MosquittoBroker"/> is configured. The defaults give a plain, anonymous broker
/// with persistence on and limits high enough that a test never hits them by accident.
/// </summary>
public sealed record MosquittoOptions
{
    /// <summary>
    /// The listener speaks TLS with a server certificate signed by the test CA of
    /// <see cref="TestCertificates"/>, so clients can verify it (SAN IP:127.0.0.1, DNS:localhost).
    /// </summary>
    public bool Tls { get; init; }

    /// <summary>Mutual TLS: clients must present a certificate signed by the test CA. Needs <see cref="Tls"/>.</summary>
    public bool RequireClientCertificate { get; init; }

    /// <summary>When set (with <see cref="Password"/>), anonymous clients are refused and only this user may connect.</summary>
    public string? Username { get; init; }

    /// <summary>The password of <see cref="Username"/>.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// Keeps persistent sessions, subscriptions and queued QoS 1/2 messages in a file, written on a
    /// clean stop (<see cref="MosquittoBroker.StopAsync"/>), so a restart does not lose them.
    /// </summary>
    public bool Persistence { get; init; } = true;

    /// <summary>QoS 1/2 messages in flight per client (mosquitto's default of 20 throttles throughput tests).</summary>
    public int MaxInflightMessages { get; init; } = 1000;

    /// <summary>Messages queued per offline persistent session before mosquitto drops new ones (default 1000 upstream).</summary>
    public int MaxQueuedMessages { get; init; } = 100_000;

    /// <summary>
    /// More configuration lines, written last (after the <c>listener</c> line, so listener-scoped
    /// options apply to the test listener). Do not turn off notice logs: start-up waits for them.
    /// </summary>
    public IReadOnlyList<string> ExtraConfig { get; init; } = [];

    internal void Validate()
    {
        if (RequireClientCertificate && !Tls)
        {
            throw new ArgumentException($"{nameof(RequireClientCertificate)} needs {nameof(Tls)}.");
        }

        if ((Username is null) != (Password is null))
        {
            throw new ArgumentException($"Set both {nameof(Username)} and {nameof(Password)}, or neither.");
        }

        if (MaxInflightMessages < 0 || MaxQueuedMessages < 0)
        {
            throw new ArgumentException("Message limits cannot be negative (0 means unlimited).");
        }
    }
}
