namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// The MQTT control packet types; the value is the packet type in bits 7-4 of the fixed header.
/// </summary>
public enum MqttPacketType
{
    /// <summary>Reserved; never a valid packet (a packet with this type is malformed).</summary>
    Reserved = 0,

    /// <summary>CONNECT: client request to connect to the server.</summary>
    Connect = 1,

    /// <summary>CONNACK: connect acknowledgement.</summary>
    ConnAck = 2,

    /// <summary>PUBLISH: an application message.</summary>
    Publish = 3,

    /// <summary>PUBACK: QoS 1 publish acknowledgement.</summary>
    PubAck = 4,

    /// <summary>PUBREC: QoS 2 publish received (part 1).</summary>
    PubRec = 5,

    /// <summary>PUBREL: QoS 2 publish release (part 2).</summary>
    PubRel = 6,

    /// <summary>PUBCOMP: QoS 2 publish complete (part 3).</summary>
    PubComp = 7,

    /// <summary>SUBSCRIBE: subscribe request.</summary>
    Subscribe = 8,

    /// <summary>SUBACK: subscribe acknowledgement.</summary>
    SubAck = 9,

    /// <summary>UNSUBSCRIBE: unsubscribe request.</summary>
    Unsubscribe = 10,

    /// <summary>UNSUBACK: unsubscribe acknowledgement.</summary>
    UnsubAck = 11,

    /// <summary>PINGREQ: ping request.</summary>
    PingReq = 12,

    /// <summary>PINGRESP: ping response.</summary>
    PingResp = 13,

    /// <summary>DISCONNECT: disconnect notification (sent by either side in MQTT 5.0, by the client only in 3.1.1).</summary>
    Disconnect = 14,

    /// <summary>AUTH: authentication exchange (MQTT 5.0 only; reserved in 3.1.1).</summary>
    Auth = 15,
}
