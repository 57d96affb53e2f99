using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;

namespace EdgeGateway.Sources.Serial;

/// <summary>
/// Decodes NMEA 0183 sentences from a GNSS receiver (one line each, from <see cref="LineFramer"/>),
/// checksum checked. <c>GGA</c> gives <c>latitude</c>, <c>longitude</c> (deg), <c>altitude</c> (m),
/// <c>fix_quality</c> (0 none, 1 GPS, 2 DGPS, 4 RTK …), <c>satellites</c>, <c>hdop</c>; <c>RMC</c>
/// gives <c>latitude</c>, <c>longitude</c>, <c>speed</c> (km/h), <c>course</c> (deg) and
/// <c>fix_valid</c> (1 or 0). Without a fix only <c>fix_quality</c> / <c>fix_valid</c> are reported.
/// Any talker (GP, GN, GL, GA…) is accepted.
/// </summary>
public sealed class NmeaDecoder(DeviceId deviceId) : IPayloadDecoder
{
    private const double KnotsToKmh = 1.852;

    /// <inheritdoc />
    public DecoderKind Kind => DecoderKind.Nmea;

    /// <summary>The sentence type (<c>GGA</c>, <c>RMC</c>, <c>GSV</c> …) of a line, or null when it is not a sentence.</summary>
    public static string? SentenceType(ReadOnlySpan<byte> line) =>
        line.Length >= 6 && (line[0] == (byte)'$' || line[0] == (byte)'!') ? Encoding.ASCII.GetString(line[3..6]) : null;

    /// <summary>Whether this decoder reads the sentence type.</summary>
    public static bool IsSupported(string? sentenceType) => sentenceType is "GGA" or "RMC";

    /// <inheritdoc />
    public DecodeResult Decode(RawMessage message, DeviceId? deviceIdFromTopic)
    {
        ArgumentNullException.ThrowIfNull(message);
        var line = message.Payload.Span;
        if (line.IsEmpty || line[0] != (byte)'$')
        {
            return DecodeResult.Fail(DecodeFailureReason.MalformedFrame, "an NMEA sentence starts with '$'");
        }

        var star = line.LastIndexOf((byte)'*');
        if (star < 0 || line.Length < star + 3)
        {
            return DecodeResult.Fail(DecodeFailureReason.MalformedFrame, "the sentence has no '*hh' checksum");
        }

        byte computed = 0;
        foreach (var b in line[1..star])
        {
            computed ^= b;
        }

        var written = Encoding.ASCII.GetString(line.Slice(star + 1, 2));
        if (!byte.TryParse(written, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var expected))
        {
            return DecodeResult.Fail(DecodeFailureReason.MalformedFrame, $"the checksum '{written}' is not two hex digits");
        }

        if (expected != computed)
        {
            return DecodeResult.Fail(DecodeFailureReason.ChecksumMismatch, $"NMEA checksum is {expected:X2}; the sentence XORs to {computed:X2}");
        }

        var fields = Encoding.ASCII.GetString(line[1..star]).Split(',');
        if (fields[0].Length != 5)
        {
            return DecodeResult.Fail(DecodeFailureReason.MalformedFrame, $"'{fields[0]}' is not a talker and sentence type");
        }

        var type = fields[0][2..];
        try
        {
            return type switch
            {
                "GGA" => Gga(fields, message.ReceivedAt),
                "RMC" => Rmc(fields),
                _ => DecodeResult.Fail(DecodeFailureReason.NoMetrics, $"sentence type {type} is not read (GGA and RMC are)"),
            };
        }
        catch (FormatException error)
        {
            return DecodeResult.Fail(DecodeFailureReason.MalformedFrame, $"{type}: {error.Message}");
        }
    }

    private DecodeResult Gga(string[] f, DateTimeOffset receivedAt)
    {
        Need(f, 10, "GGA");
        var quality = Integer(f[6], "fix quality");
        var readings = ImmutableArray.CreateBuilder<DecodedReading>();
        var time = TimeOfDay(f[1], receivedAt);
        readings.Add(Reading("fix_quality", quality, null, time));
        if (quality > 0)
        {
            readings.Add(Reading("latitude", Coordinate(f[2], f[3], 2, 'S'), "deg", time));
            readings.Add(Reading("longitude", Coordinate(f[4], f[5], 3, 'W'), "deg", time));
            if (f[7].Length > 0)
            {
                readings.Add(Reading("satellites", Integer(f[7], "satellites"), null, time));
            }

            if (f[8].Length > 0)
            {
                readings.Add(Reading("hdop", Number(f[8], "HDOP"), null, time));
            }

            if (f[9].Length > 0)
            {
                readings.Add(Reading("altitude", Number(f[9], "altitude"), "m", time));
            }
        }

        return DecodeResult.Success(readings.ToImmutable());
    }

    private DecodeResult Rmc(string[] f)
    {
        Need(f, 10, "RMC");
        DateTimeOffset? time = null;
        if (f[1].Length >= 6 && f[9].Length == 6)
        {
            var date = DateTime.ParseExact(f[9], "ddMMyy", CultureInfo.InvariantCulture);
            time = new DateTimeOffset(date, TimeSpan.Zero) + Clock(f[1]);
        }

        var valid = f[2] == "A";
        var readings = ImmutableArray.CreateBuilder<DecodedReading>();
        readings.Add(Reading("fix_valid", valid ? 1 : 0, null, time));
        if (valid)
        {
            readings.Add(Reading("latitude", Coordinate(f[3], f[4], 2, 'S'), "deg", time));
            readings.Add(Reading("longitude", Coordinate(f[5], f[6], 3, 'W'), "deg", time));
            if (f[7].Length > 0)
            {
                readings.Add(Reading("speed", Math.Round(Number(f[7], "speed") * KnotsToKmh, 3), "km/h", time));
            }

            if (f[8].Length > 0)
            {
                readings.Add(Reading("course", Number(f[8], "course"), "deg", time));
            }
        }

        return DecodeResult.Success(readings.ToImmutable());
    }

    private DecodedReading Reading(string metric, double value, string? unit, DateTimeOffset? time) => new(deviceId, metric, value, unit, time, null);

    private static void Need(string[] fields, int count, string type)
    {
        if (fields.Length < count)
        {
            throw new FormatException($"{type} needs at least {count} fields; the sentence has {fields.Length}");
        }
    }

    /// <summary>ddmm.mmmm / dddmm.mmmm and a hemisphere → signed decimal degrees.</summary>
    private static double Coordinate(string value, string hemisphere, int degreeDigits, char negative)
    {
        if (value.Length < degreeDigits + 2 || hemisphere.Length != 1)
        {
            throw new FormatException($"'{value},{hemisphere}' is not a coordinate");
        }

        var degrees = Number(value[..degreeDigits], "degrees");
        var minutes = Number(value[degreeDigits..], "minutes");
        if (minutes >= 60)
        {
            throw new FormatException($"'{value}' has {minutes} minutes");
        }

        var result = degrees + (minutes / 60.0);
        return Math.Round(hemisphere[0] == negative ? -result : result, 7);
    }

    private static DateTimeOffset? TimeOfDay(string hhmmss, DateTimeOffset receivedAt)
    {
        if (hhmmss.Length < 6)
        {
            return null;
        }

        // GGA carries no date: take the receive date, or the day before if that puts the time in the future.
        var time = new DateTimeOffset(receivedAt.UtcDateTime.Date, TimeSpan.Zero) + Clock(hhmmss);
        return time - receivedAt > TimeSpan.FromHours(12) ? time.AddDays(-1) : time;
    }

    private static TimeSpan Clock(string hhmmss)
    {
        var hours = Integer(hhmmss[..2], "hours");
        var minutes = Integer(hhmmss[2..4], "minutes");
        var seconds = Number(hhmmss[4..], "seconds");
        if (hours > 23 || minutes > 59 || seconds >= 61)
        {
            throw new FormatException($"'{hhmmss}' is not a time of day");
        }

        return new TimeSpan(hours, minutes, 0) + TimeSpan.FromSeconds(seconds);
    }

    private static double Number(string text, string what) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{what} '{text}' is not a number");

    private static int Integer(string text, string what) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{what} '{text}' is not a whole number");
}
