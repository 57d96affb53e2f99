using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;

namespace EdgeGateway.Context;

/// <summary>Section <c>Context</c>: the device registry and how readings are joined to it.</summary>
public sealed class ContextOptions : IValidatableObject
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

    /// <summary>
    /// Checks the devices file with the rest of the configuration, so a bad one is reported under
    /// <c>Context:DevicesFile</c> (exit code 2) by <c>config validate</c> and before anything starts.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(DevicesFile))
        {
            return [];
        }

        IReadOnlyList<string> problems;
        try
        {
            global::EdgeGateway.Context.DevicesFile.Load(DevicesFile);
            problems = [];
        }
        catch (DevicesFileException error)
        {
            problems = error.Problems.Count > 0 ? error.Problems : [error.Message];
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            problems = [$"cannot be read: {error.Message}"];
        }

        return problems.Select(problem => new ValidationResult($"{DevicesFile}: {problem}", [nameof(DevicesFile)]));
    }
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
