namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// Base class of the 15 MQTT control packets. Packets are plain data: what the decoder read or what the encoder
/// will write. Properties that exist only in MQTT 5.0 are <see langword="null"/> (or empty) when absent; the
/// encoder refuses to write a packet for MQTT 3.1.1 that carries any of them, and the decoder never sets them
/// for MQTT 3.1.1.
/// </summary>
/// <remarks>
/// Packets are immutable once built (init-only properties). Lists passed in are kept by reference, not copied:
/// do not change them after handing them to a packet.
/// </remarks>
public abstract class MqttPacket
{
    private protected MqttPacket()
    {
    }

    /// <summary>The control packet type.</summary>
    public abstract MqttPacketType PacketType { get; }

    /// <summary>A short description for logs: the packet type and its identifiers, never payloads or secrets.</summary>
    /// <returns>For example <c>PUBLISH(qos=1, id=7, topic=sensors/a, 12 bytes)</c>.</returns>
    public override string ToString() => PacketType.ToString().ToUpperInvariant();
}
