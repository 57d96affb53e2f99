using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>SUBSCRIBE (type 8, fixed header flags 0010): asks for one or more subscriptions.</summary>
public sealed class MqttSubscribePacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.Subscribe;

    /// <summary>The packet identifier (1-65535), echoed in the SUBACK.</summary>
    public required ushort PacketIdentifier { get; init; }

    /// <summary>The subscriptions; at least one.</summary>
    public required IReadOnlyList<MqttSubscription> Subscriptions { get; init; }

    /// <summary>MQTT 5.0 Subscription Identifier (0x0B), 1-268,435,455, returned with every matching PUBLISH.</summary>
    public uint? SubscriptionIdentifier { get; init; }

    /// <summary>MQTT 5.0 User Properties (0x26).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"SUBSCRIBE(id={PacketIdentifier}, {Subscriptions.Count} filters)");
}
