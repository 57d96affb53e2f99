using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;

namespace EdgeGateway.Context;

/// <summary>Section <c>Context</c>: the device registry and how readings are joined to it.</summary>
public sealed class ContextOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Context";

    /// <summary>The registry's SQLite file (current records and every past revision).</summary>
    [Required]
    public string RegistryPath { get; set; } = "/var/lib/edge-gateway/registry.db";

    /// <summary>A devices file (JSON) applied at start: new devices added, changed ones revised. Optional.</summary>
    public string? DevicesFile { get; set; }

    /// <summary>What happens to readings of a device the registry does not know.</summary>
    public UnknownDevicePolicy UnknownDevices { get; set; } = UnknownDevicePolicy.Register;

    /// <summary>A device clock further than this from the gateway's flags its readings with clock-skew.</summary>
    [DurationRange("1s", "7d")]
    public TimeSpan ClockSkewTolerance { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>What to do with readings of a device the registry does not know.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum UnknownDevicePolicy
{
    /// <summary>Register it with a minimal, provisional record and keep its readings (flagged unknown-device).</summary>
    Register,

    /// <summary>Keep its readings without any context (flagged unknown-device).</summary>
    Accept,

    /// <summary>Dead-letter its readings.</summary>
    Reject,
}
