using EdgeGateway.Domain;

namespace EdgeGateway.Decoding;

/// <summary>
/// Turns the payload of a raw message into readings. Implementations are thread-safe, keep no state
/// between messages and never throw on bad input: every problem becomes a <see cref="DecodeFailure"/>.
/// </summary>
public interface IPayloadDecoder
{
    /// <summary>Which format the decoder reads.</summary>
    DecoderKind Kind { get; }

    /// <summary>Decodes one message.</summary>
    /// <param name="message">The raw message; its <see cref="RawMessage.ReceivedAt"/> is "now" for relative times.</param>
    /// <param name="deviceIdFromTopic">
    /// The device id the source found in the topic (see <see cref="TopicTemplate.TryGetDeviceId"/>), or null
    /// when the subscription takes it from the payload.
    /// </param>
    /// <returns>The readings, or why there are none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null (a programming error, not bad input).</exception>
    DecodeResult Decode(RawMessage message, DeviceId? deviceIdFromTopic);
}
