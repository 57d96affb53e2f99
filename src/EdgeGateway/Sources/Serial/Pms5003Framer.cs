using System.Buffers.Binary;

namespace EdgeGateway.Sources.Serial;

/// <summary>
/// Frames Plantower PMS5003 (and PMS7003) output: 32 bytes, <c>0x42 0x4D</c>, a length of 28, thirteen
/// big-endian 16-bit values and a 16-bit sum of the 30 bytes before it.
/// </summary>
public sealed class Pms5003Framer : BinaryFramer
{
    /// <summary>The frame length.</summary>
    public const int Length = 32;

    /// <summary>Creates a framer.</summary>
    public Pms5003Framer()
        : base([0x42, 0x4D], Length)
    {
    }

    /// <summary>Checks a whole frame; null when good, else why not.</summary>
    public static (string Reason, string Detail)? Validate(ReadOnlySpan<byte> frame)
    {
        if (frame.Length != Length || frame[0] != 0x42 || frame[1] != 0x4D || BinaryPrimitives.ReadUInt16BigEndian(frame[2..]) != Length - 4)
        {
            return ("false-start", $"not a PMS5003 frame (32 bytes, 42 4D, length 28)");
        }

        var sum = 0;
        foreach (var b in frame[..30])
        {
            sum += b;
        }

        var expected = BinaryPrimitives.ReadUInt16BigEndian(frame[30..]);
        return (sum & 0xFFFF) == expected
            ? null
            : ("checksum-mismatch", $"PMS5003 checksum is 0x{expected:X4}; the bytes sum to 0x{sum & 0xFFFF:X4}");
    }

    /// <inheritdoc />
    protected override (string Reason, string Detail)? Check(ReadOnlySpan<byte> frame) => Validate(frame);
}
