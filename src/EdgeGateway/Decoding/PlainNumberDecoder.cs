using System.Globalization;
using System.Text;
using EdgeGateway.Configuration;
using EdgeGateway.Domain;

namespace EdgeGateway.Decoding;

/// <summary>
/// Decodes a payload that is one plain number, such as <c>21.5</c> (what many simple sensors and Tasmota-
/// or Home-Assistant-style firmwares publish per topic): invariant culture, optional sign, decimal point
/// and exponent, whitespace around it allowed; no thousands separators, no hex. The metric and unit come
/// from the options, the device id from the topic; there is no event time or sequence.
/// </summary>
public sealed class PlainNumberDecoder : IPayloadDecoder
{
    /// <summary>The longest payload taken: a number with generous whitespace, not a document.</summary>
    public const int MaxPayloadBytes = 256;

    private readonly string _metric;
    private readonly string? _unit;
    private readonly double _scale;

    /// <summary>Creates the decoder.</summary>
    /// <param name="options">Its settings; checked here as at startup.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public PlainNumberDecoder(PlainNumberDecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DecoderOptionsCheck.ThrowIfInvalid(options, "Number");
        _metric = options.Metric;
        _unit = options.Unit;
        _scale = options.Scale ?? 1;
    }

    /// <inheritdoc />
    public DecoderKind Kind => DecoderKind.Number;

    /// <inheritdoc />
    public DecodeResult Decode(RawMessage message, DeviceId? deviceIdFromTopic)
    {
        ArgumentNullException.ThrowIfNull(message);
        var payload = message.Payload.Span;
        if (payload.Length > MaxPayloadBytes)
        {
            return DecodeResult.Fail(DecodeFailureReason.PayloadTooLarge, $"the payload is {payload.Length} bytes; a plain number is at most {MaxPayloadBytes}");
        }

        if (PayloadText.Prepare(ref payload) is { } failure)
        {
            return DecodeResult.Fail(failure);
        }

        if (deviceIdFromTopic is not { } deviceId)
        {
            return DecodeResult.Fail(DecodeFailureReason.MissingDeviceId, "a plain number names no device, and the topic gave no device id");
        }

        // Float = leading/trailing whitespace, sign, decimal point, exponent. It also accepts "NaN" and
        // "Infinity", which the finiteness check below turns away with the right reason.
        if (!double.TryParse(payload, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return DecodeResult.Fail(
                DecodeFailureReason.NonNumericValue,
                $"the payload \"{PayloadText.Excerpt(Encoding.UTF8.GetString(payload).Trim())}\" is not a number");
        }

        value *= _scale;
        if (!double.IsFinite(value))
        {
            return DecodeResult.Fail(DecodeFailureReason.NonFiniteValue, $"the payload is {value} (after scaling), not a finite number");
        }

        return DecodeResult.Success([new DecodedReading(deviceId, _metric, value, _unit, null, null)]);
    }
}

/// <summary>Decoders check their options as the configuration does, so a decoder built in code is as safe.</summary>
internal static class DecoderOptionsCheck
{
    public static void ThrowIfInvalid(object options, string path)
    {
        var problems = OptionsValidator.Validate(options, path);
        if (problems.Count > 0)
        {
            throw new ArgumentException(
                $"Invalid decoder options: {string.Join("; ", problems.Select(p => $"{p.Key}: {p.Problem}"))}", nameof(options));
        }
    }
}
