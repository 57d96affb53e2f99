using System.Text.Json.Serialization;

namespace EdgeGateway.Context;

/// <summary>
/// A device's context as JSON: the devices file, the registry's storage, MCP tools and the batches
/// sent to the cloud all use this one shape (camelCase). Validation happens when it becomes a
/// <see cref="Domain.DeviceContext"/> (see <see cref="DeviceDocumentMapper"/>).
/// </summary>
public sealed record DeviceDocument
{
    /// <summary>The device id.</summary>
    public string? Id { get; init; }

    /// <summary>The revision (set by the registry; ignored in the devices file).</summary>
    public long? Revision { get; init; }

    /// <summary>What kind of device (e.g. <c>air-quality</c>).</summary>
    public string? Type { get; init; }

    /// <summary>Hardware model.</summary>
    public string? Model { get; init; }

    /// <summary>Firmware version.</summary>
    public string? Firmware { get; init; }

    /// <summary>Where it is installed.</summary>
    public LocationDocument? Location { get; init; }

    /// <summary>Who is responsible for it.</summary>
    public string? Owner { get; init; }

    /// <summary>Free labels.</summary>
    public Dictionary<string, string>? Tags { get; init; }

    /// <summary>Per-metric context, keyed by metric name.</summary>
    public Dictionary<string, MetricDocument>? Metrics { get; init; }

    /// <summary>Fields that are personal data.</summary>
    public List<string>? PersonalData { get; init; }

    /// <summary>True when the gateway registered the device itself.</summary>
    public bool? Provisional { get; init; }

    /// <summary>When this revision was made (set by the registry).</summary>
    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>Where a device is installed.</summary>
public sealed record LocationDocument
{
    /// <summary>WGS84 latitude.</summary>
    public double? Lat { get; init; }

    /// <summary>WGS84 longitude.</summary>
    public double? Lon { get; init; }

    /// <summary>Site (cabinet, building).</summary>
    public string? Site { get; init; }

    /// <summary>District.</summary>
    public string? District { get; init; }

    /// <summary>Street address.</summary>
    public string? Address { get; init; }
}

/// <summary>What the context says about one metric.</summary>
public sealed record MetricDocument
{
    /// <summary>Unit after calibration.</summary>
    public string? Unit { get; init; }

    /// <summary>Linear calibration.</summary>
    public CalibrationDocument? Calibration { get; init; }

    /// <summary>Valid range (outside it a reading is flagged, never dropped).</summary>
    public RangeDocument? ValidRange { get; init; }

    /// <summary>Expected reporting interval, as a duration (<c>60s</c>, <c>5m</c>).</summary>
    public string? SamplingInterval { get; init; }
}

/// <summary><c>calibrated = raw × scale + offset</c>.</summary>
public sealed record CalibrationDocument
{
    /// <summary>Factor (default 1).</summary>
    public double? Scale { get; init; }

    /// <summary>Offset (default 0).</summary>
    public double? Offset { get; init; }
}

/// <summary>An inclusive range; either bound may be absent.</summary>
public sealed record RangeDocument
{
    /// <summary>Lowest valid value.</summary>
    public double? Min { get; init; }

    /// <summary>Highest valid value.</summary>
    public double? Max { get; init; }
}

/// <summary>The devices file: <c>{ "devices": [ ... ] }</c>.</summary>
public sealed record DevicesFileDocument
{
    /// <summary>The devices.</summary>
    public List<DeviceDocument>? Devices { get; init; }
}

/// <summary>Source-generated JSON for the context documents (camelCase, case-insensitive on read).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(DeviceDocument))]
[JsonSerializable(typeof(DevicesFileDocument))]
[JsonSerializable(typeof(List<DeviceDocument>))]
public sealed partial class ContextJsonContext : JsonSerializerContext;
