using EdgeGateway.Mqtt.Packets;

namespace EdgeGateway.Mqtt.Client;

/// <summary>
/// A message the broker delivered. With <see cref="MqttAcknowledgementMode.Manual"/>, QoS 1/2 messages
/// stay unacknowledged until <see cref="AcknowledgeAsync"/> is called, so the broker redelivers them if
/// the client dies first.
/// </summary>
public sealed class MqttReceivedMessage
{
    private readonly MqttClient? _client;
    private int _acknowledged;

    internal MqttReceivedMessage(MqttClient? client, MqttPublishPacket packet, string topic, long connectionGeneration, bool needsAcknowledgement)
    {
        _client = client;
        Packet = packet;
        Topic = topic;
        ConnectionGeneration = connectionGeneration;
        NeedsAcknowledgement = needsAcknowledgement;
        _acknowledged = needsAcknowledgement ? 0 : 1;
    }

    /// <summary>The topic (topic aliases already resolved).</summary>
    public string Topic { get; }

    /// <summary>The payload (only its start when <see cref="IsPayloadCut"/>).</summary>
    public ReadOnlyMemory<byte> Payload => Packet.Payload;

    /// <summary>
    /// True when the message was larger than <see cref="MqttClientOptions.MaximumPacketSize"/> on an MQTT
    /// 3.1.1 connection (5.0 tells the broker not to send such messages): <see cref="Payload"/> holds
    /// its first bytes only, the rest was dropped unread. It still has to be acknowledged.
    /// </summary>
    public bool IsPayloadCut => Packet.OriginalPayloadLength is not null;

    /// <summary>The payload's length as sent (larger than <see cref="Payload"/> when <see cref="IsPayloadCut"/>).</summary>
    public int PayloadLength => Packet.OriginalPayloadLength ?? Packet.Payload.Length;

    /// <summary>The quality of service it was delivered with.</summary>
    public MqttQualityOfService QoS => Packet.QoS;

    /// <summary>True for a retained message sent on subscribe.</summary>
    public bool Retain => Packet.Retain;

    /// <summary>True when the broker says it may have sent it before (a redelivery).</summary>
    public bool Duplicate => Packet.Dup;

    /// <summary>The packet identifier (0 for QoS 0).</summary>
    public ushort PacketIdentifier => Packet.PacketIdentifier;

    /// <summary>The PUBLISH packet with all 5.0 properties (content type, user properties...).</summary>
    public MqttPublishPacket Packet { get; }

    /// <summary>True while the consumer still has to acknowledge it.</summary>
    public bool NeedsAcknowledgement { get; }

    /// <summary>True once acknowledged (or when no acknowledgement is needed).</summary>
    public bool IsAcknowledged => Volatile.Read(ref _acknowledged) != 0;

    internal long ConnectionGeneration { get; }

    /// <summary>
    /// Acknowledges the message (PUBACK, or PUBREC for QoS 2). Call it once the message is safe (e.g.
    /// committed to disk). Any order is fine. Completes once the acknowledgement is written to the socket. Returns false when the acknowledgement could not be sent
    /// because the connection it arrived on is gone: the broker redelivers it after the reconnect.
    /// </summary>
    public ValueTask<bool> AcknowledgeAsync(CancellationToken cancellationToken = default)
    {
        if (!TryMarkAcknowledged() || _client is null)
        {
            return ValueTask.FromResult(true);
        }

        return _client.AcknowledgeAsync(this, cancellationToken);
    }

    /// <summary>Marks it acknowledged; false when it already was (acknowledging twice sends nothing).</summary>
    internal bool TryMarkAcknowledged() => Interlocked.Exchange(ref _acknowledged, 1) == 0;
}
