using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;

namespace EdgeGateway.Decoding;

/// <summary>Settings of the SenML decoder (<c>Decoder:SenMl</c>); the defaults suit RFC 8428 devices.</summary>
public sealed class SenMlDecoderOptions : IValidatableObject
{
    /// <summary>
    /// How the device id is taken from the base name (<c>bn</c>) when the topic does not give one. Either way,
    /// trailing separators (<c>: / - . _</c>) are removed first.
    /// </summary>
    public BaseNameDeviceIdRule DeviceIdFromBaseName { get; set; } = BaseNameDeviceIdRule.LastSegment;

    /// <summary>
    /// The metric name of records that have no name of their own (no <c>n</c>), e.g. a single-value sensor
    /// named by its base name alone. When not set, such records are named after their unit, as in the
    /// RFC 8428 example where <c>%RH</c>, <c>lat</c> and <c>lon</c> records are told apart by unit only.
    /// </summary>
    public string? DefaultMetric { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultMetric is not null && !MetricName.IsValid(DefaultMetric, out var problem))
        {
            yield return new ValidationResult($"'{DefaultMetric}' is not a valid metric name: {problem}", [nameof(DefaultMetric)]);
        }
    }
}

/// <summary>How a SenML base name becomes a device id.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum BaseNameDeviceIdRule
{
    /// <summary>
    /// The last segment after a <c>:</c> or <c>/</c>: <c>urn:dev:ow:10e2073a01080063:</c> gives
    /// <c>10e2073a01080063</c>, <c>city/aq/aq-0042/</c> gives <c>aq-0042</c>.
    /// </summary>
    LastSegment,

    /// <summary>
    /// The whole base name: <c>urn:dev:ow:10e2073a01080063:</c> gives <c>urn:dev:ow:10e2073a01080063</c>
    /// (a base name with a <c>/</c> then gives no valid device id).
    /// </summary>
    Whole,
}
