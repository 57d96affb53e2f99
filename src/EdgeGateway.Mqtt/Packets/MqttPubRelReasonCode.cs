namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// Reason codes of PUBREL and PUBCOMP (MQTT 5.0, sections 3.6.2.1 and 3.7.2.1: the two tables are the same).
/// MQTT 3.1.1 has no reason code in these packets: it is always <see cref="Success"/> there.
/// </summary>
public enum MqttPubRelReasonCode
{
    /// <summary>0x00: the message is released / complete.</summary>
    Success = 0x00,

    /// <summary>0x92: the packet identifier is not known (a normal case on recovery).</summary>
    PacketIdentifierNotFound = 0x92,
}
