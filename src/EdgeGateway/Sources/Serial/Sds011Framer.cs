namespace EdgeGateway.Sources.Serial;

/// <summary>
/// Frames Nova Fitness SDS011 measurement replies: 10 bytes, <c>0xAA 0xC0</c>, PM2.5 and PM10 (little
/// endian, tenths of µg/m³), the sensor id, a checksum (sum of the six data bytes, low 8 bits), <c>0xAB</c>.
/// </summary>
public sealed class Sds011Framer : BinaryFramer
{
    /// <summary>The frame length.</summary>
    public const int Length = 10;

    /// <summary>Creates a framer.</summary>
    public Sds011Framer()
        : base([0xAA, 0xC0], Length)
    {
    }

    /// <summary>Checks a whole frame; null when good, else why not.</summary>
    public static (string Reason, string Detail)? Validate(ReadOnlySpan<byte> frame)
    {
        if (frame.Length != Length || frame[0] != 0xAA || frame[1] != 0xC0 || frame[9] != 0xAB)
        {
            return ("false-start", "not an SDS011 frame (10 bytes, AA C0 … AB)");
        }

        var sum = 0;
        foreach (var b in frame[2..8])
        {
            sum += b;
        }

        return (sum & 0xFF) == frame[8]
            ? null
            : ("checksum-mismatch", $"SDS011 checksum is 0x{frame[8]:X2}; the data bytes sum to 0x{sum & 0xFF:X2}");
    }

    /// <inheritdoc />
    protected override (string Reason, string Detail)? Check(ReadOnlySpan<byte> frame) => Validate(frame);
}
