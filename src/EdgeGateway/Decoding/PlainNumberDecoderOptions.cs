using System.ComponentModel.DataAnnotations;

namespace EdgeGateway.Decoding;

/// <summary>
/// Settings of the plain number decoder (<c>Decoder:Number</c>): which metric the number is. The device id
/// always comes from the topic.
/// </summary>
public sealed class PlainNumberDecoderOptions : IValidatableObject
{
    /// <summary>The metric name the reading gets (e.g. <c>temperature</c>).</summary>
    [Required]
    public string Metric { get; set; } = string.Empty;

    /// <summary>The unit of the value (after <see cref="Scale"/>), e.g. <c>Cel</c>; none by default.</summary>
    public string? Unit { get; set; }

    /// <summary>A factor applied to the value (e.g. <c>0.1</c> for tenths); none (1) by default.</summary>
    public double? Scale { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!MetricName.IsValid(Metric, out var problem))
        {
            yield return new ValidationResult($"'{Metric}' is not a valid metric name: {problem}", [nameof(Metric)]);
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
