namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// The will message of a CONNECT: published by the server when the connection ends without a normal DISCONNECT.
/// The MQTT 5.0 will properties are <see langword="null"/> (or empty) when absent.
/// </summary>
public sealed class MqttWillMessage
{
    /// <summary>The will topic (a topic name: no wildcards).</summary>
    public required string Topic { get; init; }

    /// <summary>The will payload (at most 65,535 bytes: it is written as binary data).</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The QoS of the will message.</summary>
    public MqttQualityOfService QoS { get; init; }

    /// <summary>Whether the will message is retained.</summary>
    public bool Retain { get; init; }

    /// <summary>MQTT 5.0 Will Delay Interval (0x18) in seconds; absent means 0.</summary>
    public uint? WillDelayInterval { get; init; }

    /// <summary>MQTT 5.0 Payload Format Indicator (0x01).</summary>
    public MqttPayloadFormatIndicator? PayloadFormatIndicator { get; init; }

    /// <summary>MQTT 5.0 Message Expiry Interval (0x02) in seconds; absent means the message does not expire.</summary>
    public uint? MessageExpiryInterval { get; init; }

    /// <summary>MQTT 5.0 Content Type (0x03).</summary>
    public string? ContentType { get; init; }

    /// <summary>MQTT 5.0 Response Topic (0x08).</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>MQTT 5.0 Correlation Data (0x09).</summary>
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }

    /// <summary>MQTT 5.0 User Properties (0x26) of the will message.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}
