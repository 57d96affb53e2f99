namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// CONNACK reason codes (MQTT 5.0, section 3.2.2.2). MQTT 3.1.1 return codes are mapped onto these: 0 accepted
/// → <see cref="Success"/>, 1 → <see cref="UnsupportedProtocolVersion"/>, 2 → <see cref="ClientIdentifierNotValid"/>,
/// 3 → <see cref="ServerUnavailable"/>, 4 → <see cref="BadUserNameOrPassword"/>, 5 → <see cref="NotAuthorized"/>;
/// only these six can be encoded for 3.1.1.
/// </summary>
public enum MqttConnectReasonCode
{
    /// <summary>0x00: the connection is accepted (3.1.1 return code 0).</summary>
    Success = 0x00,

    /// <summary>0x80: the server does not wish to reveal the reason, or none of the other codes apply.</summary>
    UnspecifiedError = 0x80,

    /// <summary>0x81: the CONNECT could not be parsed.</summary>
    MalformedPacket = 0x81,

    /// <summary>0x82: the CONNECT does not follow the specification.</summary>
    ProtocolError = 0x82,

    /// <summary>0x83: valid CONNECT, but the server does not accept it.</summary>
    ImplementationSpecificError = 0x83,

    /// <summary>0x84: the server does not support the requested protocol version (3.1.1 return code 1).</summary>
    UnsupportedProtocolVersion = 0x84,

    /// <summary>0x85: the client identifier is valid UTF-8 but not allowed (3.1.1 return code 2).</summary>
    ClientIdentifierNotValid = 0x85,

    /// <summary>0x86: the user name or password is not accepted (3.1.1 return code 4).</summary>
    BadUserNameOrPassword = 0x86,

    /// <summary>0x87: the client is not authorized to connect (3.1.1 return code 5).</summary>
    NotAuthorized = 0x87,

    /// <summary>0x88: the server is not available (3.1.1 return code 3).</summary>
    ServerUnavailable = 0x88,

    /// <summary>0x89: the server is busy; try again later.</summary>
    ServerBusy = 0x89,

    /// <summary>0x8A: the client has been banned by administrative action.</summary>
    Banned = 0x8A,

    /// <summary>0x8C: the authentication method is not supported or does not match the one in use.</summary>
    BadAuthenticationMethod = 0x8C,

    /// <summary>0x90: the will topic name is not accepted.</summary>
    TopicNameInvalid = 0x90,

    /// <summary>0x95: the CONNECT exceeded the maximum permissible size.</summary>
    PacketTooLarge = 0x95,

    /// <summary>0x97: an implementation or administrative limit has been exceeded.</summary>
    QuotaExceeded = 0x97,

    /// <summary>0x99: the will payload does not match its Payload Format Indicator.</summary>
    PayloadFormatInvalid = 0x99,

    /// <summary>0x9A: the server does not support retained messages and the will retain flag was set.</summary>
    RetainNotSupported = 0x9A,

    /// <summary>0x9B: the server does not support the will QoS.</summary>
    QoSNotSupported = 0x9B,

    /// <summary>0x9C: the client should temporarily use another server (see Server Reference).</summary>
    UseAnotherServer = 0x9C,

    /// <summary>0x9D: the client should permanently use another server (see Server Reference).</summary>
    ServerMoved = 0x9D,

    /// <summary>0x9F: the connection rate limit has been exceeded.</summary>
    ConnectionRateExceeded = 0x9F,
}
