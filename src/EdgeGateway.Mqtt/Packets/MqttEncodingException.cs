namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// Thrown by <see cref="MqttPacketEncoder"/> when a packet cannot be encoded as given: an invalid topic or string,
/// a packet identifier of 0 where one is needed, a value out of range, or MQTT 5.0-only content for MQTT 3.1.1.
/// Nothing has been written when it is thrown. It is a programming error in the caller, not a network problem.
/// </summary>
public class MqttEncodingException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public MqttEncodingException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What cannot be encoded and why.</param>
    public MqttEncodingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">What cannot be encoded and why.</param>
    /// <param name="innerException">The cause.</param>
    public MqttEncodingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
