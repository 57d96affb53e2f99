using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PipelineBench;

/// <summary>
/// Bytes per reading of the gateway's records against the same readings with the device context inlined
/// in every reading, both uncompressed (the consumer sees record values after decompression). The
/// inline variant is the same record with <c>params.arguments.devices</c> removed and each reading given
/// a <c>"context"</c> member holding its device's entry of that array, everything else unchanged, so
/// the difference is only where the context travels. Also checks the readings themselves: every
/// (device, sequence) once, and counts quality flags.
/// </summary>
internal sealed class BatchAnalysis
{
    // The gateway writes '+' (in "+00:00") and other safe characters as they are; so does this writer, so
    // that re-encoding adds no escapes of its own (checked record by record: ReencodesExactly).
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 20);
    private readonly HashSet<(string Device, long Sequence)> _seen = [];

    public long Records { get; private set; }

    public long Readings { get; private set; }

    public long ValueBytes { get; private set; }

    public long InlineBytes { get; private set; }

    public long ContextEntries { get; private set; }

    public long Duplicates { get; private set; }

    public long Flagged { get; private set; }

    /// <summary>Characters of all values (<c>v</c>) as written: calibration can turn 12.5 into 13.250000000000002.</summary>
    public long ValueChars { get; private set; }

    /// <summary>Whether writing each record back unchanged gave its exact length (the re-encoding adds nothing of its own).</summary>
    public bool ReencodesExactly { get; private set; } = true;

    /// <summary>Prints one record value re-encoded with inline context (to look at what is compared).</summary>
    public static int PrintInline(string path)
    {
        var value = File.ReadAllBytes(path);
        var analysis = new BatchAnalysis();
        analysis.Add(value);
        using var stdout = Console.OpenStandardOutput();
        stdout.Write(analysis._buffer.WrittenSpan);
        stdout.WriteByte((byte)'\n');
        Console.Error.WriteLine($"{value.Length} bytes as produced, {analysis.InlineBytes} with inline context, re-encodes exactly: {analysis.ReencodesExactly}");
        return 0;
    }

    public void Add(byte[] value)
    {
        using var document = JsonDocument.Parse(value);
        var root = document.RootElement;
        var arguments = root.GetProperty("params").GetProperty("arguments");
        var contexts = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var device in arguments.GetProperty("devices").EnumerateArray())
        {
            contexts[device.GetProperty("id").GetString()!] = device;
        }

        foreach (var reading in arguments.GetProperty("readings").EnumerateArray())
        {
            Readings++;
            if (!_seen.Add((reading.GetProperty("d").GetString()!, reading.GetProperty("s").GetInt64())))
            {
                Duplicates++;
            }

            ValueChars += reading.GetProperty("v").GetRawText().Length;
            if (reading.TryGetProperty("q", out _))
            {
                Flagged++;
            }
        }

        Records++;
        ContextEntries += contexts.Count;
        ValueBytes += value.Length;
        if (Encode(root, contexts, inline: false) != value.Length)
        {
            ReencodesExactly = false;
        }

        InlineBytes += Encode(root, contexts, inline: true);
    }

    private int Encode(JsonElement root, Dictionary<string, JsonElement> contexts, bool inline)
    {
        _buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(_buffer, WriterOptions))
        {
            json.WriteStartObject();
            foreach (var member in root.EnumerateObject())
            {
                if (member.NameEquals("params"))
                {
                    json.WriteStartObject("params");
                    foreach (var part in member.Value.EnumerateObject())
                    {
                        if (part.NameEquals("arguments"))
                        {
                            WriteArguments(json, part.Value, contexts, inline);
                        }
                        else
                        {
                            part.WriteTo(json);
                        }
                    }

                    json.WriteEndObject();
                }
                else
                {
                    member.WriteTo(json);
                }
            }

            json.WriteEndObject();
        }

        return _buffer.WrittenCount;
    }

    private static void WriteArguments(Utf8JsonWriter json, JsonElement arguments, Dictionary<string, JsonElement> contexts, bool inline)
    {
        json.WriteStartObject("arguments");
        foreach (var member in arguments.EnumerateObject())
        {
            if (inline && member.NameEquals("devices"))
            {
                continue;
            }

            if (!inline || !member.NameEquals("readings"))
            {
                member.WriteTo(json);
                continue;
            }

            json.WriteStartArray("readings");
            foreach (var reading in member.Value.EnumerateArray())
            {
                json.WriteStartObject();
                foreach (var field in reading.EnumerateObject())
                {
                    field.WriteTo(json);
                }

                if (contexts.TryGetValue(reading.GetProperty("d").GetString()!, out var context))
                {
                    json.WritePropertyName("context");
                    context.WriteTo(json);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }
}
