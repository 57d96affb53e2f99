using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>PUBREL (type 6): answer to PUBREC in a QoS 2 flow (fixed header flags 0010).</summary>
public sealed class MqttPubRelPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.PubRel;

    /// <summary>The packet identifier of the QoS 2 flow (1-65535).</summary>
    public required ushort PacketIdentifier { get; init; }

    /// <summary>The reason code; MQTT 3.1.1 has none (always <see cref="MqttPubRelReasonCode.Success"/>).</summary>
    public MqttPubRelReasonCode ReasonCode { get; init; }

    /// <summary>MQTT 5.0 Reason String (0x1F): a human-readable diagnostic.</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5.0 User Properties (0x26).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"PUBREL(id={PacketIdentifier}, reason={ReasonCode})");
}
