namespace EdgeGateway.Mqtt.Packets;

/// <summary>One topic filter of a SUBSCRIBE with its options.</summary>
/// <param name="TopicFilter">The topic filter (wildcards allowed; <c>$share/{group}/{filter}</c> for a shared subscription).</param>
/// <param name="Options">The subscription options.</param>
public sealed record MqttSubscription(string TopicFilter, MqttSubscriptionOptions Options);
