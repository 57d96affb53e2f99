namespace EdgeGateway.Mqtt.Packets;

/// <summary>The MQTT 5.0 Payload Format Indicator property (0x01).</summary>
public enum MqttPayloadFormatIndicator
{
    /// <summary>0: the payload is unspecified bytes (the same as the property being absent).</summary>
    Unspecified = 0,

    /// <summary>1: the payload is UTF-8 encoded character data.</summary>
    Utf8 = 1,
}
