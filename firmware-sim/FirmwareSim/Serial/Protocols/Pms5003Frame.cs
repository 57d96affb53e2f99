using System.Buffers.Binary;

namespace FirmwareSim.Serial.Protocols;

/// <summary>What a Plantower PMS5003 reports in one frame (µg/m³ and particles per 0.1 L).</summary>
/// <param name="Pm1Standard">PM1.0, CF=1 (standard particle).</param>
/// <param name="Pm25Standard">PM2.5, CF=1.</param>
/// <param name="Pm10Standard">PM10, CF=1.</param>
/// <param name="Pm1">PM1.0, atmospheric environment.</param>
/// <param name="Pm25">PM2.5, atmospheric environment.</param>
/// <param name="Pm10">PM10, atmospheric environment.</param>
/// <param name="Particles">Particles beyond 0.3, 0.5, 1.0, 2.5, 5.0 and 10 µm in 0.1 L of air (six counts).</param>
public sealed record Pms5003Reading(
    ushort Pm1Standard,
    ushort Pm25Standard,
    ushort Pm10Standard,
    ushort Pm1,
    ushort Pm25,
    ushort Pm10,
    IReadOnlyList<ushort> Particles)
{
    /// <summary>
    /// A reading from mass concentrations: PM1 about 0.7 × PM2.5, CF=1 values equal to the
    /// atmospheric ones below 30 µg/m³ and higher above (as the sensor's own correction does), particle
    /// counts falling with size.
    /// </summary>
    public static Pms5003Reading FromConcentrations(double pm25, double pm10)
    {
        static ushort Clamp(double value) => (ushort)Math.Clamp(Math.Round(value), 0, ushort.MaxValue);
        static double Standard(double atmospheric) => atmospheric < 30 ? atmospheric : 30 + ((atmospheric - 30) * 1.5);
        var pm1 = pm25 * 0.7;
        var over03 = (pm1 * 150) + 200;
        double[] counts = [over03, over03 * 0.3, over03 * 0.06, over03 * 0.006, over03 * 0.002, over03 * 0.0005];
        return new Pms5003Reading(
            Clamp(Standard(pm1)), Clamp(Standard(pm25)), Clamp(Standard(pm10)),
            Clamp(pm1), Clamp(pm25), Clamp(pm10),
            [.. counts.Select(Clamp)]);
    }
}

/// <summary>
/// The PMS5003's 32-byte frame (active mode): start characters <c>0x42 0x4D</c>, frame length 28
/// (big-endian), thirteen big-endian data words (six concentrations, six particle counts, a reserved
/// word), and a check code: the sum of the 30 bytes before it, big-endian.
/// </summary>
public static class Pms5003Frame
{
    /// <summary>The frame's length in bytes.</summary>
    public const int Length = 32;

    /// <summary>The first start character.</summary>
    public const byte Start1 = 0x42;

    /// <summary>The second start character.</summary>
    public const byte Start2 = 0x4D;

    /// <summary>Encodes one frame.</summary>
    public static byte[] Encode(Pms5003Reading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        if (reading.Particles.Count != 6)
        {
            throw new ArgumentException("A PMS5003 reports six particle counts.", nameof(reading));
        }

        var frame = new byte[Length];
        frame[0] = Start1;
        frame[1] = Start2;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), Length - 4);
        ushort[] words =
        [
            reading.Pm1Standard, reading.Pm25Standard, reading.Pm10Standard, reading.Pm1, reading.Pm25, reading.Pm10,
            .. reading.Particles, 0x9700,
        ];
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4 + (2 * i)), words[i]);
        }

        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(Length - 2), Checksum(frame.AsSpan(0, Length - 2)));
        return frame;
    }

    /// <summary>The check code: the 16-bit sum of the bytes.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> bytes)
    {
        var sum = 0;
        foreach (var b in bytes)
        {
            sum += b;
        }

        return (ushort)sum;
    }
}
