namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// UNSUBACK reason codes, one per topic filter of the UNSUBSCRIBE (MQTT 5.0, section 3.11.3).
/// MQTT 3.1.1 UNSUBACK carries no reason codes.
/// </summary>
public enum MqttUnsubAckReasonCode
{
    /// <summary>0x00: the subscription is deleted.</summary>
    Success = 0x00,

    /// <summary>0x11: no matching subscription existed.</summary>
    NoSubscriptionExisted = 0x11,

    /// <summary>0x80: the unsubscribe could not be completed and none of the other codes apply.</summary>
    UnspecifiedError = 0x80,

    /// <summary>0x83: valid UNSUBSCRIBE, but the server does not accept it.</summary>
    ImplementationSpecificError = 0x83,

    /// <summary>0x87: the client is not authorized to unsubscribe.</summary>
    NotAuthorized = 0x87,

    /// <summary>0x8F: the topic filter is correctly formed but not allowed for this client.</summary>
    TopicFilterInvalid = 0x8F,

    /// <summary>0x91: the packet identifier is already in use.</summary>
    PacketIdentifierInUse = 0x91,
}
