namespace EdgeGateway.Mqtt.Packets;

/// <summary>The MQTT quality of service levels.</summary>
public enum MqttQualityOfService
{
    /// <summary>QoS 0: at most once, no acknowledgement.</summary>
    AtMostOnce = 0,

    /// <summary>QoS 1: at least once (PUBLISH, PUBACK).</summary>
    AtLeastOnce = 1,

    /// <summary>QoS 2: exactly once (PUBLISH, PUBREC, PUBREL, PUBCOMP).</summary>
    ExactlyOnce = 2,
}
