using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>PUBREC (type 5): first answer to a QoS 2 PUBLISH. Its reason codes are those of PUBACK.</summary>
public sealed class MqttPubRecPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.PubRec;

    /// <summary>The packet identifier of the QoS 2 flow (1-65535).</summary>
    public required ushort PacketIdentifier { get; init; }

    /// <summary>The reason code; MQTT 3.1.1 has none (always <see cref="MqttPubAckReasonCode.Success"/>).</summary>
    public MqttPubAckReasonCode ReasonCode { get; init; }

    /// <summary>MQTT 5.0 Reason String (0x1F): a human-readable diagnostic.</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5.0 User Properties (0x26).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"PUBREC(id={PacketIdentifier}, reason={ReasonCode})");
}
