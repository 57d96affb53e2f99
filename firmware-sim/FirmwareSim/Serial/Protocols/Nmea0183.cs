using System.Globalization;
using System.Text;

namespace FirmwareSim.Serial.Protocols;

/// <summary>A GPS fix to report.</summary>
/// <param name="Time">UTC time of the fix.</param>
/// <param name="Latitude">Degrees, north positive.</param>
/// <param name="Longitude">Degrees, east positive.</param>
/// <param name="Altitude">Metres above mean sea level.</param>
/// <param name="Satellites">Satellites in use.</param>
/// <param name="Hdop">Horizontal dilution of precision.</param>
/// <param name="SpeedKnots">Speed over ground.</param>
/// <param name="Course">Course over ground, degrees true.</param>
/// <param name="Valid">False for "no fix" (GGA quality 0, RMC status V).</param>
public sealed record GpsFix(
    DateTimeOffset Time,
    double Latitude,
    double Longitude,
    double Altitude,
    int Satellites,
    double Hdop,
    double SpeedKnots,
    double Course,
    bool Valid = true);

/// <summary>
/// NMEA 0183 sentences as a GPS receiver sends them: <c>$GPGGA</c> (fix data) and <c>$GPRMC</c>
/// (recommended minimum), each <c>$...*hh\r\n</c> where <c>hh</c> is the XOR of every character
/// between <c>$</c> and <c>*</c>, in upper-case hex.
/// </summary>
public static class Nmea0183
{
    /// <summary>The GGA sentence of a fix.</summary>
    public static string Gga(GpsFix fix)
    {
        ArgumentNullException.ThrowIfNull(fix);
        var body = string.Create(
            CultureInfo.InvariantCulture,
            $"GPGGA,{Time(fix.Time)},{Latitude(fix.Latitude)},{Longitude(fix.Longitude)},{(fix.Valid ? 1 : 0)},{fix.Satellites:00},{fix.Hdop:0.0},{fix.Altitude:0.0},M,46.9,M,,");
        return Sentence(body);
    }

    /// <summary>The RMC sentence of a fix.</summary>
    public static string Rmc(GpsFix fix)
    {
        ArgumentNullException.ThrowIfNull(fix);
        var utc = fix.Time.UtcDateTime;
        var body = string.Create(
            CultureInfo.InvariantCulture,
            $"GPRMC,{Time(fix.Time)},{(fix.Valid ? 'A' : 'V')},{Latitude(fix.Latitude)},{Longitude(fix.Longitude)},{fix.SpeedKnots:0.00},{fix.Course:0.0},{utc:ddMMyy},,,{(fix.Valid ? 'A' : 'N')}");
        return Sentence(body);
    }

    /// <summary>Wraps a sentence body (between <c>$</c> and <c>*</c>) with its checksum and line end.</summary>
    public static string Sentence(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return $"${body}*{Checksum(body):X2}\r\n";
    }

    /// <summary>The XOR of the characters.</summary>
    public static byte Checksum(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        byte sum = 0;
        foreach (var b in Encoding.ASCII.GetBytes(body))
        {
            sum ^= b;
        }

        return sum;
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("HHmmss.ff", CultureInfo.InvariantCulture);

    private static string Latitude(double degrees) => Angle(Math.Abs(degrees), 2) + (degrees >= 0 ? ",N" : ",S");

    private static string Longitude(double degrees) => Angle(Math.Abs(degrees), 3) + (degrees >= 0 ? ",E" : ",W");

    /// <summary>ddmm.mmmm (or dddmm.mmmm): whole degrees, then minutes with four decimals.</summary>
    private static string Angle(double degrees, int degreeDigits)
    {
        var whole = (int)Math.Floor(degrees);
        var minutes = Math.Round((degrees - whole) * 60, 4);
        if (minutes >= 60)
        {
            whole++;
            minutes -= 60;
        }

        return whole.ToString(new string('0', degreeDigits), CultureInfo.InvariantCulture) + minutes.ToString("00.0000", CultureInfo.InvariantCulture);
    }
}
