namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// The options of one subscription in a SUBSCRIBE (MQTT 5.0, section 3.8.3.1). MQTT 3.1.1 has only the
/// maximum QoS: the other options must keep their defaults there.
/// </summary>
/// <param name="MaximumQoS">The maximum QoS the server may use to send messages of this subscription.</param>
/// <param name="NoLocal">MQTT 5.0: do not send this client's own publications back to it. Not allowed on a shared subscription.</param>
/// <param name="RetainAsPublished">MQTT 5.0: keep the RETAIN flag as published instead of clearing it on forwarded messages.</param>
/// <param name="RetainHandling">MQTT 5.0: when retained messages are sent for this subscription.</param>
public readonly record struct MqttSubscriptionOptions(
    MqttQualityOfService MaximumQoS,
    bool NoLocal = false,
    bool RetainAsPublished = false,
    MqttRetainHandling RetainHandling = MqttRetainHandling.SendAtSubscribe);
