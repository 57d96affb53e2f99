using System.Buffers.Binary;
using System.Collections.Immutable;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;

namespace EdgeGateway.Sources.Serial;

/// <summary>
/// Decodes one PMS5003 frame (as cut by <see cref="Pms5003Framer"/>) into the atmospheric mass
/// concentrations <c>pm1_0</c>, <c>pm2_5</c>, <c>pm10</c> (ug/m3) and the particle counts per 0.1 L
/// (<c>particles_0_3um</c> … <c>particles_10um</c>).
/// </summary>
public sealed class Pms5003Decoder(DeviceId deviceId) : IPayloadDecoder
{
    private static readonly (int Offset, string Metric, string Unit)[] Fields =
    [
        (10, "pm1_0", "ug/m3"),
        (12, "pm2_5", "ug/m3"),
        (14, "pm10", "ug/m3"),
        (16, "particles_0_3um", "/0.1L"),
        (18, "particles_0_5um", "/0.1L"),
        (20, "particles_1_0um", "/0.1L"),
        (22, "particles_2_5um", "/0.1L"),
        (24, "particles_5_0um", "/0.1L"),
        (26, "particles_10um", "/0.1L"),
    ];

    /// <inheritdoc />
    public DecoderKind Kind => DecoderKind.Pms5003;

    /// <inheritdoc />
    public DecodeResult Decode(RawMessage message, DeviceId? deviceIdFromTopic)
    {
        ArgumentNullException.ThrowIfNull(message);
        var frame = message.Payload.Span;
        if (Pms5003Framer.Validate(frame) is { } problem)
        {
            return SerialDecoding.Fail(problem);
        }

        var readings = ImmutableArray.CreateBuilder<DecodedReading>(Fields.Length);
        foreach (var (offset, metric, unit) in Fields)
        {
            readings.Add(new DecodedReading(deviceId, metric, BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]), unit, null, null));
        }

        return DecodeResult.Success(readings.MoveToImmutable());
    }
}

/// <summary>Decodes one SDS011 frame into <c>pm2_5</c> and <c>pm10</c> (ug/m3).</summary>
public sealed class Sds011Decoder(DeviceId deviceId) : IPayloadDecoder
{
    /// <inheritdoc />
    public DecoderKind Kind => DecoderKind.Sds011;

    /// <inheritdoc />
    public DecodeResult Decode(RawMessage message, DeviceId? deviceIdFromTopic)
    {
        ArgumentNullException.ThrowIfNull(message);
        var frame = message.Payload.Span;
        if (Sds011Framer.Validate(frame) is { } problem)
        {
            return SerialDecoding.Fail(problem);
        }

        return DecodeResult.Success(
        [
            new DecodedReading(deviceId, "pm2_5", BinaryPrimitives.ReadUInt16LittleEndian(frame[2..]) / 10.0, "ug/m3", null, null),
            new DecodedReading(deviceId, "pm10", BinaryPrimitives.ReadUInt16LittleEndian(frame[4..]) / 10.0, "ug/m3", null, null),
        ]);
    }
}

/// <summary>Gives a payload decoder the device id configured for a serial port (as a topic would).</summary>
public sealed class FixedDeviceDecoder(IPayloadDecoder inner, DeviceId? deviceId) : IPayloadDecoder
{
    /// <inheritdoc />
    public DecoderKind Kind => inner.Kind;

    /// <inheritdoc />
    public DecodeResult Decode(RawMessage message, DeviceId? deviceIdFromTopic) => inner.Decode(message, deviceId ?? deviceIdFromTopic);
}

/// <summary>Helpers shared by the serial decoders.</summary>
internal static class SerialDecoding
{
    public static DecodeResult Fail((string Reason, string Detail) problem) =>
        DecodeResult.Fail(problem.Reason == "checksum-mismatch" ? DecodeFailureReason.ChecksumMismatch : DecodeFailureReason.MalformedFrame, problem.Detail);
}
