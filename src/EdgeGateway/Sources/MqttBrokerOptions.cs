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

    /// <summary>Password, if the broker requires one. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Connect with TLS.</summary>
    public bool UseTls { get; set; }

    /// <summary>CA certificate file (PEM) to trust for the broker's certificate; empty means the system store.</summary>
    public string? CaFile { get; set; }

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

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(Password) && string.IsNullOrEmpty(Username))
        {
            yield return new ValidationResult("a password needs a Username", [nameof(Password)]);
        }

        if (!string.IsNullOrEmpty(CaFile) && !UseTls)
        {
            yield return new ValidationResult("a CA file only applies with UseTls: true", [nameof(CaFile)]);
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
