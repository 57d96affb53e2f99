namespace EdgeGateway.Mqtt.Packets;

/// <summary>PINGREQ (type 12): keep-alive request from the client. It has no content, so one shared instance serves.</summary>
public sealed class MqttPingReqPacket : MqttPacket
{
    private MqttPingReqPacket()
    {
    }

    /// <summary>The PINGREQ packet.</summary>
    public static MqttPingReqPacket Instance { get; } = new();

    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.PingReq;
}
