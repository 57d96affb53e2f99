using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// A protocol error found in bytes received from the network: what kind, in which packet type, and a message for
/// the log. The decoder returns it instead of throwing; the client logs it, sends DISCONNECT with
/// <see cref="DisconnectReasonCode"/> (MQTT 5.0), closes the connection and reconnects.
/// </summary>
public sealed class MqttProtocolError
{
    /// <summary>Creates a protocol error.</summary>
    /// <param name="kind">The kind of error.</param>
    /// <param name="packetType">The packet type it was found in, or <see langword="null"/> when the type itself is unknown.</param>
    /// <param name="message">What exactly is wrong, for the log (never payload bytes or secrets).</param>
    public MqttProtocolError(MqttProtocolErrorKind kind, MqttPacketType? packetType, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Kind = kind;
        PacketType = packetType;
        Message = message;
    }

    /// <summary>The kind of error.</summary>
    public MqttProtocolErrorKind Kind { get; }

    /// <summary>The packet type the error was found in, or <see langword="null"/> when the type is unknown.</summary>
    public MqttPacketType? PacketType { get; }

    /// <summary>What exactly is wrong.</summary>
    public string Message { get; }

    /// <summary>
    /// The MQTT 5.0 DISCONNECT reason code to send before closing: <see cref="MqttDisconnectReasonCode.PacketTooLarge"/>,
    /// <see cref="MqttDisconnectReasonCode.TopicAliasInvalid"/>, <see cref="MqttDisconnectReasonCode.ProtocolError"/>
    /// for a well-formed packet that breaks a rule, otherwise <see cref="MqttDisconnectReasonCode.MalformedPacket"/>.
    /// </summary>
    public MqttDisconnectReasonCode DisconnectReasonCode => Kind switch
    {
        MqttProtocolErrorKind.PacketTooLarge => MqttDisconnectReasonCode.PacketTooLarge,
        MqttProtocolErrorKind.TopicAliasInvalid => MqttDisconnectReasonCode.TopicAliasInvalid,
        MqttProtocolErrorKind.DuplicateProperty
            or MqttProtocolErrorKind.PropertyNotAllowed
            or MqttProtocolErrorKind.InvalidPropertyValue
            or MqttProtocolErrorKind.InvalidReasonCode
            or MqttProtocolErrorKind.InvalidPacketIdentifier
            or MqttProtocolErrorKind.InvalidTopicName
            or MqttProtocolErrorKind.InvalidTopicFilter
            or MqttProtocolErrorKind.MissingPayload
            or MqttProtocolErrorKind.UnsupportedProtocol
            or MqttProtocolErrorKind.ProtocolViolation => MqttDisconnectReasonCode.ProtocolError,
        _ => MqttDisconnectReasonCode.MalformedPacket,
    };

    /// <summary>The error as one log line.</summary>
    /// <returns>For example <c>MQTT protocol error DuplicateProperty in PUBLISH: property 0x23 appears twice</c>.</returns>
    public override string ToString() =>
        PacketType is { } type
            ? string.Create(CultureInfo.InvariantCulture, $"MQTT protocol error {Kind} in {type.ToString().ToUpperInvariant()}: {Message}")
            : string.Create(CultureInfo.InvariantCulture, $"MQTT protocol error {Kind}: {Message}");
}
