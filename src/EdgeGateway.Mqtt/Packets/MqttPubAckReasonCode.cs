namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// Reason codes of PUBACK and PUBREC (MQTT 5.0, sections 3.4.2.1 and 3.5.2.1: the two tables are the same).
/// MQTT 3.1.1 has no reason code in these packets: it is always <see cref="Success"/> there.
/// </summary>
public enum MqttPubAckReasonCode
{
    /// <summary>0x00: the message is accepted.</summary>
    Success = 0x00,

    /// <summary>0x10: the message is accepted but there are no subscribers.</summary>
    NoMatchingSubscribers = 0x10,

    /// <summary>0x80: the receiver does not accept the publish and none of the other codes apply.</summary>
    UnspecifiedError = 0x80,

    /// <summary>0x83: valid PUBLISH, but the receiver is not willing to accept it.</summary>
    ImplementationSpecificError = 0x83,

    /// <summary>0x87: the PUBLISH is not authorized.</summary>
    NotAuthorized = 0x87,

    /// <summary>0x90: the topic name is not malformed, but is not accepted.</summary>
    TopicNameInvalid = 0x90,

    /// <summary>0x91: the packet identifier is already in use.</summary>
    PacketIdentifierInUse = 0x91,

    /// <summary>0x97: an implementation or administrative limit has been exceeded.</summary>
    QuotaExceeded = 0x97,

    /// <summary>0x99: the payload does not match the Payload Format Indicator.</summary>
    PayloadFormatInvalid = 0x99,
}
