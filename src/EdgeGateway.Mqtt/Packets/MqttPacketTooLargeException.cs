using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// Thrown by <see cref="MqttPacketEncoder"/> when the encoded packet would be larger than the maximum packet size
/// the caller passed (in MQTT 5.0, the server's Maximum Packet Size from CONNACK) or than the protocol allows.
/// Nothing has been written. The client should fail that one operation (e.g. the PUBLISH), not the connection.
/// </summary>
public sealed class MqttPacketTooLargeException : MqttEncodingException
{
    /// <summary>Creates the exception.</summary>
    public MqttPacketTooLargeException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public MqttPacketTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public MqttPacketTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a packet of a given size.</summary>
    /// <param name="packetType">The packet that was to be encoded.</param>
    /// <param name="packetSize">Its size in bytes, fixed header included.</param>
    /// <param name="maximumPacketSize">The maximum allowed.</param>
    public MqttPacketTooLargeException(MqttPacketType packetType, long packetSize, long maximumPacketSize)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"{packetType.ToString().ToUpperInvariant()} of {packetSize} bytes exceeds the maximum packet size of {maximumPacketSize} bytes"))
    {
        PacketSize = packetSize;
        MaximumPacketSize = maximumPacketSize;
    }

    /// <summary>The size the packet would have had, in bytes.</summary>
    public long PacketSize { get; }

    /// <summary>The maximum packet size it exceeded.</summary>
    public long MaximumPacketSize { get; }
}
