using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGateway.Domain;

namespace EdgeGateway.Decoding;

/// <summary>
/// Decodes JSON objects through a field mapping (<see cref="JsonDecoderOptions"/>): one object may hold
/// several metrics, and a payload may be an array of such objects (a device that batches).
/// </summary>
/// <remarks>
/// <para>The rules, in the order a payload meets them:</para>
/// <list type="bullet">
/// <item>The payload is UTF-8 JSON (a leading byte order mark is allowed): one object, or an array of objects.</item>
/// <item>Each object gives one reading per mapped field that holds a value. A number is taken as it is, <c>true</c>/<c>false</c>
/// as 1/0, and a string holding a number (<c>"21.5"</c>, as some firmwares send) as that number; <c>null</c> or a missing
/// field gives no reading; anything else fails the message. The mapping's scale is applied, and the result must be finite.</item>
/// <item>With <see cref="JsonDecoderOptions.AllNumericFields"/>, every other top-level number is a metric named after its
/// field. Nested objects and arrays are only entered along mapped paths.</item>
/// <item>The device id is the topic's, the payload's (string, or number as written), or both when they agree. An object that
/// gives readings without any device id fails the message.</item>
/// <item>Times are epoch numbers or ISO 8601 strings. Numbers below 10^11 are seconds (fractions allowed), numbers from
/// 10^11 up to 10^14 are milliseconds: 10^11 seconds is the year 5138 and 10^11 milliseconds is March 1973, so no
/// plausible time is ambiguous. Negative numbers and strings without a UTC offset (<c>Z</c> or <c>±hh:mm</c>) are refused:
/// a device's local time zone is unknown here.</item>
/// <item>A field the mapping reads may appear only once per object: JSON leaves duplicates undefined, so they are refused
/// rather than guessed at.</item>
/// <item>A batch that yields no reading at all (every object empty of mapped values) fails with <see cref="DecodeFailureReason.NoMetrics"/>.</item>
/// </list>
/// <para>The payload is read once with <see cref="Utf8JsonReader"/> against a tree of the mapped paths, so a message
/// from a known device with mapped metric names allocates only its result.</para>
/// </remarks>
public sealed class JsonPayloadDecoder : IPayloadDecoder
{
    // Escaped JSON text takes at most 6 bytes (\uXXXX) per UTF-16 character: a buffer this long holds any
    // string that can still be a valid device id (128 characters) once unescaped.
    private const int CharBufferLength = DeviceId.MaxLength * 6;

    // Above this many readings in one object, duplicate metric names are checked with a set, not a scan.
    private const int LinearDuplicateScanLimit = 32;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    private readonly Node[] _nodes;
    private readonly int _slotCount;
    private readonly int _maxDepth;
    private readonly bool _allNumericFields;
    private readonly string? _deviceIdField;
    private readonly string _mappedFieldList;

    /// <summary>Creates the decoder.</summary>
    /// <param name="options">Its settings; checked here as at startup, and copied (later changes have no effect).</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public JsonPayloadDecoder(JsonDecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DecoderOptionsCheck.ThrowIfInvalid(options, "Json");
        _allNumericFields = options.AllNumericFields;
        _deviceIdField = options.DeviceIdField;

        var nodes = new List<Node> { new([], string.Empty) };
        var slots = 0;
        var maxDepth = 0;
        void Add(string path, FieldRole role, JsonMetricMapping? mapping = null)
        {
            var current = 0;
            var segments = path.Split('.');
            maxDepth = Math.Max(maxDepth, segments.Length);
            for (var i = 0; i < segments.Length; i++)
            {
                var name = Encoding.UTF8.GetBytes(segments[i]);
                // Find gives 0 when nothing matches: the root, which is never anyone's child.
                var child = nodes[current].Children.Find(c => nodes[c].Name.AsSpan().SequenceEqual(name));
                if (child == 0)
                {
                    child = nodes.Count;
                    nodes.Add(new Node(name, string.Join('.', segments[..(i + 1)])));
                    nodes[current].Children.Add(child);
                }

                current = child;
            }

            var node = nodes[current];
            node.Role = role;
            node.Slot = role == FieldRole.Ignore ? -1 : slots++;
            node.Metric = mapping?.EffectiveMetric;
            node.Unit = mapping?.Unit;
            node.Scale = mapping?.Scale ?? 1;
        }

        if (options.DeviceIdField is { } idField)
        {
            Add(idField, FieldRole.DeviceId);
        }

        if (options.TimeField is { } timeField)
        {
            Add(timeField, FieldRole.Time);
        }

        if (options.SequenceField is { } sequenceField)
        {
            Add(sequenceField, FieldRole.Sequence);
        }

        foreach (var mapping in options.Metrics)
        {
            Add(mapping.Field, FieldRole.Metric, mapping);
        }

        foreach (var ignored in options.IgnoreFields)
        {
            Add(ignored, FieldRole.Ignore);
        }

        _nodes = [.. nodes];
        _slotCount = slots;
        _maxDepth = maxDepth;
        var mapped = options.Metrics.Select(m => m.Field).ToList();
        _mappedFieldList = string.Join(", ", mapped.Take(5)) + (mapped.Count > 5 ? $" and {mapped.Count - 5} more" : string.Empty);
    }

    /// <inheritdoc />
    public DecoderKind Kind => DecoderKind.Json;

    /// <inheritdoc />
    public DecodeResult Decode(RawMessage message, DeviceId? deviceIdFromTopic)
    {
        ArgumentNullException.ThrowIfNull(message);
        var payload = message.Payload.Span;
        if ((PayloadText.Prepare(ref payload) ?? PayloadText.CheckEscapes(payload, ReaderOptions)) is { } invalid)
        {
            return DecodeResult.Fail(invalid);
        }

        var readings = new DecodedReadingList();
        try
        {
            var reader = new Utf8JsonReader(payload, ReaderOptions);
            reader.Read();
            var failure = DecodeTopLevel(ref reader, deviceIdFromTopic, ref readings);
            if (failure is not null)
            {
                // Finish reading, so that a truncated or broken payload is reported as malformed JSON (the
                // root cause) rather than as whatever its readable start happened to get wrong.
                while (reader.Read())
                {
                }

                return DecodeResult.Fail(failure);
            }

            // Reading past the value makes the reader refuse trailing content ("{...} x").
            reader.Read();
            return readings.Count > 0
                ? DecodeResult.Success(readings.ToImmutableArray())
                : DecodeResult.Fail(NoMetrics());
        }
        catch (JsonException error)
        {
            return DecodeResult.Fail(DecodeFailureReason.MalformedJson, $"the payload is not valid JSON: {error.Message}");
        }
        finally
        {
            readings.Dispose();
        }
    }

    private DecodeFailure? DecodeTopLevel(ref Utf8JsonReader reader, DeviceId? topicId, ref DecodedReadingList readings)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return DecodeObject(ref reader, -1, topicId, ref readings);
            case JsonTokenType.StartArray:
                var element = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return new DecodeFailure(
                            DecodeFailureReason.NotAnObject,
                            $"element {element} of the batch is {PayloadText.Describe(ref reader)}, not an object",
                            $"[{element}]");
                    }

                    if (DecodeObject(ref reader, element, topicId, ref readings) is { } failure)
                    {
                        return failure;
                    }

                    element++;
                }

                return element == 0 ? new DecodeFailure(DecodeFailureReason.NoMetrics, "the payload is an empty array") : null;
            default:
                return new DecodeFailure(
                    DecodeFailureReason.NotAnObject,
                    $"the payload is {PayloadText.Describe(ref reader)}, not a JSON object or an array of objects");
        }
    }

    /// <summary>Reads one object (the reader is on its start) into readings; returns why not, or null.</summary>
    private DecodeFailure? DecodeObject(ref Utf8JsonReader reader, int element, DeviceId? topicId, ref DecodedReadingList readings)
    {
        var start = readings.Count;
        Span<bool> seen = stackalloc bool[_slotCount];
        Span<int> path = stackalloc int[_maxDepth + 1];
        Span<char> chars = stackalloc char[CharBufferLength];
        HashSet<string>? metricNames = null;
        DeviceId? payloadId = null;
        DateTimeOffset? time = null;
        long? sequence = null;
        var depth = 0;
        path[0] = 0;

        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                if (depth == 0)
                {
                    break;
                }

                depth--;
                continue;
            }

            // Now on a property name: find it among the mapped children of the current object.
            var child = FindChild(path[depth], ref reader);
            var nameReader = default(Utf8JsonReader);
            var maybeAutomatic = child < 0 && depth == 0 && _allNumericFields;
            if (maybeAutomatic)
            {
                nameReader = reader; // a copy keeps the name readable after moving on to the value
            }

            reader.Read();
            DecodeFailure? failure = null;
            if (child < 0)
            {
                if (maybeAutomatic && reader.TokenType == JsonTokenType.Number)
                {
                    failure = AddAutomaticMetric(ref nameReader, ref reader, element, start, chars, ref metricNames, ref readings);
                }
                else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }
            else
            {
                var node = _nodes[child];
                if (node.Slot >= 0)
                {
                    if (seen[node.Slot])
                    {
                        return new DecodeFailure(
                            DecodeFailureReason.DuplicateField, $"{Where(node.Path, element)} appears more than once", FieldName(node.Path, element));
                    }

                    seen[node.Slot] = true;
                }

                switch (node.Role)
                {
                    case FieldRole.None when reader.TokenType == JsonTokenType.StartObject:
                        path[++depth] = child;
                        break;
                    case FieldRole.None when reader.TokenType == JsonTokenType.Null:
                        break;
                    case FieldRole.None:
                        failure = new DecodeFailure(
                            DecodeFailureReason.NonNumericValue,
                            $"{Where(node.Path, element)} is {PayloadText.Describe(ref reader)}, not an object holding '{_nodes[node.Children[0]].Path}'",
                            FieldName(node.Path, element));
                        break;
                    case FieldRole.Metric:
                        failure = AddMappedMetric(node, ref reader, element, start, chars, ref metricNames, ref readings);
                        break;
                    case FieldRole.DeviceId:
                        failure = ReadDeviceId(node, ref reader, element, chars, out payloadId);
                        break;
                    case FieldRole.Time:
                        failure = ReadTime(node, ref reader, element, out time);
                        break;
                    case FieldRole.Sequence:
                        failure = ReadSequence(node, ref reader, element, out sequence);
                        break;
                    case FieldRole.Ignore:
                        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                        {
                            reader.Skip();
                        }

                        break;
                }
            }

            if (failure is not null)
            {
                return failure;
            }
        }

        if (readings.Count == start)
        {
            return null; // nothing to take from this object (e.g. a heartbeat in a batch)
        }

        DeviceId deviceId;
        if (payloadId is { } fromPayload)
        {
            if (topicId is { } fromTopic && fromTopic != fromPayload)
            {
                return new DecodeFailure(
                    DecodeFailureReason.DeviceIdMismatch,
                    $"the topic names device '{fromTopic}' but {Where(_deviceIdField!, element)} says '{fromPayload}'",
                    FieldName(_deviceIdField!, element));
            }

            deviceId = fromPayload;
        }
        else if (topicId is { } fromTopic)
        {
            deviceId = fromTopic;
        }
        else
        {
            return _deviceIdField is null
                ? new DecodeFailure(DecodeFailureReason.MissingDeviceId, "the topic gave no device id and no DeviceIdField is configured")
                : new DecodeFailure(
                    DecodeFailureReason.MissingDeviceId,
                    $"{Where(_deviceIdField, element)} is missing or null, and the topic gave no device id",
                    FieldName(_deviceIdField, element));
        }

        for (var i = start; i < readings.Count; i++)
        {
            ref var reading = ref readings[i];
            reading = reading with { DeviceId = deviceId, EventTime = time, DeviceSequence = sequence };
        }

        return null;
    }

    private int FindChild(int parent, ref Utf8JsonReader reader)
    {
        foreach (var child in _nodes[parent].Children)
        {
            // ValueTextEquals compares unescaped text, so "pm\u0032" still finds "pm2".
            if (reader.ValueTextEquals(_nodes[child].Name))
            {
                return child;
            }
        }

        return -1;
    }

    private static DecodeFailure? AddMappedMetric(
        Node node, ref Utf8JsonReader reader, int element, int start, scoped Span<char> chars, ref HashSet<string>? metricNames, ref DecodedReadingList readings)
    {
        double value;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                // Always succeeds on a number token: beyond double's range it gives ±infinity, refused below.
                reader.TryGetDouble(out value);
                break;
            case JsonTokenType.True:
                value = 1;
                break;
            case JsonTokenType.False:
                value = 0;
                break;
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String when TryParseNumericString(ref reader, chars, out value):
                break;
            default:
                return new DecodeFailure(
                    DecodeFailureReason.NonNumericValue,
                    $"{Where(node.Path, element)} is {PayloadText.Describe(ref reader)}, not a number",
                    FieldName(node.Path, element));
        }

        value *= node.Scale;
        if (!double.IsFinite(value))
        {
            return new DecodeFailure(
                DecodeFailureReason.NonFiniteValue,
                $"{Where(node.Path, element)} is {PayloadText.Excerpt(ref reader)}{(node.Scale != 1 ? $", times {node.Scale.ToString(CultureInfo.InvariantCulture)}" : string.Empty)}: not a finite number",
                FieldName(node.Path, element));
        }

        return Add(new DecodedReading(default, node.Metric!, value, node.Unit, null, null), node.Path, element, start, ref metricNames, ref readings);
    }

    private static DecodeFailure? AddAutomaticMetric(
        ref Utf8JsonReader nameReader, ref Utf8JsonReader reader, int element, int start, scoped Span<char> chars, ref HashSet<string>? metricNames, ref DecodedReadingList readings)
    {
        // Escaped text takes up to 6 bytes per character: longer than this cannot be a 64-character name.
        if (nameReader.ValueSpan.Length > Reading.MaxMetricLength * 6)
        {
            var excerpt = PayloadText.Excerpt(ref nameReader);
            return new DecodeFailure(
                DecodeFailureReason.InvalidMetric,
                $"field '{excerpt}'{Of(element)} cannot be a metric name: it is longer than {Reading.MaxMetricLength} characters",
                FieldName(excerpt, element));
        }

        var name = chars[..nameReader.CopyString(chars)];
        if (!MetricName.IsValid(name, out var problem))
        {
            var excerpt = PayloadText.Excerpt(name);
            return new DecodeFailure(
                DecodeFailureReason.InvalidMetric, $"field '{excerpt}'{Of(element)} cannot be a metric name: {problem}", FieldName(excerpt, element));
        }

        reader.TryGetDouble(out var value);
        var metric = NameCache.Get(name);
        if (!double.IsFinite(value))
        {
            return new DecodeFailure(
                DecodeFailureReason.NonFiniteValue, $"{Where(metric, element)} is {PayloadText.Excerpt(ref reader)}: not a finite number", FieldName(metric, element));
        }

        return Add(new DecodedReading(default, metric, value, null, null, null), metric, element, start, ref metricNames, ref readings);
    }

    /// <summary>Adds a reading unless its metric is already among this object's readings, or the message is full.</summary>
    private static DecodeFailure? Add(
        in DecodedReading reading, string field, int element, int start, ref HashSet<string>? metricNames, ref DecodedReadingList readings)
    {
        // Mapped metric names are unique by configuration, but with AllNumericFields a top-level field may
        // share its name with a mapped metric, and the payload may repeat a field: refuse, do not guess.
        var count = readings.Count - start;
        var duplicate = false;
        if (metricNames is null && count < LinearDuplicateScanLimit)
        {
            for (var i = start; i < readings.Count && !duplicate; i++)
            {
                duplicate = string.Equals(readings[i].Metric, reading.Metric, StringComparison.Ordinal);
            }
        }
        else
        {
            if (metricNames is null)
            {
                metricNames = new HashSet<string>(StringComparer.Ordinal);
                for (var i = start; i < readings.Count; i++)
                {
                    metricNames.Add(readings[i].Metric);
                }
            }

            duplicate = !metricNames.Add(reading.Metric);
        }

        if (duplicate)
        {
            return new DecodeFailure(
                DecodeFailureReason.DuplicateField,
                $"{Where(field, element)} gives metric '{reading.Metric}', which this object already has",
                FieldName(field, element));
        }

        return readings.TryAdd(reading)
            ? null
            : new DecodeFailure(
                DecodeFailureReason.TooManyReadings,
                $"the message holds more than {PayloadDecoders.MaxReadingsPerMessage} readings (at {Where(field, element)})");
    }

    private static bool TryParseNumericString(ref Utf8JsonReader reader, scoped Span<char> chars, out double value)
    {
        value = 0;
        if (reader.ValueSpan.Length > 64)
        {
            return false; // no number worth taking is written in more
        }

        if (!reader.ValueIsEscaped)
        {
            return double.TryParse(reader.ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }

        var length = reader.CopyString(chars);
        return double.TryParse(chars[..length], NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static DecodeFailure? ReadDeviceId(Node node, ref Utf8JsonReader reader, int element, scoped Span<char> chars, out DeviceId? deviceId)
    {
        deviceId = null;
        scoped ReadOnlySpan<char> text;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String when reader.ValueSpan.Length <= CharBufferLength:
                text = chars[..reader.CopyString(chars)];
                break;
            case JsonTokenType.Number when reader.ValueSpan.Length <= DeviceId.MaxLength:
                // A numeric id is taken as written (42 → "42"); number tokens are ASCII.
                var digits = reader.ValueSpan;
                for (var i = 0; i < digits.Length; i++)
                {
                    chars[i] = (char)digits[i];
                }

                text = chars[..digits.Length];
                break;
            case JsonTokenType.String or JsonTokenType.Number:
                return new DecodeFailure(
                    DecodeFailureReason.InvalidDeviceId,
                    $"{Where(node.Path, element)} is not a valid device id: it is longer than {DeviceId.MaxLength} characters",
                    FieldName(node.Path, element));
            default:
                return new DecodeFailure(
                    DecodeFailureReason.InvalidDeviceId,
                    $"{Where(node.Path, element)} is {PayloadText.Describe(ref reader)}, not a device id (a string or a number)",
                    FieldName(node.Path, element));
        }

        if (!DeviceIdCache.TryGet(text, out var id, out var problem))
        {
            return new DecodeFailure(
                DecodeFailureReason.InvalidDeviceId,
                $"{Where(node.Path, element)} is \"{PayloadText.Excerpt(text)}\", not a valid device id: {problem}",
                FieldName(node.Path, element));
        }

        deviceId = id;
        return null;
    }

    private static DecodeFailure? ReadTime(Node node, ref Utf8JsonReader reader, int element, out DateTimeOffset? time)
    {
        time = null;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number:
                DateTimeOffset epoch;
                var valid = reader.TryGetInt64(out var whole)
                    ? EpochTime.TryFromEpochNumber(whole, out epoch)
                    : reader.TryGetDouble(out var number) & EpochTime.TryFromEpochNumber(number, out epoch);
                if (!valid)
                {
                    return new DecodeFailure(
                        DecodeFailureReason.InvalidTime,
                        $"{Where(node.Path, element)} is {PayloadText.Describe(ref reader)}, not an epoch time (seconds, or milliseconds from 10^11, below 10^14)",
                        FieldName(node.Path, element));
                }

                time = epoch;
                return null;
            case JsonTokenType.String:
                if (!TryReadIsoTime(ref reader, out var iso, out var problem))
                {
                    return new DecodeFailure(
                        DecodeFailureReason.InvalidTime, $"{Where(node.Path, element)} is {PayloadText.Describe(ref reader)}: {problem}", FieldName(node.Path, element));
                }

                time = iso;
                return null;
            default:
                return new DecodeFailure(
                    DecodeFailureReason.InvalidTime,
                    $"{Where(node.Path, element)} is {PayloadText.Describe(ref reader)}, not a time (an epoch number or an ISO 8601 string)",
                    FieldName(node.Path, element));
        }
    }

    private static bool TryReadIsoTime(ref Utf8JsonReader reader, out DateTimeOffset time, out string? problem)
    {
        time = default;
        problem = "not an ISO 8601 time such as 2026-11-22T10:00:00Z";
        if (reader.ValueSpan.Length > 256 || !reader.TryGetDateTimeOffset(out var parsed))
        {
            return false;
        }

        // The reader takes a time without an offset as UTC; a device that writes one means its own local
        // time, which the gateway cannot know. Look for 'Z' or a sign after the date's 'T'.
        Span<byte> text = stackalloc byte[256];
        var length = reader.CopyString(text);
        var timePart = text[..length];
        var t = timePart.IndexOfAny((byte)'T', (byte)'t');
        if (t < 0 || timePart[t..].IndexOfAny("Zz+-"u8) < 0)
        {
            problem = "an ISO 8601 time without a UTC offset ('Z' or ±hh:mm), which would be ambiguous";
            return false;
        }

        time = parsed.ToUniversalTime();
        problem = null;
        return true;
    }

    private static DecodeFailure? ReadSequence(Node node, ref Utf8JsonReader reader, int element, out long? sequence)
    {
        sequence = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= 0)
        {
            sequence = value;
            return null;
        }

        return new DecodeFailure(
            DecodeFailureReason.InvalidSequence,
            $"{Where(node.Path, element)} is {PayloadText.Describe(ref reader)}, not a sequence number (a whole number of zero or more)",
            FieldName(node.Path, element));
    }

    private DecodeFailure NoMetrics() => _allNumericFields
        ? new DecodeFailure(DecodeFailureReason.NoMetrics, _mappedFieldList.Length > 0
            ? $"the payload holds no top-level number and none of the mapped fields ({_mappedFieldList})"
            : "the payload holds no top-level number")
        : new DecodeFailure(DecodeFailureReason.NoMetrics, $"none of the mapped fields ({_mappedFieldList}) holds a value");

    private static string Where(string path, int element) => $"field '{path}'{Of(element)}";

    private static string Of(int element) => element < 0 ? string.Empty : $" of batch element {element}";

    private static string FieldName(string path, int element) => element < 0 ? path : $"[{element}].{path}";

    /// <summary>What the decoder does with a field.</summary>
    private enum FieldRole
    {
        /// <summary>An object on the way to mapped fields.</summary>
        None,
        Metric,
        DeviceId,
        Time,
        Sequence,
        Ignore,
    }

    /// <summary>One segment of a mapped path; the root has no name.</summary>
    private sealed class Node(byte[] name, string path)
    {
        public byte[] Name { get; } = name;

        public string Path { get; } = path;

        public List<int> Children { get; } = [];

        public FieldRole Role { get; set; }

        /// <summary>Index in the per-object "seen" flags (duplicate detection), or -1.</summary>
        public int Slot { get; set; } = -1;

        public string? Metric { get; set; }

        public string? Unit { get; set; }

        public double Scale { get; set; } = 1;
    }
}
