namespace EdgeGateway.Mqtt.Packets;

/// <summary>PINGRESP (type 13): the server's answer to PINGREQ. It has no content, so one shared instance serves.</summary>
public sealed class MqttPingRespPacket : MqttPacket
{
    private MqttPingRespPacket()
    {
    }

    /// <summary>The PINGRESP packet.</summary>
    public static MqttPingRespPacket Instance { get; } = new();

    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.PingResp;
}
