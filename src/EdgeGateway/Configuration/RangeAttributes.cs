using System.ComponentModel.DataAnnotations;

namespace EdgeGateway.Configuration;

/// <summary>A <see cref="TimeSpan"/> option must lie within [min, max], both written as durations (e.g. <c>1ms</c>, <c>1h</c>).</summary>
/// <param name="min">The smallest allowed duration.</param>
/// <param name="max">The largest allowed duration.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DurationRangeAttribute(string min, string max) : ValidationAttribute
{
    /// <summary>The smallest allowed duration.</summary>
    public TimeSpan Min { get; } = Parse(min);

    /// <summary>The largest allowed duration.</summary>
    public TimeSpan Max { get; } = Parse(max);

    /// <inheritdoc />
    public override bool IsValid(object? value) => value is not TimeSpan duration || (duration >= Min && duration <= Max);

    /// <inheritdoc />
    public override string FormatErrorMessage(string name) =>
        $"must be between {DurationConverter.Format(Min)} and {DurationConverter.Format(Max)}";

    private static TimeSpan Parse(string text) =>
        DurationConverter.TryParse(text, out var duration) ? duration : throw new ArgumentException($"Bad duration '{text}'.", nameof(text));
}

/// <summary>A <see cref="ByteSize"/> option must lie within [min, max], both written as sizes (e.g. <c>1MiB</c>).</summary>
/// <param name="min">The smallest allowed size.</param>
/// <param name="max">The largest allowed size.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SizeRangeAttribute(string min, string max) : ValidationAttribute
{
    /// <summary>The smallest allowed size.</summary>
    public ByteSize Min { get; } = ByteSize.Parse(min);

    /// <summary>The largest allowed size.</summary>
    public ByteSize Max { get; } = ByteSize.Parse(max);

    /// <inheritdoc />
    public override bool IsValid(object? value) => value is not ByteSize size || (size >= Min && size <= Max);

    /// <inheritdoc />
    public override string FormatErrorMessage(string name) => $"must be between {Min} and {Max}";
}
