using System.ComponentModel.DataAnnotations;

namespace EdgeGateway.Decoding;

/// <summary>
/// Settings of the JSON decoder (<c>Decoder:Json</c>): where the device id, time and sequence are, and
/// which fields are metrics. Fields are dotted paths into nested objects (<c>pm.pm25</c>); a field name
/// that itself holds a dot cannot be addressed.
/// </summary>
/// <example>
/// For <c>{"id":"aq-0042","ts":1732270000543,"seq":42,"pm":{"pm25":6.7,"pm10":50.7},"temp":215}</c>:
/// <code>
/// "Json": {
///   "DeviceIdField": "id", "TimeField": "ts", "SequenceField": "seq",
///   "Metrics": [
///     { "Field": "pm.pm25", "Metric": "pm2_5", "Unit": "ug/m3" },
///     { "Field": "pm.pm10", "Metric": "pm10", "Unit": "ug/m3" },
///     { "Field": "temp", "Metric": "temperature", "Unit": "Cel", "Scale": 0.1 }
///   ]
/// }
/// </code>
/// </example>
public sealed class JsonDecoderOptions : IValidatableObject
{
    /// <summary>The most metric mappings one decoder takes.</summary>
    public const int MaxMappings = 256;

    /// <summary>The deepest a field path may reach (segments separated by dots).</summary>
    public const int MaxPathDepth = 8;

    /// <summary>
    /// The field holding the device id (a string, or a number taken as written). Leave it out when the topic
    /// names the device; when both do, they must agree.
    /// </summary>
    [MaxLength(256)]
    public string? DeviceIdField { get; set; }

    /// <summary>
    /// The field holding the device's time of measurement: epoch seconds or milliseconds (told apart by
    /// magnitude, see <see cref="JsonPayloadDecoder"/>), or an ISO 8601 string with a UTC offset. Leave it
    /// out when devices send no time.
    /// </summary>
    [MaxLength(256)]
    public string? TimeField { get; set; }

    /// <summary>The field holding the device's message counter (a whole number of zero or more), if it sends one.</summary>
    [MaxLength(256)]
    public string? SequenceField { get; set; }

    /// <summary>The fields to take as metrics.</summary>
    public IList<JsonMetricMapping> Metrics { get; } = [];

    /// <summary>
    /// Also take every top-level field holding a JSON number that is not otherwise mapped or ignored,
    /// named as written and without a unit (booleans and strings are only taken when mapped).
    /// </summary>
    public bool AllNumericFields { get; set; }

    /// <summary>Top-level fields <see cref="AllNumericFields"/> leaves alone (e.g. <c>rssi</c>, <c>uptime</c>).</summary>
    public IList<string> IgnoreFields { get; } = [];

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Metrics.Count == 0 && !AllNumericFields)
        {
            yield return new ValidationResult("list at least one metric mapping, or set AllNumericFields: true", [nameof(Metrics)]);
        }

        if (Metrics.Count > MaxMappings)
        {
            yield return new ValidationResult($"has {Metrics.Count} mappings; at most {MaxMappings} are allowed", [nameof(Metrics)]);
        }

        if (IgnoreFields.Count > 0 && !AllNumericFields)
        {
            yield return new ValidationResult("only applies with AllNumericFields: true", [nameof(IgnoreFields)]);
        }

        // Every field path is claimed by exactly one role; a path that is a prefix of another would have to
        // be a value and an object at once.
        var claimed = new List<(string Path, string Key)>();
        foreach (var result in Claim(DeviceIdField, nameof(DeviceIdField)))
        {
            yield return result;
        }

        foreach (var result in Claim(TimeField, nameof(TimeField)))
        {
            yield return result;
        }

        foreach (var result in Claim(SequenceField, nameof(SequenceField)))
        {
            yield return result;
        }

        var metrics = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Metrics.Count; i++)
        {
            var mapping = Metrics[i];
            if (mapping is null)
            {
                yield return new ValidationResult("is empty", [$"{nameof(Metrics)}:{i}"]);
                continue;
            }

            var fieldProblems = Claim(mapping.Field, $"{nameof(Metrics)}:{i}:{nameof(JsonMetricMapping.Field)}").ToList();
            foreach (var result in fieldProblems)
            {
                yield return result;
            }

            if (fieldProblems.Count == 0 && !metrics.TryAdd(mapping.EffectiveMetric, i))
            {
                yield return new ValidationResult(
                    $"metric '{mapping.EffectiveMetric}' is already produced by Metrics:{metrics[mapping.EffectiveMetric]}",
                    [$"{nameof(Metrics)}:{i}"]);
            }
        }

        for (var i = 0; i < IgnoreFields.Count; i++)
        {
            var field = IgnoreFields[i];
            if (string.IsNullOrWhiteSpace(field) || field.Contains('.', StringComparison.Ordinal))
            {
                yield return new ValidationResult($"'{field}' must be a top-level field name (no dots)", [$"{nameof(IgnoreFields)}:{i}"]);
            }
            else
            {
                foreach (var result in Claim(field, $"{nameof(IgnoreFields)}:{i}"))
                {
                    yield return result;
                }
            }
        }

        IEnumerable<ValidationResult> Claim(string? path, string key)
        {
            if (path is null)
            {
                yield break;
            }

            if (!FieldPath.IsValid(path, out var problem))
            {
                yield return new ValidationResult($"'{path}' {problem}", [key]);
                yield break;
            }

            foreach (var (other, otherKey) in claimed)
            {
                if (other == path)
                {
                    yield return new ValidationResult($"'{path}' is already used by {otherKey}", [key]);
                    yield break;
                }

                if (FieldPath.IsPrefix(other, path) || FieldPath.IsPrefix(path, other))
                {
                    yield return new ValidationResult(
                        $"'{path}' and '{other}' ({otherKey}) overlap: one field cannot be a value and an object holding another", [key]);
                    yield break;
                }
            }

            claimed.Add((path, key));
        }
    }
}

/// <summary>One JSON field taken as a metric.</summary>
public sealed class JsonMetricMapping : IValidatableObject
{
    /// <summary>The field, as a dotted path into nested objects (e.g. <c>pm25</c>, <c>pm.pm25</c>).</summary>
    [Required]
    [MaxLength(256)]
    public string Field { get; set; } = string.Empty;

    /// <summary>The metric name the readings get; by default the field path as written.</summary>
    public string? Metric { get; set; }

    /// <summary>The unit of the value (after <see cref="Scale"/>), e.g. <c>ug/m3</c>; none by default.</summary>
    public string? Unit { get; set; }

    /// <summary>
    /// A factor applied to the value, for devices that send scaled integers (e.g. <c>0.1</c> for tenths of a
    /// degree). Calibration belongs to the device context, not here. None (1) by default.
    /// </summary>
    public double? Scale { get; set; }

    /// <summary>The metric name the readings get: <see cref="Metric"/>, or <see cref="Field"/> when it is not set.</summary>
    public string EffectiveMetric => string.IsNullOrEmpty(Metric) ? Field : Metric;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!MetricName.IsValid(EffectiveMetric, out var problem))
        {
            yield return string.IsNullOrEmpty(Metric)
                ? new ValidationResult($"'{Field}' cannot be a metric name ({problem}); set Metric to name the readings", [nameof(Field)])
                : new ValidationResult($"'{Metric}' is not a valid metric name: {problem}", [nameof(Metric)]);
        }

        if (Unit is not null && !UnitName.IsValid(Unit, out problem))
        {
            yield return new ValidationResult($"'{Unit}' {problem}", [nameof(Unit)]);
        }

        if (Scale is { } scale && (!double.IsFinite(scale) || scale == 0))
        {
            yield return new ValidationResult($"{scale} must be a finite number other than 0", [nameof(Scale)]);
        }
    }
}
