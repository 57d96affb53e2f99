using System.Diagnostics.CodeAnalysis;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// The result of <see cref="MqttPacketDecoder.Decode"/>: need more data, a packet, or a protocol error.
/// </summary>
public readonly record struct MqttDecodeResult
{
    private MqttDecodeResult(MqttDecodeStatus status, MqttPacket? packet, MqttProtocolError? error)
    {
        Status = status;
        Packet = packet;
        Error = error;
    }

    /// <summary>The result that asks for more bytes.</summary>
    public static MqttDecodeResult NeedMoreData => default;

    /// <summary>What happened.</summary>
    public MqttDecodeStatus Status { get; }

    /// <summary>The decoded packet when <see cref="Status"/> is <see cref="MqttDecodeStatus.Packet"/>.</summary>
    public MqttPacket? Packet { get; }

    /// <summary>The protocol error when <see cref="Status"/> is <see cref="MqttDecodeStatus.Error"/>.</summary>
    public MqttProtocolError? Error { get; }

    /// <summary>Whether a packet was decoded (then <see cref="Packet"/> is not null).</summary>
    [MemberNotNullWhen(true, nameof(Packet))]
    public bool IsPacket => Status == MqttDecodeStatus.Packet;

    /// <summary>Whether the input is a protocol error (then <see cref="Error"/> is not null).</summary>
    [MemberNotNullWhen(true, nameof(Error))]
    public bool IsError => Status == MqttDecodeStatus.Error;

    /// <summary>A result carrying a decoded packet.</summary>
    /// <param name="packet">The packet.</param>
    /// <returns>The result.</returns>
    public static MqttDecodeResult FromPacket(MqttPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        return new(MqttDecodeStatus.Packet, packet, null);
    }

    /// <summary>A result carrying a protocol error.</summary>
    /// <param name="error">The error.</param>
    /// <returns>The result.</returns>
    public static MqttDecodeResult FromError(MqttProtocolError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(MqttDecodeStatus.Error, null, error);
    }
}
