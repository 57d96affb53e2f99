using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// CONNACK (type 2): the server's answer to CONNECT. MQTT 5.0 properties are <see langword="null"/> (or empty) when
/// absent; the XML doc of each says what absence means.
/// </summary>
public sealed class MqttConnAckPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.ConnAck;

    /// <summary>Session Present: the server resumed a session it held for this client. Always <see langword="false"/> with a failure reason code.</summary>
    public bool SessionPresent { get; init; }

    /// <summary>The connect reason code (MQTT 3.1.1 return codes are mapped, see <see cref="MqttConnectReasonCode"/>).</summary>
    public MqttConnectReasonCode ReasonCode { get; init; }

    /// <summary>MQTT 5.0 Session Expiry Interval (0x11) the server uses instead of the client's, in seconds.</summary>
    public uint? SessionExpiryInterval { get; init; }

    /// <summary>MQTT 5.0 Receive Maximum (0x21): QoS 1/2 publishes the client may have in flight; absent means 65,535.</summary>
    public ushort? ReceiveMaximum { get; init; }

    /// <summary>MQTT 5.0 Maximum QoS (0x24) the server supports (0 or 1); absent means QoS 2 is supported.</summary>
    public MqttQualityOfService? MaximumQoS { get; init; }

    /// <summary>MQTT 5.0 Retain Available (0x25); absent means retained messages are supported.</summary>
    public bool? RetainAvailable { get; init; }

    /// <summary>MQTT 5.0 Maximum Packet Size (0x27) the server accepts, in bytes; absent means no limit beyond the protocol's.</summary>
    public uint? MaximumPacketSize { get; init; }

    /// <summary>MQTT 5.0 Assigned Client Identifier (0x12), when the client connected with an empty one.</summary>
    public string? AssignedClientIdentifier { get; init; }

    /// <summary>MQTT 5.0 Topic Alias Maximum (0x22): the highest topic alias the client may send; absent means 0 (none).</summary>
    public ushort? TopicAliasMaximum { get; init; }

    /// <summary>MQTT 5.0 Reason String (0x1F): a human-readable diagnostic.</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5.0 Wildcard Subscription Available (0x28); absent means supported.</summary>
    public bool? WildcardSubscriptionAvailable { get; init; }

    /// <summary>MQTT 5.0 Subscription Identifiers Available (0x29); absent means supported.</summary>
    public bool? SubscriptionIdentifiersAvailable { get; init; }

    /// <summary>MQTT 5.0 Shared Subscription Available (0x2A); absent means supported.</summary>
    public bool? SharedSubscriptionAvailable { get; init; }

    /// <summary>MQTT 5.0 Server Keep Alive (0x13) in seconds: the keep alive the client must use instead of its own.</summary>
    public ushort? ServerKeepAlive { get; init; }

    /// <summary>MQTT 5.0 Response Information (0x1A): basis for response topics.</summary>
    public string? ResponseInformation { get; init; }

    /// <summary>MQTT 5.0 Server Reference (0x1C): another server to use.</summary>
    public string? ServerReference { get; init; }

    /// <summary>MQTT 5.0 Authentication Method (0x15).</summary>
    public string? AuthenticationMethod { get; init; }

    /// <summary>MQTT 5.0 Authentication Data (0x16).</summary>
    public ReadOnlyMemory<byte>? AuthenticationData { get; init; }

    /// <summary>MQTT 5.0 User Properties (0x26).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"CONNACK(reason={ReasonCode}, sessionPresent={SessionPresent})");
}
