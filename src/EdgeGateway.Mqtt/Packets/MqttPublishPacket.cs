using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>PUBLISH (type 3): an application message. MQTT 5.0 properties are <see langword="null"/> (or empty) when absent.</summary>
public sealed class MqttPublishPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.Publish;

    /// <summary>
    /// The topic name (no wildcards). Empty only in MQTT 5.0 with a <see cref="TopicAlias"/> that the receiver
    /// already knows; resolve it with <see cref="TopicAliasMap"/>.
    /// </summary>
    public required string TopicName { get; init; }

    /// <summary>The application payload. A decoded payload is the packet's own copy: it stays valid after the pipe's buffer is released.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The QoS level.</summary>
    public MqttQualityOfService QoS { get; init; }

    /// <summary>The RETAIN flag.</summary>
    public bool Retain { get; init; }

    /// <summary>The DUP flag: this may be a re-delivery. Must be <see langword="false"/> for QoS 0.</summary>
    public bool Dup { get; init; }

    /// <summary>The packet identifier: 1-65535 for QoS 1 and 2, 0 (absent on the wire) for QoS 0.</summary>
    public ushort PacketIdentifier { get; init; }

    /// <summary>MQTT 5.0 Payload Format Indicator (0x01).</summary>
    public MqttPayloadFormatIndicator? PayloadFormatIndicator { get; init; }

    /// <summary>MQTT 5.0 Message Expiry Interval (0x02) in seconds; absent means the message does not expire.</summary>
    public uint? MessageExpiryInterval { get; init; }

    /// <summary>MQTT 5.0 Topic Alias (0x23), 1 to the receiver's Topic Alias Maximum.</summary>
    public ushort? TopicAlias { get; init; }

    /// <summary>MQTT 5.0 Response Topic (0x08).</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>MQTT 5.0 Correlation Data (0x09).</summary>
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }

    /// <summary>MQTT 5.0 Content Type (0x03).</summary>
    public string? ContentType { get; init; }

    /// <summary>MQTT 5.0 Subscription Identifiers (0x0B) of the subscriptions that matched (server to client only), each 1-268,435,455.</summary>
    public IReadOnlyList<uint> SubscriptionIdentifiers { get; init; } = [];

    /// <summary>MQTT 5.0 User Properties (0x26).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <summary>
    /// Set on a received MQTT 3.1.1 PUBLISH larger than the client's maximum packet size, which the
    /// client cut: the length of the payload as sent, of which <see cref="Payload"/> holds only the
    /// start. Never encoded.
    /// </summary>
    public int? OriginalPayloadLength { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"PUBLISH(qos={(int)QoS}, id={PacketIdentifier}, topic={TopicName}, alias={TopicAlias}, retain={Retain}, dup={Dup}, {Payload.Length} bytes)");
}
