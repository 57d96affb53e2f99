using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>AUTH (type 15, MQTT 5.0 only): a step of an extended authentication exchange.</summary>
public sealed class MqttAuthPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.Auth;

    /// <summary>The authenticate reason code.</summary>
    public MqttAuthReasonCode ReasonCode { get; init; }

    /// <summary>Authentication Method (0x15); required unless the packet is an empty success.</summary>
    public string? AuthenticationMethod { get; init; }

    /// <summary>Authentication Data (0x16); only valid with an <see cref="AuthenticationMethod"/>.</summary>
    public ReadOnlyMemory<byte>? AuthenticationData { get; init; }

    /// <summary>Reason String (0x1F).</summary>
    public string? ReasonString { get; init; }

    /// <summary>User Properties (0x26).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"AUTH(reason={ReasonCode}, method={AuthenticationMethod})");
}
