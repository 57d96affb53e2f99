using EdgeGateway.Mqtt.Packets;

namespace EdgeGateway.Mqtt.Client;

/// <summary>A message to publish.</summary>
public sealed class MqttApplicationMessage
{
    /// <summary>The topic name (no wildcards).</summary>
    public required string Topic { get; init; }

    /// <summary>The payload.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>The quality of service.</summary>
    public MqttQualityOfService QoS { get; init; } = MqttQualityOfService.AtLeastOnce;

    /// <summary>Whether the broker keeps it as the topic's retained message.</summary>
    public bool Retain { get; init; }

    /// <summary>Content type (5.0).</summary>
    public string? ContentType { get; init; }

    /// <summary>Whether the payload is UTF-8 text (5.0).</summary>
    public MqttPayloadFormatIndicator? PayloadFormatIndicator { get; init; }

    /// <summary>How long the broker keeps it for offline subscribers (5.0).</summary>
    public TimeSpan? MessageExpiry { get; init; }

    /// <summary>Response topic (5.0 request/response).</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>Correlation data (5.0 request/response).</summary>
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }

    /// <summary>User properties (5.0).</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}

/// <summary>The outcome of a publish.</summary>
/// <param name="PacketIdentifier">The packet identifier used (0 for QoS 0).</param>
/// <param name="ReasonCode">The broker's reason code (5.0; <c>Success</c> on 3.1.1 and QoS 0).</param>
/// <param name="ReasonString">The broker's reason string, if any.</param>
public sealed record MqttPublishResult(ushort PacketIdentifier, MqttPubAckReasonCode ReasonCode, string? ReasonString = null)
{
    /// <summary>True when the broker accepted the message (reason code below 0x80).</summary>
    public bool IsSuccess => (int)ReasonCode < 0x80;
}

/// <summary>The outcome of one subscription request.</summary>
/// <param name="TopicFilter">The filter.</param>
/// <param name="ReasonCode">Granted QoS (0-2) or a failure code (0x80 and above).</param>
public sealed record MqttSubscribeResult(string TopicFilter, MqttSubAckReasonCode ReasonCode)
{
    /// <summary>True when the broker granted the subscription.</summary>
    public bool IsSuccess => (int)ReasonCode < 0x80;
}
