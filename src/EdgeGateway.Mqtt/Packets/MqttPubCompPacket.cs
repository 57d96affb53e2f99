using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>PUBCOMP (type 7): answer to PUBREL, ends a QoS 2 flow. Its reason codes are those of PUBREL.</summary>
public sealed class MqttPubCompPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.PubComp;

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
        string.Create(CultureInfo.InvariantCulture, $"PUBCOMP(id={PacketIdentifier}, reason={ReasonCode})");
}
