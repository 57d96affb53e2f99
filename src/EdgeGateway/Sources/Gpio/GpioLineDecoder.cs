using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;

namespace EdgeGateway.Sources.Gpio;

/// <summary>
/// Turns what the GPIO source observed on one line into readings. The source writes it as a small
/// JSON payload, so a dead letter (an unknown device, a full buffer) shows exactly what was seen:
/// <c>{"line":"loop-n","pulses":12,"windowMs":60000,"at":"…"}</c> for a counter's window (→ the rate,
/// <c>pulses × Scale × Per / window</c>, and the pulse count when <c>CountMetric</c> is set), and
/// <c>{"line":"door","level":1,"at":"…"}</c> for a contact's settled state.
/// </summary>
public sealed class GpioLineDecoder : IPayloadDecoder
{
    private readonly GpioLineOptions _line;
    private readonly DeviceId _deviceId;

    /// <summary>Creates the decoder of one configured line.</summary>
    public GpioLineDecoder(GpioLineOptions line)
    {
        ArgumentNullException.ThrowIfNull(line);
        _line = line;
        _deviceId = new DeviceId(line.DeviceId);
    }

    /// <inheritdoc />
    public DecoderKind Kind => DecoderKind.Gpio;

    /// <summary>The payload of a counter's window of <paramref name="window"/> that ended <paramref name="at"/>.</summary>
    public static byte[] CounterPayload(string line, int pulses, TimeSpan window, DateTimeOffset at) =>
        Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"line\":{JsonSerializer.Serialize(line)},\"pulses\":{pulses},\"windowMs\":{window.TotalMilliseconds},\"at\":\"{at.UtcDateTime:O}\"}}"));

    /// <summary>The payload of a contact's settled <paramref name="level"/> since <paramref name="at"/>.</summary>
    public static byte[] ContactPayload(string line, bool level, DateTimeOffset at) =>
        Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{{\"line\":{JsonSerializer.Serialize(line)},\"level\":{(level ? 1 : 0)},\"at\":\"{at.UtcDateTime:O}\"}}"));

    /// <inheritdoc />
    public DecodeResult Decode(RawMessage message, DeviceId? deviceIdFromTopic)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            using var document = JsonDocument.Parse(message.Payload);
            var root = document.RootElement;
            var at = root.GetProperty("at").GetDateTimeOffset().ToUniversalTime();
            if (_line.Kind == GpioLineKind.Contact)
            {
                var level = root.GetProperty("level").GetInt32();
                return DecodeResult.Success([new DecodedReading(_deviceId, _line.Metric, level, _line.Unit, at, null)]);
            }

            var pulses = root.GetProperty("pulses").GetInt32();
            var window = TimeSpan.FromMilliseconds(root.GetProperty("windowMs").GetDouble());
            if (pulses < 0 || window <= TimeSpan.Zero)
            {
                return DecodeResult.Fail(DecodeFailureReason.MalformedFrame, $"{pulses} pulses in {window}: not a count over a window");
            }

            var rate = new DecodedReading(_deviceId, _line.Metric, PulseCounter.Rate(pulses, window, _line.Scale, _line.Per), _line.Unit, at, null);
            return _line.CountMetric is { } countMetric
                ? DecodeResult.Success([rate, new DecodedReading(_deviceId, countMetric, pulses, null, at, null)])
                : DecodeResult.Success([rate]);
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return DecodeResult.Fail(DecodeFailureReason.MalformedFrame, $"not a GPIO observation: {error.Message}");
        }
    }
}
