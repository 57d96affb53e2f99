using System.Buffers;
using System.Text.Json;
using EdgeGateway.Domain;

namespace EdgeGateway.Buffering;

/// <summary>
/// How an enriched reading is stored as a buffer row's payload: compact UTF-8 JSON with short keys
/// (the same names as the wire format's readings, plus <c>c</c> for the context revision), so a
/// row can be read with sqlite3 when diagnosing a gateway in the field.
/// </summary>
public static class ReadingSerializer
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    // One writer per thread, reused: a new Utf8JsonWriter and buffer per reading cost more than the encoding.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    /// <summary>Encodes a reading.</summary>
    public static byte[] Serialize(Reading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        var json = t_json ??= new Utf8JsonWriter(buffer, WriterOptions);
        json.Reset(buffer);
        json.WriteStartObject();
        json.WriteString("d"u8, reading.DeviceId.Value);
        json.WriteString("m"u8, reading.Metric);
        json.WriteNumber("v"u8, reading.Value);
        if (reading.Unit is not null)
        {
            json.WriteString("u"u8, reading.Unit);
        }

        if (reading.EventTime is { } eventTime)
        {
            json.WriteNumber("t"u8, eventTime.ToUnixTimeMilliseconds());
        }

        json.WriteNumber("r"u8, reading.ReceivedAt.ToUnixTimeMilliseconds());
        json.WriteNumber("s"u8, reading.Sequence);
        if (reading.Quality != ReadingQuality.None)
        {
            json.WriteNumber("q"u8, (int)reading.Quality);
        }

        if (reading.ContextRevision is { } revision)
        {
            json.WriteNumber("c"u8, revision);
        }

        json.WriteEndObject();
        json.Flush();

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a reading written by <see cref="Serialize"/>.</summary>
    /// <exception cref="FormatException">The bytes are not a stored reading (a corrupt row).</exception>
    public static Reading Deserialize(ReadOnlySpan<byte> payload)
    {
        string? device = null, metric = null, unit = null;
        double? value = null;
        long? eventTime = null, receivedAt = null, sequence = null, revision = null;
        var quality = 0;
        try
        {
            var json = new Utf8JsonReader(payload);
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            {
                throw new FormatException("A stored reading is a JSON object.");
            }

            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                var name = json.ValueSpan.Length == 1 ? (char)json.ValueSpan[0] : '?';
                json.Read();
                switch (name)
                {
                    case 'd': device = json.GetString(); break;
                    case 'm': metric = json.GetString(); break;
                    case 'v': value = json.GetDouble(); break;
                    case 'u': unit = json.GetString(); break;
                    case 't': eventTime = json.GetInt64(); break;
                    case 'r': receivedAt = json.GetInt64(); break;
                    case 's': sequence = json.GetInt64(); break;
                    case 'q': quality = json.GetInt32(); break;
                    case 'c': revision = json.GetInt64(); break;
                    default: json.Skip(); break;
                }
            }

            if (device is null || metric is null || value is null || receivedAt is null || sequence is null)
            {
                throw new FormatException("A stored reading lacks one of d, m, v, r, s.");
            }

            return new Reading(
                new DeviceId(device),
                metric,
                value.Value,
                unit,
                eventTime is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t) : null,
                DateTimeOffset.FromUnixTimeMilliseconds(receivedAt.Value),
                sequence.Value,
                (ReadingQuality)quality,
                revision);
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"A stored reading is corrupt: {error.Message}", error);
        }
    }
}
