using EdgeGateway.Configuration;
using EdgeGateway.Domain;

namespace EdgeGateway.Context;

/// <summary>Turns <see cref="DeviceDocument"/>s into validated <see cref="DeviceContext"/>s and back.</summary>
public static class DeviceDocumentMapper
{
    /// <summary>
    /// Builds the domain record; every problem is reported with the field it concerns.
    /// </summary>
    /// <exception cref="DeviceDocumentException">The document is invalid; the message names the field.</exception>
    public static DeviceContext ToContext(DeviceDocument document, long revision, DateTimeOffset updatedAt)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (!DeviceId.IsValid(document.Id, out var idProblem))
        {
            throw new DeviceDocumentException(document.Id, "id", idProblem);
        }

        var id = new DeviceId(document.Id);
        if (string.IsNullOrWhiteSpace(document.Type))
        {
            throw new DeviceDocumentException(document.Id, "type", "is required");
        }

        GeoLocation? location = null;
        if (document.Location is { } place)
        {
            if (place.Lat is not { } lat || place.Lon is not { } lon)
            {
                throw new DeviceDocumentException(document.Id, "location", "needs lat and lon");
            }

            location = Field(document.Id, "location", () => new GeoLocation(lat, lon, place.Site, place.District, place.Address));
        }

        var metrics = new Dictionary<string, MetricContext>(StringComparer.Ordinal);
        foreach (var (name, metric) in document.Metrics ?? [])
        {
            var path = $"metrics.{name}";
            if (string.IsNullOrWhiteSpace(name) || name.Length > Reading.MaxMetricLength || name.Any(char.IsWhiteSpace))
            {
                throw new DeviceDocumentException(document.Id, path, "is not a valid metric name");
            }

            TimeSpan? interval = null;
            if (metric.SamplingInterval is { } text)
            {
                interval = DurationConverter.TryParse(text, out var parsed)
                    ? parsed
                    : throw new DeviceDocumentException(document.Id, $"{path}.samplingInterval", $"'{text}' is not {DurationConverter.Expected}");
            }

            var calibration = metric.Calibration is { } c
                ? Field(document.Id, $"{path}.calibration", () => new Calibration(c.Scale ?? 1, c.Offset ?? 0))
                : null;
            var range = metric.ValidRange is { } r
                ? Field(document.Id, $"{path}.validRange", () => new ValidRange(r.Min, r.Max))
                : null;
            metrics[name] = Field(document.Id, path, () => new MetricContext(metric.Unit, calibration, range, interval));
        }

        return Field(document.Id, "record", () => new DeviceContext(
            id,
            revision,
            document.Type,
            document.Model,
            document.Firmware,
            location,
            document.Owner,
            document.Tags,
            metrics,
            document.PersonalData,
            document.Provisional ?? false,
            updatedAt));
    }

    /// <summary>The document for a domain record (revision and time included).</summary>
    public static DeviceDocument ToDocument(DeviceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new DeviceDocument
        {
            Id = context.DeviceId.Value,
            Revision = context.Revision,
            Type = context.DeviceType,
            Model = context.Model,
            Firmware = context.Firmware,
            Location = context.Location is { } l
                ? new LocationDocument { Lat = l.Latitude, Lon = l.Longitude, Site = l.Site, District = l.District, Address = l.Address }
                : null,
            Owner = context.Owner,
            Tags = context.Tags.Count == 0 ? null : new Dictionary<string, string>(context.Tags, StringComparer.Ordinal),
            Metrics = context.Metrics.Count == 0
                ? null
                : context.Metrics.ToDictionary(
                    m => m.Key,
                    m => new MetricDocument
                    {
                        Unit = m.Value.Unit,
                        Calibration = m.Value.Calibration is { } c ? new CalibrationDocument { Scale = c.Scale, Offset = c.Offset } : null,
                        ValidRange = m.Value.ValidRange is { } r ? new RangeDocument { Min = r.Min, Max = r.Max } : null,
                        SamplingInterval = m.Value.SamplingInterval is { } i ? DurationConverter.Format(i) : null,
                    },
                    StringComparer.Ordinal),
            PersonalData = context.PersonalDataFields.Count == 0 ? null : [.. context.PersonalDataFields.Order(StringComparer.Ordinal)],
            Provisional = context.IsProvisional ? true : null,
            UpdatedAt = context.UpdatedAt,
        };
    }

    /// <summary>True when two documents describe the same context (revision and time ignored).</summary>
    public static bool SameContent(DeviceContext left, DeviceContext right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var a = System.Text.Json.JsonSerializer.Serialize(ToDocument(left) with { Revision = null, UpdatedAt = null }, ContextJsonContext.Default.DeviceDocument);
        var b = System.Text.Json.JsonSerializer.Serialize(ToDocument(right) with { Revision = null, UpdatedAt = null }, ContextJsonContext.Default.DeviceDocument);
        return string.Equals(a, b, StringComparison.Ordinal);
    }

    private static T Field<T>(string? deviceId, string field, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (ArgumentException error)
        {
            throw new DeviceDocumentException(deviceId, field, FirstSentence(error.Message));
        }
    }

    private static string FirstSentence(string message)
    {
        // ArgumentException appends " (Parameter 'x')" and the actual value on new lines; keep the sentence.
        var end = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        var text = end >= 0 ? message[..end] : message;
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return (newline >= 0 ? text[..newline] : text).Trim();
    }
}

/// <summary>A device document is invalid; <see cref="Exception.Message"/> names the device and the field.</summary>
public sealed class DeviceDocumentException : Exception
{
    /// <summary>Creates the exception for one field.</summary>
    public DeviceDocumentException(string? deviceId, string field, string problem)
        : base($"device '{deviceId ?? "(no id)"}': {field}: {problem}")
    {
        DeviceId = deviceId;
        Field = field;
        Problem = problem;
    }

    /// <summary>Creates the exception.</summary>
    public DeviceDocumentException()
        : base("The device document is invalid.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public DeviceDocumentException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public DeviceDocumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The device concerned, if its id was readable.</summary>
    public string? DeviceId { get; }

    /// <summary>The field (e.g. <c>location</c>, <c>metrics.pm2_5.validRange</c>).</summary>
    public string? Field { get; }

    /// <summary>What is wrong.</summary>
    public string? Problem { get; }
}
