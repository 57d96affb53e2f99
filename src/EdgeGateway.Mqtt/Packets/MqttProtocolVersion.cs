namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// The MQTT protocol version a connection speaks. The numeric value is the protocol level sent in CONNECT.
/// </summary>
public enum MqttProtocolVersion
{
    /// <summary>MQTT 3.1.1 (protocol level 4).</summary>
    V311 = 4,

    /// <summary>MQTT 5.0 (protocol level 5).</summary>
    V500 = 5,
}
