using System.Text.Json;
using EdgeGateway.Domain;

namespace EdgeGateway.Decoding;

/// <summary>
/// Decodes SenML packs in their JSON form (RFC 8428): a JSON array of records whose base fields
/// (<c>bn</c>, <c>bt</c>, <c>bu</c>, <c>bv</c>, <c>bs</c>, <c>bver</c>) apply to their own record and every
/// later one until replaced.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Device id</b>: the topic's when it gives one; otherwise taken from the base name by
/// <see cref="SenMlDecoderOptions.DeviceIdFromBaseName"/>: trailing separators (<c>: / - . _</c>) are removed, then by
/// default the last segment after a <c>:</c> or <c>/</c> is kept (<c>urn:dev:ow:10e2073a01080063:</c> →
/// <c>10e2073a01080063</c>). A pack whose base name changes names several devices. Without a topic id a pack needs a
/// base name: resolved packs (full names in <c>n</c>, no <c>bn</c>) need the device in the topic.</item>
/// <item><b>Metric</b>: the record's name <c>n</c> (the part of the resolved name after the base name); for a record
/// without one, <see cref="SenMlDecoderOptions.DefaultMetric"/>, else the record's unit (RFC 8428 section 5 tells
/// <c>%RH</c>, <c>lat</c> and <c>lon</c> records apart by unit alone). Resolved names must use SenML's characters
/// (<c>A-Z a-z 0-9 - : . / _</c>, starting with a letter or digit); metrics are at most 64 characters.</item>
/// <item><b>Value</b>: <c>bv + v</c>, or <c>vb</c> as 1/0. A sum <c>s</c> (plus <c>bs</c>) is a reading of its own named
/// <c>{metric}_sum</c>. String and data values (<c>vs</c>, <c>vd</c>) cannot be readings: they are left out and counted in
/// <see cref="DecodeResult.SkippedValues"/>, and fail the message only when nothing else is left.</item>
/// <item><b>Time</b>: <c>bt + t</c> in seconds; per section 4.5.3, values below 2^28 are relative to now, which is
/// <see cref="RawMessage.ReceivedAt"/>. A record with neither <c>bt</c> nor <c>t</c> in effect has no event time (the
/// RFC's "roughly now" is what the receive time already says). <c>ut</c> is accepted and ignored.</item>
/// <item><b>Strictness</b>: a record with more than one value field, a field of the wrong type, a repeated field, a
/// version (<c>bver</c>) above 10, or an unknown label ending in <c>_</c> (must-understand, section 4.4) fails the
/// message; other unknown labels are ignored. A record with only base fields gives no reading.</item>
/// </list>
/// </remarks>
public sealed class SenMlDecoder : IPayloadDecoder
{
    /// <summary>The highest SenML version (<c>bver</c>) this decoder reads: RFC 8428's.</summary>
    public const int SupportedVersion = 10;

    /// <summary>The longest base name taken, in characters.</summary>
    public const int MaxBaseNameLength = 256;

    /// <summary>What a sum reading's metric name gets after the record's metric.</summary>
    public const string SumSuffix = "_sum";

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    private static readonly (byte[] Text, Label Label)[] Labels =
    [
        ("n"u8.ToArray(), Label.Name),
        ("v"u8.ToArray(), Label.Value),
        ("u"u8.ToArray(), Label.Unit),
        ("t"u8.ToArray(), Label.Time),
        ("bn"u8.ToArray(), Label.BaseName),
        ("bt"u8.ToArray(), Label.BaseTime),
        ("bu"u8.ToArray(), Label.BaseUnit),
        ("bv"u8.ToArray(), Label.BaseValue),
        ("bs"u8.ToArray(), Label.BaseSum),
        ("bver"u8.ToArray(), Label.BaseVersion),
        ("vs"u8.ToArray(), Label.StringValue),
        ("vb"u8.ToArray(), Label.BooleanValue),
        ("vd"u8.ToArray(), Label.DataValue),
        ("s"u8.ToArray(), Label.Sum),
        ("ut"u8.ToArray(), Label.UpdateTime),
    ];

    private readonly BaseNameDeviceIdRule _deviceIdRule;
    private readonly string? _defaultMetric;

    /// <summary>Creates the decoder.</summary>
    /// <param name="options">Its settings, or null for the defaults; checked here as at startup.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SenMlDecoder(SenMlDecoderOptions? options = null)
    {
        options ??= new SenMlDecoderOptions();
        DecoderOptionsCheck.ThrowIfInvalid(options, "SenMl");
        _deviceIdRule = options.DeviceIdFromBaseName;
        _defaultMetric = options.DefaultMetric;
    }

    /// <inheritdoc />
    public DecoderKind Kind => DecoderKind.Senml;

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
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                var what = PayloadText.Describe(ref reader);
                reader.Skip();
                reader.Read();
                return DecodeResult.Fail(DecodeFailureReason.InvalidSenml, $"a SenML pack is a JSON array of records; the payload is {what}");
            }

            var context = new RecordContext(deviceIdFromTopic, message.ReceivedAt);
            Span<char> baseName = stackalloc char[MaxBaseNameLength * 6];
            Span<char> chars = stackalloc char[Reading.MaxMetricLength * 6];
            var records = 0;
            var skipped = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var failure = reader.TokenType == JsonTokenType.StartObject
                    ? DecodeRecord(ref reader, records, ref context, baseName, chars, ref readings, ref skipped)
                    : new DecodeFailure(
                        DecodeFailureReason.InvalidSenml, $"record {records} is {PayloadText.Describe(ref reader)}, not an object", $"[{records}]");
                if (failure is not null)
                {
                    // As in the JSON decoder: a broken payload is reported as malformed, its root cause.
                    while (reader.Read())
                    {
                    }

                    return DecodeResult.Fail(failure);
                }

                records++;
            }

            reader.Read(); // refuses trailing content
            if (readings.Count > 0)
            {
                return DecodeResult.Success(readings.ToImmutableArray(), skipped);
            }

            return DecodeResult.Fail(
                DecodeFailureReason.NoMetrics,
                records == 0 ? "the SenML pack is empty"
                : skipped > 0 ? $"the SenML pack holds only string or data values (vs, vd: {skipped}), no numbers"
                : "the SenML pack's records hold no value");
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

    /// <summary>Reads one record (the reader is on its start), updates the base values and adds its readings.</summary>
    private DecodeFailure? DecodeRecord(
        ref Utf8JsonReader reader, int record, ref RecordContext context, scoped Span<char> baseName, scoped Span<char> name, ref DecodedReadingList readings, ref int skipped)
    {
        var seen = 0;
        var nameLength = 0;
        string? unit = null;
        double? value = null;
        bool? booleanValue = null;
        double? sum = null;
        double? time = null;
        var stringOrDataValues = 0;

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var label = Identify(ref reader, out var labelText);
            reader.Read();
            if (label is not (Label.Unknown or Label.MustUnderstand))
            {
                if ((seen & (1 << (int)label)) != 0)
                {
                    return Invalid(DecodeFailureReason.InvalidSenml, record, labelText, "appears more than once in the record");
                }

                seen |= 1 << (int)label;
            }

            var token = reader.TokenType;
            switch (label)
            {
                case Label.BaseName when token == JsonTokenType.String:
                    if (reader.ValueSpan.Length > baseName.Length || (context.BaseNameLength = reader.CopyString(baseName)) > MaxBaseNameLength)
                    {
                        context.BaseNameLength = 0;
                        return Invalid(DecodeFailureReason.InvalidSenml, record, labelText, $"is longer than {MaxBaseNameLength} characters");
                    }

                    if (FirstNonNameCharacter(baseName[..context.BaseNameLength]) is { } bad)
                    {
                        return Invalid(DecodeFailureReason.InvalidSenml, record, labelText, BadCharacter(baseName[..context.BaseNameLength], bad));
                    }

                    context.BaseDeviceResolved = false;
                    break;
                case Label.BaseTime when token == JsonTokenType.Number && reader.TryGetDouble(out var baseTime) && double.IsFinite(baseTime):
                    context.BaseTime = baseTime;
                    context.HasBaseTime = true;
                    break;
                case Label.BaseUnit when token == JsonTokenType.String:
                    if (ReadUnit(ref reader, name[nameLength..], record, labelText, out var baseUnit) is { } badBaseUnit)
                    {
                        return badBaseUnit;
                    }

                    context.BaseUnit = baseUnit;
                    break;
                case Label.BaseValue when token == JsonTokenType.Number:
                    reader.TryGetDouble(out context.BaseValue);
                    break;
                case Label.BaseSum when token == JsonTokenType.Number:
                    reader.TryGetDouble(out context.BaseSum);
                    break;
                case Label.BaseVersion when token == JsonTokenType.Number:
                    if (!reader.TryGetInt64(out var version) || version is < 1 or > SupportedVersion)
                    {
                        return Invalid(
                            DecodeFailureReason.InvalidSenml, record, labelText,
                            $"is {PayloadText.Excerpt(ref reader)}: this decoder reads SenML versions 1 to {SupportedVersion}");
                    }

                    break;
                case Label.Name when token == JsonTokenType.String:
                    if (reader.ValueSpan.Length > name.Length || (nameLength = reader.CopyString(name)) > Reading.MaxMetricLength)
                    {
                        return Invalid(
                            DecodeFailureReason.InvalidMetric, record, labelText, $"is longer than {Reading.MaxMetricLength} characters, too long for a metric name");
                    }

                    if (FirstNonNameCharacter(name[..nameLength]) is { } badInName)
                    {
                        return Invalid(DecodeFailureReason.InvalidSenml, record, labelText, BadCharacter(name[..nameLength], badInName));
                    }

                    break;
                case Label.Unit when token == JsonTokenType.String:
                    // The rest of the name buffer is scratch space for units, so a name read earlier is kept.
                    if (ReadUnit(ref reader, name[nameLength..], record, labelText, out unit) is { } badUnit)
                    {
                        return badUnit;
                    }

                    break;
                case Label.Value when token == JsonTokenType.Number:
                    reader.TryGetDouble(out var v);
                    value = v;
                    break;
                case Label.BooleanValue when token is JsonTokenType.True or JsonTokenType.False:
                    booleanValue = token == JsonTokenType.True;
                    break;
                case Label.StringValue or Label.DataValue when token == JsonTokenType.String:
                    stringOrDataValues++;
                    break;
                case Label.Sum when token == JsonTokenType.Number:
                    reader.TryGetDouble(out var s);
                    sum = s;
                    break;
                case Label.Time when token == JsonTokenType.Number && reader.TryGetDouble(out var t) && double.IsFinite(t):
                    time = t;
                    break;
                case Label.UpdateTime when token == JsonTokenType.Number:
                    break;
                case Label.MustUnderstand:
                    return Invalid(
                        DecodeFailureReason.InvalidSenml, record, labelText,
                        "ends with '_', so it must be understood (RFC 8428 section 4.4), and this decoder does not know it");
                case Label.Unknown:
                    // RFC 8428 section 4.4: labels without a trailing '_' that are not understood are ignored.
                    if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        reader.Skip();
                    }

                    break;
                default:
                    return WrongType(ref reader, record, label, labelText);
            }
        }

        var valueFields = (value.HasValue ? 1 : 0) + (booleanValue.HasValue ? 1 : 0) + stringOrDataValues;
        if (valueFields > 1)
        {
            return new DecodeFailure(
                DecodeFailureReason.InvalidSenml, $"record {record} has more than one value field (v, vs, vb, vd); a record holds one", $"[{record}]");
        }

        if (valueFields == 0 && sum is null)
        {
            // A record of base fields only sets up the records after it. One with a name but no value is a mistake.
            return nameLength == 0
                ? null
                : new DecodeFailure(
                    DecodeFailureReason.InvalidSenml,
                    $"record {record} ('{name[..nameLength]}') has no value (v, vs, vb, vd) and no sum (s)",
                    $"[{record}]");
        }

        skipped += stringOrDataValues;
        if (value is null && booleanValue is null && sum is null)
        {
            return null;
        }

        // The resolved name is bn + n: it must start with a letter or a digit (RFC 8428 section 4.5.1).
        var first = context.BaseNameLength > 0 ? baseName[0] : nameLength > 0 ? name[0] : 'a';
        if (!char.IsAsciiLetterOrDigit(first))
        {
            return new DecodeFailure(
                DecodeFailureReason.InvalidSenml,
                $"record {record}: the resolved name (bn + n) '{PayloadText.Excerpt(baseName[..context.BaseNameLength])}{PayloadText.Excerpt(name[..nameLength])}' must start with a letter or a digit",
                $"[{record}].{(context.BaseNameLength > 0 ? "bn" : "n")}");
        }

        unit ??= context.BaseUnit;
        string metric;
        if (nameLength > 0)
        {
            metric = NameCache.Get(name[..nameLength]);
        }
        else if ((_defaultMetric ?? unit) is { } fallback)
        {
            if (!MetricName.IsValid(fallback, out var problem))
            {
                return new DecodeFailure(
                    DecodeFailureReason.InvalidMetric, $"record {record} has no name, and its unit '{fallback}' cannot be a metric name: {problem}", $"[{record}].u");
            }

            metric = fallback;
        }
        else
        {
            return new DecodeFailure(
                DecodeFailureReason.InvalidSenml,
                $"record {record} has no name (n) and no unit to name it by; set DefaultMetric for single-value devices",
                $"[{record}].n");
        }

        if (DeviceFor(record, ref context, baseName, out var failure) is not { } deviceId)
        {
            return failure;
        }

        DateTimeOffset? eventTime = null;
        if (context.HasBaseTime || time.HasValue)
        {
            var resolved = context.BaseTime + (time ?? 0);
            if (!EpochTime.TryFromSenMl(resolved, context.Now, out var at))
            {
                return new DecodeFailure(
                    DecodeFailureReason.InvalidTime,
                    $"record {record}: the time bt + t = {resolved} s is outside the range of dates",
                    $"[{record}].{(time.HasValue ? "t" : "bt")}");
            }

            eventTime = at;
        }

        if (value.HasValue || booleanValue.HasValue)
        {
            var resolvedValue = value is not null ? context.BaseValue + value.Value : booleanValue == true ? 1 : 0;
            if (!double.IsFinite(resolvedValue))
            {
                return new DecodeFailure(
                    DecodeFailureReason.NonFiniteValue, $"record {record}: the value bv + v is {resolvedValue}, not a finite number", $"[{record}].v");
            }

            if (!readings.TryAdd(new DecodedReading(deviceId, metric, resolvedValue, unit, eventTime, null)))
            {
                return TooMany(record);
            }
        }

        if (sum is { } rawSum)
        {
            var resolvedSum = context.BaseSum + rawSum;
            if (!double.IsFinite(resolvedSum))
            {
                return new DecodeFailure(
                    DecodeFailureReason.NonFiniteValue, $"record {record}: the sum bs + s is {resolvedSum}, not a finite number", $"[{record}].s");
            }

            Span<char> sumName = stackalloc char[Reading.MaxMetricLength + SumSuffix.Length];
            metric.AsSpan().CopyTo(sumName);
            SumSuffix.AsSpan().CopyTo(sumName[metric.Length..]);
            var sumMetric = sumName[..(metric.Length + SumSuffix.Length)];
            if (sumMetric.Length > Reading.MaxMetricLength)
            {
                return new DecodeFailure(
                    DecodeFailureReason.InvalidMetric,
                    $"record {record}: the sum's metric name '{sumMetric}' is longer than {Reading.MaxMetricLength} characters",
                    $"[{record}].n");
            }

            if (!readings.TryAdd(new DecodedReading(deviceId, NameCache.Get(sumMetric), resolvedSum, unit, eventTime, null)))
            {
                return TooMany(record);
            }
        }

        return null;
    }

    /// <summary>The device of the current record: the topic's, or the one the base name gives (worked out once per base name).</summary>
    private DeviceId? DeviceFor(int record, ref RecordContext context, ReadOnlySpan<char> baseName, out DecodeFailure? failure)
    {
        failure = null;
        if (context.TopicDeviceId is { } fromTopic)
        {
            return fromTopic;
        }

        if (context.BaseNameLength == 0)
        {
            failure = new DecodeFailure(
                DecodeFailureReason.MissingDeviceId, $"record {record}: there is no base name (bn) to take the device id from, and the topic gave none", $"[{record}].bn");
            return null;
        }

        if (!context.BaseDeviceResolved)
        {
            var name = baseName[..context.BaseNameLength];
            var part = DeviceIdPart(name, _deviceIdRule);
            context.BaseDevice = DeviceIdCache.TryGet(part, out var id, out var problem) ? id : null;
            context.BaseDeviceProblem = context.BaseDevice is null
                ? $"the base name (bn) '{PayloadText.Excerpt(name)}' gives device id '{PayloadText.Excerpt(part)}', which is not valid: {problem}"
                : null;
            context.BaseDeviceResolved = true;
        }

        if (context.BaseDevice is null)
        {
            failure = new DecodeFailure(DecodeFailureReason.InvalidDeviceId, $"record {record}: {context.BaseDeviceProblem}", $"[{record}].bn");
        }

        return context.BaseDevice;
    }

    /// <summary>The part of a base name that is the device id (see <see cref="BaseNameDeviceIdRule"/>).</summary>
    internal static ReadOnlySpan<char> DeviceIdPart(ReadOnlySpan<char> baseName, BaseNameDeviceIdRule rule)
    {
        var trimmed = baseName.TrimEnd(":/-._");
        return rule == BaseNameDeviceIdRule.LastSegment ? trimmed[(trimmed.LastIndexOfAny(':', '/') + 1)..] : trimmed;
    }

    private static Label Identify(ref Utf8JsonReader reader, out string text)
    {
        foreach (var (labelText, label) in Labels)
        {
            if (reader.ValueTextEquals(labelText))
            {
                text = LabelNames[(int)label];
                return label;
            }
        }

        // Unknown labels are rare: their text is only needed for a message, or to see a trailing '_'.
        var name = reader.ValueSpan.Length <= 256 ? reader.GetString() ?? string.Empty : "(a very long label)";
        text = PayloadText.Excerpt(name);
        return name.EndsWith('_') ? Label.MustUnderstand : Label.Unknown;
    }

    private static DecodeFailure? ReadUnit(ref Utf8JsonReader reader, scoped Span<char> buffer, int record, string labelText, out string? unit)
    {
        unit = null;
        if (reader.ValueSpan.Length > buffer.Length)
        {
            return Invalid(DecodeFailureReason.InvalidUnit, record, labelText, $"is not a valid unit: it is longer than {UnitName.MaxLength} characters");
        }

        var text = buffer[..reader.CopyString(buffer)];
        if (!UnitName.IsValid(text, out var problem))
        {
            return Invalid(DecodeFailureReason.InvalidUnit, record, labelText, $"\"{PayloadText.Excerpt(text)}\" {problem}");
        }

        unit = NameCache.Get(text);
        return null;
    }

    private static DecodeFailure WrongType(ref Utf8JsonReader reader, int record, Label label, string labelText)
    {
        var (reason, expected) = label switch
        {
            Label.BaseTime or Label.Time => (DecodeFailureReason.InvalidTime, "a finite number of seconds"),
            Label.Value or Label.BaseValue or Label.Sum or Label.BaseSum => (DecodeFailureReason.NonNumericValue, "a number"),
            Label.BooleanValue => (DecodeFailureReason.InvalidSenml, "true or false"),
            Label.BaseVersion or Label.UpdateTime => (DecodeFailureReason.InvalidSenml, "a number"),
            _ => (DecodeFailureReason.InvalidSenml, "a string"),
        };
        return Invalid(reason, record, labelText, $"is {PayloadText.Describe(ref reader)}, not {expected}");
    }

    private static DecodeFailure Invalid(DecodeFailureReason reason, int record, string label, string problem) =>
        new(reason, $"record {record}: '{label}' {problem}", $"[{record}].{label}");

    private static DecodeFailure TooMany(int record) => new(
        DecodeFailureReason.TooManyReadings, $"the pack holds more than {PayloadDecoders.MaxReadingsPerMessage} readings (at record {record})");

    /// <summary>The first character SenML names may not hold (RFC 8428 section 4.5.1: A-Z a-z 0-9 - : . / _), or null.</summary>
    private static char? FirstNonNameCharacter(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or ':' or '.' or '/' or '_'))
            {
                return c;
            }
        }

        return null;
    }

    private static string BadCharacter(ReadOnlySpan<char> text, char bad) =>
        $"\"{PayloadText.Excerpt(text)}\" holds '{(char.IsControl(bad) ? '?' : bad)}', which SenML names may not (A-Z a-z 0-9 - : . / _)";

    private static readonly string[] LabelNames =
        ["n", "v", "u", "t", "bn", "bt", "bu", "bv", "bs", "bver", "vs", "vb", "vd", "s", "ut", "?", "?"];

    /// <summary>The labels of RFC 8428 section 4.1 (plus the two outcomes for others); the values index <see cref="LabelNames"/>.</summary>
    private enum Label
    {
        Name,
        Value,
        Unit,
        Time,
        BaseName,
        BaseTime,
        BaseUnit,
        BaseValue,
        BaseSum,
        BaseVersion,
        StringValue,
        BooleanValue,
        DataValue,
        Sum,
        UpdateTime,
        Unknown,
        MustUnderstand,
    }

    /// <summary>What carries over from record to record: the base values, and where the device id comes from.</summary>
    private struct RecordContext(DeviceId? topicDeviceId, DateTimeOffset now)
    {
        public readonly DeviceId? TopicDeviceId = topicDeviceId;
        public readonly DateTimeOffset Now = now;
        public int BaseNameLength;
        public bool BaseDeviceResolved;
        public DeviceId? BaseDevice;
        public string? BaseDeviceProblem;
        public double BaseTime;
        public bool HasBaseTime;
        public string? BaseUnit;
        public double BaseValue;
        public double BaseSum;
    }
}
