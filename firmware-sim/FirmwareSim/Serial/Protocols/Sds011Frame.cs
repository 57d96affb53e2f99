namespace FirmwareSim.Serial.Protocols;

/// <summary>
/// The Nova SDS011's 10-byte data frame: <c>0xAA 0xC0</c>, PM2.5 and PM10 in tenths of µg/m³
/// (little-endian), the sensor's two-byte id, a checksum (the low byte of the sum of the six data
/// bytes) and the tail <c>0xAB</c>.
/// </summary>
public static class Sds011Frame
{
    /// <summary>The frame's length in bytes.</summary>
    public const int Length = 10;

    /// <summary>The message header.</summary>
    public const byte Head = 0xAA;

    /// <summary>The command byte of a data frame.</summary>
    public const byte Command = 0xC0;

    /// <summary>The message tail.</summary>
    public const byte Tail = 0xAB;

    /// <summary>Encodes one frame; concentrations are clamped to the sensor's 0 to 999.9 µg/m³.</summary>
    public static byte[] Encode(double pm25, double pm10, ushort sensorId)
    {
        var pm25Tenths = (ushort)Math.Clamp(Math.Round(pm25 * 10), 0, 9999);
        var pm10Tenths = (ushort)Math.Clamp(Math.Round(pm10 * 10), 0, 9999);
        var frame = new byte[Length];
        frame[0] = Head;
        frame[1] = Command;
        frame[2] = (byte)pm25Tenths;
        frame[3] = (byte)(pm25Tenths >> 8);
        frame[4] = (byte)pm10Tenths;
        frame[5] = (byte)(pm10Tenths >> 8);
        frame[6] = (byte)sensorId;
        frame[7] = (byte)(sensorId >> 8);
        frame[8] = Checksum(frame.AsSpan(2, 6));
        frame[9] = Tail;
        return frame;
    }

    /// <summary>The checksum: the low byte of the sum.</summary>
    public static byte Checksum(ReadOnlySpan<byte> data)
    {
        var sum = 0;
        foreach (var b in data)
        {
            sum += b;
        }

        return (byte)sum;
    }
}
