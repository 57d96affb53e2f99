using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>SUBACK (type 9): the server's answer to SUBSCRIBE, one reason code per requested subscription, in order.</summary>
public sealed class MqttSubAckPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.SubAck;

    /// <summary>The packet identifier of the SUBSCRIBE (1-65535).</summary>
    public required ushort PacketIdentifier { get; init; }

    /// <summary>One reason code per subscription of the SUBSCRIBE; at least one.</summary>
    public required IReadOnlyList<MqttSubAckReasonCode> ReasonCodes { get; init; }

    /// <summary>MQTT 5.0 Reason String (0x1F).</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5.0 User Properties (0x26).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"SUBACK(id={PacketIdentifier}, [{string.Join(", ", ReasonCodes)}])");
}
