using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;

namespace EdgeGateway.Sources;

/// <summary>Section <c>Mqtt</c>: the broker the MQTT source connects to (usually the local mosquitto).</summary>
public sealed class MqttBrokerOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Mqtt";

    /// <summary>Host name or address of the broker.</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port of the broker.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>The MQTT protocol version to speak.</summary>
    public MqttProtocolVersion ProtocolVersion { get; set; } = MqttProtocolVersion.V5;

    /// <summary>The client id; empty means <c>edge-gateway-{Gateway:Id}</c>. Must stay stable for persistent sessions.</summary>
    [MaxLength(128)]
    public string? ClientId { get; set; }

    /// <summary>User name, if the broker requires one.</summary>
    public string? Username { get; set; }

    /// <summary>
    /// Password, if the broker requires one: better set through the environment (<c>EDGEGW__Mqtt__Password</c>)
    /// or <see cref="PasswordFile"/> than written into the file. Never logged or shown.
    /// </summary>
    public string? Password { get; set; }

    /// <summary>
    /// A file holding the password (its trailing line break is ignored), read when the client starts. A relative
    /// path is looked up in systemd's <c>$CREDENTIALS_DIRECTORY</c> when set (<c>LoadCredential=</c>).
    /// </summary>
    public string? PasswordFile { get; set; }

    /// <summary>Connect with TLS.</summary>
    public bool UseTls { get; set; }

    /// <summary>
    /// CA certificate file (PEM) the broker's certificate must chain to. When set, only this CA is trusted
    /// (the system store is not consulted); empty means the system store.
    /// </summary>
    public string? CaFile { get; set; }

    /// <summary>Client certificate (PEM) for brokers that require one (mosquitto <c>require_certificate true</c>); needs <see cref="ClientCertificateKeyFile"/>.</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="ClientCertificateFile"/> (encrypted PKCS#8 needs a key password).</summary>
    public string? ClientCertificateKeyFile { get; set; }

    /// <summary>
    /// The password of an encrypted <see cref="ClientCertificateKeyFile"/>; prefer <see cref="ClientCertificateKeyPasswordFile"/>
    /// or the environment (<c>EDGEGW__Mqtt__ClientCertificateKeyPassword</c>). Never logged or shown.
    /// </summary>
    public string? ClientCertificateKeyPassword { get; set; }

    /// <summary>A file holding the password of an encrypted <see cref="ClientCertificateKeyFile"/> (its trailing line break is ignored).</summary>
    public string? ClientCertificateKeyPasswordFile { get; set; }

    /// <summary>How many unacknowledged QoS 1/2 messages the broker may send (MQTT 5.0); beyond it the broker holds them.</summary>
    [Range(1, 65535)]
    public int ReceiveMaximum { get; set; } = 1000;

    /// <summary>How long the broker keeps the gateway's session (and queues its messages) while it is away.</summary>
    [DurationRange("1m", "365d")]
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The largest payload the gateway decodes. A bigger message is acknowledged and dead-lettered with
    /// reason <c>payload-too-large</c>, keeping only its first <see cref="MqttSource.OversizeBytesKept"/>
    /// bytes. At most <see cref="Domain.RawMessage.MaxPayloadBytes"/>; the gateway announces an MQTT
    /// 5.0 Maximum Packet Size a little above that, and a broker discards larger packets itself.
    /// </summary>
    [SizeRange("1KiB", "1MiB")]
    public ByteSize MaxPayloadSize { get; set; } = new(256 * 1024);

    /// <summary>What to subscribe to; the gateway needs at least one subscription to take MQTT input.</summary>
    public List<MqttSourceSubscription> Subscriptions { get; set; } = [];

    /// <summary>Keep-alive interval.</summary>
    [DurationRange("1s", "1h")]
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where a command for a device is published (the MCP tool <c>set_sampling_interval</c>):
    /// <c>{topic}</c> is the topic the device last published a reading on, <c>{deviceId}</c> its id. The
    /// default, <c>{topic}/cmd</c>, is the scheme of firmware-sim (<c>city/{district}/{model}/{deviceId}/cmd</c>).
    /// </summary>
    [Required]
    public string CommandTopic { get; set; } = "{topic}/cmd";

    /// <summary>The client key's password from <see cref="ClientCertificateKeyPassword"/> or <see cref="ClientCertificateKeyPasswordFile"/>, or null.</summary>
    /// <exception cref="IOException">The password file cannot be read.</exception>
    internal string? EffectiveClientKeyPassword() => CredentialFiles.ValueOrFile(ClientCertificateKeyPassword, ClientCertificateKeyPasswordFile);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(Password) && string.IsNullOrEmpty(Username))
        {
            yield return new ValidationResult("a password needs a Username", [nameof(Password)]);
        }

        if (!string.IsNullOrEmpty(PasswordFile))
        {
            if (!string.IsNullOrEmpty(Password))
            {
                yield return new ValidationResult("set Password or PasswordFile, not both", [nameof(PasswordFile)]);
            }

            if (string.IsNullOrEmpty(Username))
            {
                yield return new ValidationResult("a password needs a Username", [nameof(PasswordFile)]);
            }

            if (CredentialFiles.CheckSecret(PasswordFile) is { } problem)
            {
                yield return new ValidationResult(problem, [nameof(PasswordFile)]);
            }
        }

        foreach (var (key, value) in new[]
                 {
                     (nameof(CaFile), CaFile), (nameof(ClientCertificateFile), ClientCertificateFile), (nameof(ClientCertificateKeyFile), ClientCertificateKeyFile),
                     (nameof(ClientCertificateKeyPassword), ClientCertificateKeyPassword), (nameof(ClientCertificateKeyPasswordFile), ClientCertificateKeyPasswordFile),
                 })
        {
            if (!string.IsNullOrEmpty(value) && !UseTls)
            {
                yield return new ValidationResult($"{key} only applies with UseTls: true", [key]);
            }
        }

        if (UseTls && !string.IsNullOrEmpty(CaFile) && CredentialFiles.CheckCertificates(CaFile) is { } caProblem)
        {
            yield return new ValidationResult(caProblem, [nameof(CaFile)]);
        }

        if (UseTls)
        {
            foreach (var (key, problem) in CredentialFiles.CheckClientCertificate(
                         (nameof(ClientCertificateFile), ClientCertificateFile), (nameof(ClientCertificateKeyFile), ClientCertificateKeyFile),
                         (nameof(ClientCertificateKeyPassword), ClientCertificateKeyPassword), (nameof(ClientCertificateKeyPasswordFile), ClientCertificateKeyPasswordFile)))
            {
                yield return new ValidationResult(problem, [key]);
            }
        }

        if (CommandTopic.Contains('+', StringComparison.Ordinal) || CommandTopic.Contains('#', StringComparison.Ordinal)
            || !CommandTopic.Replace("{topic}", "t", StringComparison.Ordinal).Replace("{deviceId}", "d", StringComparison.Ordinal).All(c => c is not ('{' or '}')))
        {
            yield return new ValidationResult($"'{CommandTopic}' must be a topic name whose only placeholders are {{topic}} and {{deviceId}}", [nameof(CommandTopic)]);
        }
    }
}

/// <summary>MQTT protocol versions the gateway speaks.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum MqttProtocolVersion
{
    /// <summary>MQTT 3.1.1.</summary>
    V311,

    /// <summary>MQTT 5.0.</summary>
    V5,
}
