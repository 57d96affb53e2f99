using System.Buffers.Binary;
using System.Text;

namespace EdgeGateway.Tests.Serial;

/// <summary>Builds sensor frames as the devices send them.</summary>
internal static class SerialFrames
{
    /// <summary>A PMS5003 frame with atmospheric PM1.0/PM2.5/PM10 and particle counts.</summary>
    public static byte[] Pms5003(ushort pm1, ushort pm25, ushort pm10, ushort particles03 = 1000)
    {
        var frame = new byte[32];
        frame[0] = 0x42;
        frame[1] = 0x4D;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), 28);
        ushort[] data = [pm1, pm25, pm10, pm1, pm25, pm10, particles03, 300, 50, 5, 1, 0, 0];
        for (var i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4 + (2 * i)), data[i]);
        }

        var sum = 0;
        foreach (var b in frame.AsSpan(0, 30))
        {
            sum += b;
        }

        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(30), (ushort)sum);
        return frame;
    }

    /// <summary>An SDS011 reply; values in tenths of ug/m3.</summary>
    public static byte[] Sds011(ushort pm25Tenths, ushort pm10Tenths)
    {
        var frame = new byte[10];
        frame[0] = 0xAA;
        frame[1] = 0xC0;
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(2), pm25Tenths);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(4), pm10Tenths);
        frame[6] = 0x12;
        frame[7] = 0x34;
        var sum = 0;
        foreach (var b in frame.AsSpan(2, 6))
        {
            sum += b;
        }

        frame[8] = (byte)sum;
        frame[9] = 0xAB;
        return frame;
    }

    /// <summary>An NMEA sentence with its checksum and CRLF.</summary>
    public static string Nmea(string body)
    {
        byte checksum = 0;
        foreach (var c in Encoding.ASCII.GetBytes(body))
        {
            checksum ^= c;
        }

        return $"${body}*{checksum:X2}\r\n";
    }
}
