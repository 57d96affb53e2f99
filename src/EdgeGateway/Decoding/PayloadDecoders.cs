namespace EdgeGateway.Decoding;

/// <summary>Creates the decoder a subscription's <see cref="DecoderOptions"/> describe.</summary>
public static class PayloadDecoders
{
    /// <summary>
    /// The most readings one message may give. A 1 MiB payload could otherwise expand into tens of
    /// thousands of readings at once; a device that batches more should send more messages.
    /// </summary>
    public const int MaxReadingsPerMessage = 10_000;

    /// <summary>Creates a decoder.</summary>
    /// <param name="options">The decoder settings (validated at startup; checked again here).</param>
    /// <returns>The decoder, thread-safe and reusable for every message of the subscription.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static IPayloadDecoder Create(DecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DecoderOptionsCheck.ThrowIfInvalid(options, "Decoder");
        return options.Kind switch
        {
            DecoderKind.Json => new JsonPayloadDecoder(options.Json!),
            DecoderKind.Senml => new SenMlDecoder(options.SenMl),
            DecoderKind.Number => new PlainNumberDecoder(options.Number!),
            _ => throw new ArgumentException($"Unknown decoder kind '{options.Kind}'.", nameof(options)),
        };
    }
}
