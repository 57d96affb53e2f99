namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// DISCONNECT reason codes (MQTT 5.0, section 3.14.2.1). MQTT 3.1.1 DISCONNECT carries no reason code: it is
/// always <see cref="NormalDisconnection"/> there. Also the code a client sends before closing the connection
/// on a <see cref="MqttProtocolError"/> (see <see cref="MqttProtocolError.DisconnectReasonCode"/>).
/// </summary>
public enum MqttDisconnectReasonCode
{
    /// <summary>0x00: close the connection normally; do not send the will message.</summary>
    NormalDisconnection = 0x00,

    /// <summary>0x04: the client wishes to disconnect but requires the server to publish its will message.</summary>
    DisconnectWithWillMessage = 0x04,

    /// <summary>0x80: none of the other codes apply.</summary>
    UnspecifiedError = 0x80,

    /// <summary>0x81: a received packet could not be parsed.</summary>
    MalformedPacket = 0x81,

    /// <summary>0x82: a received packet does not follow the specification.</summary>
    ProtocolError = 0x82,

    /// <summary>0x83: a valid packet was received but could not be processed by this implementation.</summary>
    ImplementationSpecificError = 0x83,

    /// <summary>0x87: the request is not authorized.</summary>
    NotAuthorized = 0x87,

    /// <summary>0x89: the server is busy.</summary>
    ServerBusy = 0x89,

    /// <summary>0x8B: the server is shutting down.</summary>
    ServerShuttingDown = 0x8B,

    /// <summary>0x8D: no packet was received for 1.5 times the keep alive.</summary>
    KeepAliveTimeout = 0x8D,

    /// <summary>0x8E: another connection using the same client identifier has connected.</summary>
    SessionTakenOver = 0x8E,

    /// <summary>0x8F: the topic filter is correctly formed but not accepted.</summary>
    TopicFilterInvalid = 0x8F,

    /// <summary>0x90: the topic name is correctly formed but not accepted.</summary>
    TopicNameInvalid = 0x90,

    /// <summary>0x93: more QoS 1/2 publishes were received than Receive Maximum allows.</summary>
    ReceiveMaximumExceeded = 0x93,

    /// <summary>0x94: a topic alias is 0, greater than the Topic Alias Maximum, or unknown.</summary>
    TopicAliasInvalid = 0x94,

    /// <summary>0x95: a packet exceeded the Maximum Packet Size.</summary>
    PacketTooLarge = 0x95,

    /// <summary>0x96: the received data rate is too high.</summary>
    MessageRateTooHigh = 0x96,

    /// <summary>0x97: an implementation or administrative limit has been exceeded.</summary>
    QuotaExceeded = 0x97,

    /// <summary>0x98: the connection is closed by administrative action.</summary>
    AdministrativeAction = 0x98,

    /// <summary>0x99: a payload does not match its Payload Format Indicator.</summary>
    PayloadFormatInvalid = 0x99,

    /// <summary>0x9A: the server does not support retained messages.</summary>
    RetainNotSupported = 0x9A,

    /// <summary>0x9B: a QoS greater than the Maximum QoS was used.</summary>
    QoSNotSupported = 0x9B,

    /// <summary>0x9C: the client should temporarily change its server.</summary>
    UseAnotherServer = 0x9C,

    /// <summary>0x9D: the server has moved; the client should permanently change its server.</summary>
    ServerMoved = 0x9D,

    /// <summary>0x9E: the server does not support shared subscriptions.</summary>
    SharedSubscriptionsNotSupported = 0x9E,

    /// <summary>0x9F: the connection is closed because of the connection rate limit.</summary>
    ConnectionRateExceeded = 0x9F,

    /// <summary>0xA0: the maximum connection time authorized for this connection has been exceeded.</summary>
    MaximumConnectTime = 0xA0,

    /// <summary>0xA1: the server does not support subscription identifiers.</summary>
    SubscriptionIdentifiersNotSupported = 0xA1,

    /// <summary>0xA2: the server does not support wildcard subscriptions.</summary>
    WildcardSubscriptionsNotSupported = 0xA2,
}
