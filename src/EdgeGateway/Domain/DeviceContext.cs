using System.Collections.Frozen;

namespace EdgeGateway.Domain;

/// <summary>
/// Everything the gateway knows about a device, attached to its readings on the way to the cloud.
/// Every change produces a new record with a higher <see cref="Revision"/>, so downstream can tell
/// which context applied to which reading.
/// </summary>
public sealed class DeviceContext
{
    /// <summary>Creates a context record; every argument is checked.</summary>
    /// <param name="deviceId">The device it describes.</param>
    /// <param name="revision">The revision, 1 for the first record, increasing on every change.</param>
    /// <param name="deviceType">What kind of device it is (e.g. <c>air-quality</c>, <c>parking</c>).</param>
    /// <param name="model">The hardware model, if known.</param>
    /// <param name="firmware">The firmware version, if known.</param>
    /// <param name="location">Where it is installed, if known.</param>
    /// <param name="owner">The team or organisation responsible for it, if known.</param>
    /// <param name="tags">Free key/value labels.</param>
    /// <param name="metrics">Per-metric unit, calibration, valid range and sampling interval, keyed by metric name.</param>
    /// <param name="personalDataFields">Names of fields that are personal data and must be handled as such downstream.</param>
    /// <param name="isProvisional">True when the gateway registered the device itself because it was unknown.</param>
    /// <param name="updatedAt">When this revision was made.</param>
    /// <exception cref="ArgumentException">An argument breaks one of the rules above.</exception>
    public DeviceContext(
        DeviceId deviceId,
        long revision,
        string deviceType,
        string? model,
        string? firmware,
        GeoLocation? location,
        string? owner,
        IReadOnlyDictionary<string, string>? tags,
        IReadOnlyDictionary<string, MetricContext>? metrics,
        IReadOnlyCollection<string>? personalDataFields,
        bool isProvisional,
        DateTimeOffset updatedAt)
    {
        DeviceId = DomainGuard.Set(deviceId);
        Revision = revision >= 1 ? revision : throw new ArgumentOutOfRangeException(nameof(revision), revision, "revision starts at 1.");
        DeviceType = DomainGuard.NotBlank(deviceType, 64);
        Model = DomainGuard.OptionalText(model, 128);
        Firmware = DomainGuard.OptionalText(firmware, 64);
        Location = location;
        Owner = DomainGuard.OptionalText(owner, 128);
        Tags = Freeze(tags, nameof(tags));
        Metrics = metrics is null || metrics.Count == 0
            ? FrozenDictionary<string, MetricContext>.Empty
            : metrics.ToFrozenDictionary(StringComparer.Ordinal);
        foreach (var name in Metrics.Keys)
        {
            DomainGuard.NotBlank(name, Reading.MaxMetricLength, nameof(metrics));
        }

        PersonalDataFields = personalDataFields is null || personalDataFields.Count == 0
            ? FrozenSet<string>.Empty
            : personalDataFields.Select(f => DomainGuard.NotBlank(f, 64, nameof(personalDataFields))).ToFrozenSet(StringComparer.Ordinal);
        IsProvisional = isProvisional;
        UpdatedAt = DomainGuard.Utc(updatedAt);
    }

    /// <summary>The device it describes.</summary>
    public DeviceId DeviceId { get; }

    /// <summary>The revision, increasing on every change.</summary>
    public long Revision { get; }

    /// <summary>What kind of device it is.</summary>
    public string DeviceType { get; }

    /// <summary>The hardware model, or null.</summary>
    public string? Model { get; }

    /// <summary>The firmware version, or null.</summary>
    public string? Firmware { get; }

    /// <summary>Where it is installed, or null.</summary>
    public GeoLocation? Location { get; }

    /// <summary>Who is responsible for it, or null.</summary>
    public string? Owner { get; }

    /// <summary>Free key/value labels.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; }

    /// <summary>Per-metric context, keyed by metric name.</summary>
    public IReadOnlyDictionary<string, MetricContext> Metrics { get; }

    /// <summary>Fields that are personal data.</summary>
    public IReadOnlySet<string> PersonalDataFields { get; }

    /// <summary>True when registered by the gateway for an unknown device.</summary>
    public bool IsProvisional { get; }

    /// <summary>When this revision was made (UTC).</summary>
    public DateTimeOffset UpdatedAt { get; }

    /// <summary>A minimal, provisional context for a device the registry did not know.</summary>
    public static DeviceContext Provisional(DeviceId deviceId, DateTimeOffset now) =>
        new(deviceId, 1, "unknown", null, null, null, null, null, null, null, isProvisional: true, now);

    private static FrozenDictionary<string, string> Freeze(IReadOnlyDictionary<string, string>? values, string name)
    {
        if (values is null || values.Count == 0)
        {
            return FrozenDictionary<string, string>.Empty;
        }

        foreach (var (key, value) in values)
        {
            DomainGuard.NotBlank(key, 64, name);
            ArgumentNullException.ThrowIfNull(value, name);
        }

        return values.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

/// <summary>Where a device is installed.</summary>
public sealed record GeoLocation
{
    /// <summary>Creates a location; latitude and longitude are checked.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Latitude outside -90..90 or longitude outside -180..180.</exception>
    public GeoLocation(double latitude, double longitude, string? site = null, string? district = null, string? address = null)
    {
        Latitude = latitude is >= -90 and <= 90 ? latitude : throw new ArgumentOutOfRangeException(nameof(latitude), latitude, "latitude must be within -90..90.");
        Longitude = longitude is >= -180 and <= 180 ? longitude : throw new ArgumentOutOfRangeException(nameof(longitude), longitude, "longitude must be within -180..180.");
        Site = DomainGuard.OptionalText(site, 128);
        District = DomainGuard.OptionalText(district, 128);
        Address = DomainGuard.OptionalText(address, 256);
    }

    /// <summary>WGS84 latitude in degrees.</summary>
    public double Latitude { get; }

    /// <summary>WGS84 longitude in degrees.</summary>
    public double Longitude { get; }

    /// <summary>The site name (e.g. a cabinet or building), or null.</summary>
    public string? Site { get; }

    /// <summary>The city district, or null.</summary>
    public string? District { get; }

    /// <summary>The street address, or null.</summary>
    public string? Address { get; }
}

/// <summary>What the context says about one metric of a device.</summary>
public sealed record MetricContext
{
    /// <summary>Creates a metric context; the pieces are checked.</summary>
    /// <exception cref="ArgumentException">A blank unit or a non-positive sampling interval.</exception>
    public MetricContext(string? unit, Calibration? calibration = null, ValidRange? validRange = null, TimeSpan? samplingInterval = null)
    {
        Unit = DomainGuard.OptionalText(unit, 32);
        Calibration = calibration;
        ValidRange = validRange;
        SamplingInterval = samplingInterval is null || samplingInterval > TimeSpan.Zero
            ? samplingInterval
            : throw new ArgumentOutOfRangeException(nameof(samplingInterval), samplingInterval, "samplingInterval must be positive.");
    }

    /// <summary>The unit readings of this metric are expressed in after calibration, or null.</summary>
    public string? Unit { get; }

    /// <summary>The calibration applied at ingest, or null for none.</summary>
    public Calibration? Calibration { get; }

    /// <summary>The range outside which a reading is flagged, or null for no check.</summary>
    public ValidRange? ValidRange { get; }

    /// <summary>How often the device is expected to report, or null.</summary>
    public TimeSpan? SamplingInterval { get; }
}

/// <summary>A linear calibration: <c>calibrated = raw × Scale + Offset</c>.</summary>
public sealed record Calibration
{
    /// <summary>Creates a calibration.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A non-finite value or a zero scale.</exception>
    public Calibration(double scale, double offset)
    {
        Scale = DomainGuard.Finite(scale) != 0 ? scale : throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must not be zero.");
        Offset = DomainGuard.Finite(offset);
    }

    /// <summary>The factor.</summary>
    public double Scale { get; }

    /// <summary>The offset, added after scaling.</summary>
    public double Offset { get; }

    /// <summary>Applies the calibration to a raw value.</summary>
    public double Apply(double raw) => (raw * Scale) + Offset;
}

/// <summary>The inclusive range a metric's calibrated value is expected to stay within.</summary>
public sealed record ValidRange
{
    /// <summary>Creates a range; at least one bound, and min ≤ max.</summary>
    /// <exception cref="ArgumentException">No bound, a non-finite bound, or min above max.</exception>
    public ValidRange(double? min, double? max)
    {
        if (min is null && max is null)
        {
            throw new ArgumentException("A valid range needs a min, a max or both.", nameof(min));
        }

        Min = min is { } low ? DomainGuard.Finite(low, nameof(min)) : null;
        Max = max is { } high ? DomainGuard.Finite(high, nameof(max)) : null;
        if (Min > Max)
        {
            throw new ArgumentException($"min ({Min}) must not be above max ({Max}).", nameof(min));
        }
    }

    /// <summary>The lowest valid value, or null for no lower bound.</summary>
    public double? Min { get; }

    /// <summary>The highest valid value, or null for no upper bound.</summary>
    public double? Max { get; }

    /// <summary>True when <paramref name="value"/> lies within the range.</summary>
    public bool Contains(double value) => (Min is null || value >= Min) && (Max is null || value <= Max);
}
