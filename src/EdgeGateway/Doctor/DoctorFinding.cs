namespace EdgeGateway.Doctor;

/// <summary>How bad a doctor finding is.</summary>
public enum DoctorSeverity
{
    /// <summary>The check passed.</summary>
    Ok,

    /// <summary>The gateway runs, but not as an operator probably wants (e.g. the embedded, non-durable Kafka).</summary>
    Warning,

    /// <summary>The gateway cannot work like this; <see cref="DoctorFinding.Fix"/> says what to do.</summary>
    Failure,
}

/// <summary>The outcome of one doctor check.</summary>
/// <param name="Severity">Passed, warning or failure.</param>
/// <param name="Check">The short name of what was checked, e.g. <c>kafka</c>.</param>
/// <param name="Detail">What was found, in one line.</param>
/// <param name="Fix">What to do about it, for warnings and failures.</param>
public sealed record DoctorFinding(DoctorSeverity Severity, string Check, string Detail, string? Fix = null)
{
    /// <summary>A passed check.</summary>
    public static DoctorFinding Ok(string check, string detail) => new(DoctorSeverity.Ok, check, detail);

    /// <summary>A warning with what to do about it.</summary>
    public static DoctorFinding Warning(string check, string detail, string fix) => new(DoctorSeverity.Warning, check, detail, fix);

    /// <summary>A failure with what to do about it.</summary>
    public static DoctorFinding Failure(string check, string detail, string fix) => new(DoctorSeverity.Failure, check, detail, fix);
}
