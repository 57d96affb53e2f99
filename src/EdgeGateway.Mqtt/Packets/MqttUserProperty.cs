namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// An MQTT 5.0 User Property (0x26): a name/value pair of UTF-8 strings. A packet may carry any number of them,
/// the same name may appear more than once, and their order is kept.
/// </summary>
/// <param name="Name">The property name.</param>
/// <param name="Value">The property value.</param>
public readonly record struct MqttUserProperty(string Name, string Value);
