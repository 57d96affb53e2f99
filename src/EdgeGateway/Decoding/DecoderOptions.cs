using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;

namespace EdgeGateway.Decoding;

/// <summary>
/// How one subscription's payloads are decoded (bound from <c>Sources:Mqtt:Subscriptions:N:Decoder</c>):
/// the format, and the settings of that format in the section named after it.
/// </summary>
/// <example>
/// <code>
/// "Decoder": { "Kind": "json", "Json": { "DeviceIdField": "id", "TimeField": "ts", "Metrics": [ { "Field": "pm25", "Unit": "ug/m3" } ] } }
/// "Decoder": { "Kind": "senml" }
/// "Decoder": { "Kind": "number", "Number": { "Metric": "temperature", "Unit": "Cel" } }
/// </code>
/// </example>
public sealed class DecoderOptions : IValidatableObject
{
    /// <summary>The payload format.</summary>
    public DecoderKind Kind { get; set; } = DecoderKind.Json;

    /// <summary>Settings for <c>Kind: json</c> (required with it).</summary>
    public JsonDecoderOptions? Json { get; set; }

    /// <summary>Settings for <c>Kind: senml</c> (optional; the defaults suit RFC 8428 devices).</summary>
    public SenMlDecoderOptions? SenMl { get; set; }

    /// <summary>Settings for <c>Kind: number</c> (required with it).</summary>
    public PlainNumberDecoderOptions? Number { get; set; }

    /// <summary>
    /// Whether payloads name their device, so a subscription may do without a <c>{deviceId}</c> in its
    /// topic template: JSON with a <see cref="JsonDecoderOptions.DeviceIdField"/>, and SenML (its base name).
    /// </summary>
    public bool ReadsDeviceIdFromPayload => Kind switch
    {
        DecoderKind.Json => !string.IsNullOrEmpty(Json?.DeviceIdField),
        DecoderKind.Senml => true,
        _ => false,
    };

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Kind))
        {
            yield return new ValidationResult($"'{Kind}' is not one of: {string.Join(", ", KebabCaseEnumConverter.Names(typeof(DecoderKind)))}", [nameof(Kind)]);
            yield break;
        }

        var kind = KebabCaseEnumConverter.ToKebabCase(Kind.ToString());
        if (Kind is not (DecoderKind.Json or DecoderKind.Senml or DecoderKind.Number))
        {
            // The hardware formats are chosen by a serial port's Protocol or a GPIO line's Mode, not here.
            yield return new ValidationResult($"'{kind}' is not one of: json, senml, number", [nameof(Kind)]);
            yield break;
        }

        if (Kind == DecoderKind.Json && Json is null)
        {
            yield return new ValidationResult("is required with Kind: json (at least the Metrics to take, or AllNumericFields: true)", [nameof(Json)]);
        }

        if (Kind == DecoderKind.Number && Number is null)
        {
            yield return new ValidationResult("is required with Kind: number (at least the Metric the number is)", [nameof(Number)]);
        }

        // A section for another kind is a sign of a wrong Kind or a copy-paste slip: say so rather than ignore it.
        if (Kind != DecoderKind.Json && Json is not null)
        {
            yield return new ValidationResult($"only applies with Kind: json (Kind is {kind})", [nameof(Json)]);
        }

        if (Kind != DecoderKind.Senml && SenMl is not null)
        {
            yield return new ValidationResult($"only applies with Kind: senml (Kind is {kind})", [nameof(SenMl)]);
        }

        if (Kind != DecoderKind.Number && Number is not null)
        {
            yield return new ValidationResult($"only applies with Kind: number (Kind is {kind})", [nameof(Number)]);
        }
    }
}

/// <summary>The payload formats the gateway decodes.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum DecoderKind
{
    /// <summary>JSON objects (or arrays of them) read through a field mapping: <see cref="JsonPayloadDecoder"/>.</summary>
    Json,

    /// <summary>SenML packs, RFC 8428, JSON form: <see cref="SenMlDecoder"/>. (Spelled <c>senml</c> in configuration.)</summary>
    Senml,

    /// <summary>A single plain number: <see cref="PlainNumberDecoder"/>.</summary>
    Number,

    /// <summary>Plantower PMS5003 frames from a serial port (<c>Serial:Ports</c> only).</summary>
    Pms5003,

    /// <summary>Nova SDS011 frames from a serial port (<c>Serial:Ports</c> only).</summary>
    Sds011,

    /// <summary>NMEA 0183 sentences (GGA, RMC) from a serial port (<c>Serial:Ports</c> only).</summary>
    Nmea,

    /// <summary>CSV lines with a column mapping from a serial port (<c>Serial:Ports</c> only).</summary>
    Csv,

    /// <summary>Modbus RTU register reads (<c>Serial:Ports</c> only).</summary>
    Modbus,

    /// <summary>Readings made from GPIO edges (<c>Gpio:Lines</c> only).</summary>
    Gpio,
}
