using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>UNSUBACK (type 11): the server's answer to UNSUBSCRIBE.</summary>
public sealed class MqttUnsubAckPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.UnsubAck;

    /// <summary>The packet identifier of the UNSUBSCRIBE (1-65535).</summary>
    public required ushort PacketIdentifier { get; init; }

    /// <summary>MQTT 5.0: one reason code per topic filter of the UNSUBSCRIBE, at least one. Always empty in MQTT 3.1.1.</summary>
    public IReadOnlyList<MqttUnsubAckReasonCode> ReasonCodes { get; init; } = [];

    /// <summary>MQTT 5.0 Reason String (0x1F).</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5.0 User Properties (0x26).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"UNSUBACK(id={PacketIdentifier}, [{string.Join(", ", ReasonCodes)}])");
}
