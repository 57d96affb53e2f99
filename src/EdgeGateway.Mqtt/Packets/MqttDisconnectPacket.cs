using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// DISCONNECT (type 14): the final packet of a connection. In MQTT 3.1.1 only the client sends it and it has no
/// content; in MQTT 5.0 either side may send it with a reason code and properties.
/// </summary>
public sealed class MqttDisconnectPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.Disconnect;

    /// <summary>The reason code; MQTT 3.1.1 has none (always <see cref="MqttDisconnectReasonCode.NormalDisconnection"/>).</summary>
    public MqttDisconnectReasonCode ReasonCode { get; init; }

    /// <summary>MQTT 5.0 Session Expiry Interval (0x11) in seconds; client to server only.</summary>
    public uint? SessionExpiryInterval { get; init; }

    /// <summary>MQTT 5.0 Reason String (0x1F).</summary>
    public string? ReasonString { get; init; }

    /// <summary>MQTT 5.0 Server Reference (0x1C): another server to use (with <see cref="MqttDisconnectReasonCode.UseAnotherServer"/> or <see cref="MqttDisconnectReasonCode.ServerMoved"/>).</summary>
    public string? ServerReference { get; init; }

    /// <summary>MQTT 5.0 User Properties (0x26).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"DISCONNECT(reason={ReasonCode})");
}
