namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// SUBACK reason codes, one per subscription of the SUBSCRIBE (MQTT 5.0, section 3.9.3). MQTT 3.1.1 return codes
/// are the subset <see cref="GrantedQoS0"/>, <see cref="GrantedQoS1"/>, <see cref="GrantedQoS2"/> and
/// <see cref="UnspecifiedError"/> (0x80, "Failure").
/// </summary>
public enum MqttSubAckReasonCode
{
    /// <summary>0x00: the subscription is accepted with maximum QoS 0.</summary>
    GrantedQoS0 = 0x00,

    /// <summary>0x01: the subscription is accepted with maximum QoS 1.</summary>
    GrantedQoS1 = 0x01,

    /// <summary>0x02: the subscription is accepted with maximum QoS 2.</summary>
    GrantedQoS2 = 0x02,

    /// <summary>0x80: the subscription is not accepted (3.1.1: "Failure").</summary>
    UnspecifiedError = 0x80,

    /// <summary>0x83: valid SUBSCRIBE, but the server does not accept it.</summary>
    ImplementationSpecificError = 0x83,

    /// <summary>0x87: the client is not authorized to make this subscription.</summary>
    NotAuthorized = 0x87,

    /// <summary>0x8F: the topic filter is correctly formed but not allowed for this client.</summary>
    TopicFilterInvalid = 0x8F,

    /// <summary>0x91: the packet identifier is already in use.</summary>
    PacketIdentifierInUse = 0x91,

    /// <summary>0x97: an implementation or administrative limit has been exceeded.</summary>
    QuotaExceeded = 0x97,

    /// <summary>0x9E: the server does not support shared subscriptions for this client.</summary>
    SharedSubscriptionsNotSupported = 0x9E,

    /// <summary>0xA1: the server does not support subscription identifiers.</summary>
    SubscriptionIdentifiersNotSupported = 0xA1,

    /// <summary>0xA2: the server does not support wildcard subscriptions.</summary>
    WildcardSubscriptionsNotSupported = 0xA2,
}
