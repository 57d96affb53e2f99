using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace EdgeGateway.Logging;

/// <summary>
/// <c>Logging:Format = json</c>: one JSON object per line, for log shippers. Fields: <c>time</c> (UTC),
/// <c>level</c>, <c>category</c>, <c>eventId</c>, <c>eventName</c>, <c>message</c>, <c>state</c> (the message's
/// named values) and <c>exception</c> (the whole exception as one string).
/// </summary>
/// <remarks>
/// .NET's own JSON formatter writes the event's id without its name and nests the raw template in the
/// state; this one keeps the field names short and stable for queries.
/// </remarks>
internal sealed class JsonLineFormatter : ConsoleFormatter
{
    /// <summary>The formatter's name in <c>ConsoleLoggerOptions.FormatterName</c>.</summary>
    public const string FormatterName = "edge-gateway-json";

    private const string OriginalFormat = "{OriginalFormat}";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Readable non-ASCII text; control characters (line breaks included) are still escaped, so an entry stays on one line.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the formatter on the system clock.</summary>
    public JsonLineFormatter()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates the formatter on <paramref name="timeProvider"/>.</summary>
    internal JsonLineFormatter(TimeProvider timeProvider)
        : base(FormatterName) => _timeProvider = timeProvider;

    /// <inheritdoc />
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (logEntry.Exception is null && message is null)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("time", _timeProvider.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("level", LevelName(logEntry.LogLevel));
            writer.WriteString("category", logEntry.Category);
            if (logEntry.EventId.Id != 0)
            {
                writer.WriteNumber("eventId", logEntry.EventId.Id);
            }

            if (!string.IsNullOrEmpty(logEntry.EventId.Name))
            {
                writer.WriteString("eventName", logEntry.EventId.Name);
            }

            writer.WriteString("message", message ?? string.Empty);
            if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> values && values.Count > (HasOriginalFormat(values) ? 1 : 0))
            {
                writer.WriteStartObject("state");
                foreach (var (key, value) in values)
                {
                    if (key != OriginalFormat)
                    {
                        WriteValue(writer, key, value);
                    }
                }

                writer.WriteEndObject();
            }

            if (logEntry.Exception is { } exception)
            {
                writer.WriteString("exception", exception.ToString());
            }

            writer.WriteEndObject();
        }

        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write('\n');
    }

    private static bool HasOriginalFormat(IReadOnlyList<KeyValuePair<string, object?>> values) =>
        values.Count > 0 && values[^1].Key == OriginalFormat;

    private static void WriteValue(Utf8JsonWriter writer, string key, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNull(key);
                break;
            case bool flag:
                writer.WriteBoolean(key, flag);
                break;
            case int or long or short or byte or sbyte or uint or ushort:
                writer.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong large:
                writer.WriteNumber(key, large);
                break;
            case double number when double.IsFinite(number):
                writer.WriteNumber(key, number);
                break;
            case float number when float.IsFinite(number):
                writer.WriteNumber(key, number);
                break;
            case decimal number:
                writer.WriteNumber(key, number);
                break;
            case DateTimeOffset time:
                writer.WriteString(key, time.ToString("O", CultureInfo.InvariantCulture));
                break;
            case DateTime time:
                writer.WriteString(key, time.ToString("O", CultureInfo.InvariantCulture));
                break;
            case Enum choice:
                writer.WriteString(key, Configuration.KebabCaseEnumConverter.ToKebabCase(choice.ToString()));
                break;
            case TimeSpan duration:
                writer.WriteString(key, Configuration.DurationConverter.Format(duration));
                break;
            case IFormattable formattable:
                writer.WriteString(key, formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteString(key, value.ToString());
                break;
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "information",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };
}
