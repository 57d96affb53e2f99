namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// The kinds of protocol error the decoder and <see cref="TopicAliasMap"/> report. Each means the peer broke the
/// protocol: the connection must be closed (after a DISCONNECT with <see cref="MqttProtocolError.DisconnectReasonCode"/>
/// in MQTT 5.0) and re-established.
/// </summary>
public enum MqttProtocolErrorKind
{
    /// <summary>A variable byte integer (the remaining length, a property length, a property identifier...) has more than 4 bytes.</summary>
    MalformedVariableByteInteger,

    /// <summary>The packet is larger than the maximum packet size the receiver allows.</summary>
    PacketTooLarge,

    /// <summary>The packet type is 0, or 15 (AUTH) in MQTT 3.1.1.</summary>
    UnknownPacketType,

    /// <summary>The fixed header flags (bits 3-0) are not the ones the packet type requires, or DUP is set on QoS 0.</summary>
    InvalidFixedHeaderFlags,

    /// <summary>A QoS of 3: in the PUBLISH fixed header, the will QoS of CONNECT, or a subscription's options.</summary>
    InvalidQoS,

    /// <summary>A field runs past the end of the packet (or of its property block) as declared by its length.</summary>
    TruncatedPacket,

    /// <summary>Bytes are left over after the last field of a packet whose length is fixed by its content.</summary>
    TrailingBytes,

    /// <summary>A UTF-8 string is not well-formed UTF-8 or contains U+0000.</summary>
    InvalidString,

    /// <summary>A property identifier that MQTT 5.0 does not define.</summary>
    InvalidPropertyId,

    /// <summary>A property that may appear only once appears more than once.</summary>
    DuplicateProperty,

    /// <summary>A known property that is not allowed in this packet (or in the will properties).</summary>
    PropertyNotAllowed,

    /// <summary>A property value outside its range (for example Receive Maximum 0, Topic Alias 0, Maximum QoS 2, a flag other than 0 or 1, a Response Topic with wildcards).</summary>
    InvalidPropertyValue,

    /// <summary>A reason code that the packet type does not define (or that MQTT 3.1.1 does not have).</summary>
    InvalidReasonCode,

    /// <summary>A packet identifier of 0 where one is required.</summary>
    InvalidPacketIdentifier,

    /// <summary>A topic name with wildcards, or an empty topic name without a topic alias.</summary>
    InvalidTopicName,

    /// <summary>A topic filter that breaks the wildcard rules or is empty.</summary>
    InvalidTopicFilter,

    /// <summary>A SUBSCRIBE, UNSUBSCRIBE, SUBACK or MQTT 5.0 UNSUBACK without a single entry.</summary>
    MissingPayload,

    /// <summary>CONNECT with a protocol name other than "MQTT" or a protocol level other than the expected version.</summary>
    UnsupportedProtocol,

    /// <summary>CONNECT flags that break the rules (reserved bit, will QoS/retain without will, password without user name in 3.1.1).</summary>
    InvalidConnectFlags,

    /// <summary>CONNACK acknowledge flags with reserved bits set, or Session Present with a failure reason code.</summary>
    InvalidConnAckFlags,

    /// <summary>Subscription options with reserved bits set, Retain Handling 3, or No Local on a shared subscription.</summary>
    InvalidSubscriptionOptions,

    /// <summary>A topic alias that is 0, above the Topic Alias Maximum, or not yet known (reported by <see cref="TopicAliasMap"/>).</summary>
    TopicAliasInvalid,

    /// <summary>Another violation of the specification (for example Authentication Data without Authentication Method).</summary>
    ProtocolViolation,
}
