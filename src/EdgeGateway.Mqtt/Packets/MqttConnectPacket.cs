using System.Globalization;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>CONNECT (type 1): the first packet a client sends. MQTT 5.0 properties are <see langword="null"/> (or empty) when absent.</summary>
public sealed class MqttConnectPacket : MqttPacket
{
    /// <inheritdoc />
    public override MqttPacketType PacketType => MqttPacketType.Connect;

    /// <summary>The client identifier; empty asks the server to assign one (MQTT 5.0) or requires <see cref="CleanStart"/> (3.1.1).</summary>
    public string ClientId { get; init; } = "";

    /// <summary>Clean Start (MQTT 5.0) / Clean Session (MQTT 3.1.1) flag.</summary>
    public bool CleanStart { get; init; } = true;

    /// <summary>Keep Alive in seconds; 0 turns the keep-alive mechanism off.</summary>
    public ushort KeepAlive { get; init; }

    /// <summary>The user name, or <see langword="null"/> for none.</summary>
    public string? UserName { get; init; }

    /// <summary>The password (binary data), or <see langword="null"/> for none. MQTT 3.1.1 requires a <see cref="UserName"/> with it.</summary>
    public ReadOnlyMemory<byte>? Password { get; init; }

    /// <summary>The will message, or <see langword="null"/> for none.</summary>
    public MqttWillMessage? Will { get; init; }

    /// <summary>MQTT 5.0 Session Expiry Interval (0x11) in seconds; absent means 0 (the session ends with the connection).</summary>
    public uint? SessionExpiryInterval { get; init; }

    /// <summary>MQTT 5.0 Receive Maximum (0x21): QoS 1/2 publishes the client processes concurrently; absent means 65,535; never 0.</summary>
    public ushort? ReceiveMaximum { get; init; }

    /// <summary>MQTT 5.0 Maximum Packet Size (0x27) the client accepts, in bytes; absent means no limit beyond the protocol's; never 0.</summary>
    public uint? MaximumPacketSize { get; init; }

    /// <summary>MQTT 5.0 Topic Alias Maximum (0x22): the highest inbound topic alias the client accepts; absent means 0 (none).</summary>
    public ushort? TopicAliasMaximum { get; init; }

    /// <summary>MQTT 5.0 Request Response Information (0x19); absent means <see langword="false"/>.</summary>
    public bool? RequestResponseInformation { get; init; }

    /// <summary>MQTT 5.0 Request Problem Information (0x17); absent means <see langword="true"/>.</summary>
    public bool? RequestProblemInformation { get; init; }

    /// <summary>MQTT 5.0 Authentication Method (0x15) for extended authentication.</summary>
    public string? AuthenticationMethod { get; init; }

    /// <summary>MQTT 5.0 Authentication Data (0x16); only valid with an <see cref="AuthenticationMethod"/>.</summary>
    public ReadOnlyMemory<byte>? AuthenticationData { get; init; }

    /// <summary>MQTT 5.0 User Properties (0x26).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"CONNECT(client={ClientId}, cleanStart={CleanStart}, keepAlive={KeepAlive}, will={Will is not null})");
}
