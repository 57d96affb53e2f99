using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>UNSUBSCRIBE (type 10, fixed header flags 0010): removes one or more subscriptions.</summary>
public sealed class MqttUnsubscribePacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.Unsubscribe;

    /// <summary>The packet identifier (1-65535), echoed in the UNSUBACK.</summary>
    public required ushort PacketIdentifier { get; init; }

    /// <summary>The topic filters to unsubscribe from, exactly as they were subscribed; at least one.</summary>
    public required IReadOnlyList<string> TopicFilters { get; init; }

    /// <summary>MQTT 5.0 User Properties (0x26).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"UNSUBSCRIBE(id={PacketIdentifier}, {TopicFilters.Count} filters)");
}
