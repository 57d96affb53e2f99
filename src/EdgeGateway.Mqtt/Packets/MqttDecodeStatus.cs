namespace EdgeGateway.Mqtt.Packets;

/// <summary>The outcome of one <see cref="MqttPacketDecoder.Decode"/> call.</summary>
public enum MqttDecodeStatus
{
    /// <summary>The buffer does not hold a whole packet yet; nothing was consumed. Read more bytes and call again.</summary>
    NeedMoreData,

    /// <summary>A packet was decoded and the buffer was advanced past it.</summary>
    Packet,

    /// <summary>The bytes break the protocol; nothing was consumed. Close the connection.</summary>
    Error,
}
