using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace EdgeGateway.Decoding;

/// <summary>Checks and descriptions shared by the text decoders.</summary>
internal static class PayloadText
{
    /// <summary>Longest excerpt of a payload value quoted in a failure detail.</summary>
    private const int ExcerptLength = 40;

    /// <summary>
    /// Checks that a payload is non-blank UTF-8 and drops a leading byte order mark (which some devices send
    /// and which JSON readers refuse). Checking UTF-8 up front, vectorised, gives a clear reason and lets
    /// the readers assume valid text.
    /// </summary>
    public static DecodeFailure? Prepare(ref ReadOnlySpan<byte> payload)
    {
        if (payload.StartsWith("\uFEFF"u8))
        {
            payload = payload[3..];
        }

        if (payload.Trim(" \t\r\n"u8).IsEmpty)
        {
            return new DecodeFailure(DecodeFailureReason.EmptyPayload, payload.IsEmpty ? "the payload is empty" : "the payload is only whitespace");
        }

        if (!Utf8.IsValid(payload))
        {
            return new DecodeFailure(DecodeFailureReason.InvalidUtf8, $"the payload is not valid UTF-8 (first bad byte at offset {FirstInvalidUtf8(payload)})");
        }

        return null;
    }

    /// <summary>
    /// Finds strings whose escapes do not make text: a lone UTF-16 surrogate such as <c>"\ud800"</c> is valid JSON
    /// syntax, but <see cref="Utf8JsonReader"/> throws when asked to unescape it (to compare, copy or parse it).
    /// Checking here, once, lets the decoders unescape freely. Only payloads holding a <c>\u</c> escape, rare from
    /// sensors, pay for the extra pass.
    /// </summary>
    public static DecodeFailure? CheckEscapes(ReadOnlySpan<byte> payload, JsonReaderOptions options)
    {
        if (payload.IndexOf("\\u"u8) < 0)
        {
            return null;
        }

        var reader = new Utf8JsonReader(payload, options);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    try
                    {
                        reader.GetString();
                    }
                    catch (InvalidOperationException error)
                    {
                        return new DecodeFailure(
                            DecodeFailureReason.MalformedJson,
                            $"a string at byte {reader.TokenStartIndex} holds an escape that is not text ({error.Message})");
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Syntax errors are reported by the decoding pass, with their position.
        }

        return null;
    }

    /// <summary>Says what the reader's current token is, for failure details: <c>the string "n/a"</c>, <c>an object</c>.</summary>
    public static string Describe(ref readonly Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => $"the string \"{Excerpt(in reader)}\"",
        JsonTokenType.Number => $"the number {Excerpt(in reader)}",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        _ => reader.TokenType.ToString(),
    };

    /// <summary>The current value as text, cut to a readable length, with control characters replaced.</summary>
    public static string Excerpt(ref readonly Utf8JsonReader reader)
    {
        string text;
        try
        {
            text = reader.TokenType == JsonTokenType.String || reader.TokenType == JsonTokenType.PropertyName
                ? reader.GetString() ?? string.Empty
                : Encoding.UTF8.GetString(reader.ValueSpan);
        }
        catch (InvalidOperationException)
        {
            text = "?";
        }

        return Excerpt(text);
    }

    /// <summary>Text cut to a readable length, with control characters replaced.</summary>
    public static string Excerpt(ReadOnlySpan<char> text)
    {
        var cut = text.Length > ExcerptLength ? text[..ExcerptLength] : text;
        var builder = new StringBuilder(cut.Length + 3);
        foreach (var c in cut)
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        if (cut.Length < text.Length)
        {
            builder.Append('…');
        }

        return builder.ToString();
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> payload)
    {
        var offset = 0;
        while (offset < payload.Length && Rune.DecodeFromUtf8(payload[offset..], out _, out var consumed) == OperationStatus.Done)
        {
            offset += consumed;
        }

        return offset;
    }
}
