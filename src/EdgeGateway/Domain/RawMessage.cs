using System.Collections.Frozen;

namespace EdgeGateway.Domain;

/// <summary>
/// Bytes as a source received them, with where and when they came from. Decoders turn it into
/// readings; if they cannot, it goes to the dead-letter store as it is, so nothing is lost.
/// </summary>
public sealed class RawMessage
{
    /// <summary>The largest payload a source may hand over (1 MiB): bigger ones are dead-lettered at the source.</summary>
    public const int MaxPayloadBytes = 1024 * 1024;

    /// <summary>Creates a raw message; every argument is checked.</summary>
    /// <param name="sourceKind">The transport it came over.</param>
    /// <param name="sourceName">The configured name of the source (e.g. <c>city-broker</c>, <c>uart0</c>).</param>
    /// <param name="channel">Where within the source: the MQTT topic, the serial device path, the GPIO line.</param>
    /// <param name="payload">The bytes; may be empty (an MQTT message can be), at most <see cref="MaxPayloadBytes"/>.</param>
    /// <param name="receivedAt">When the gateway received it.</param>
    /// <param name="attributes">Transport details worth keeping (MQTT QoS, content type, user properties...).</param>
    /// <exception cref="ArgumentException">An argument breaks one of the rules above.</exception>
    public RawMessage(
        SourceKind sourceKind,
        string sourceName,
        string channel,
        ReadOnlyMemory<byte> payload,
        DateTimeOffset receivedAt,
        IReadOnlyDictionary<string, string>? attributes = null)
    {
        if (!Enum.IsDefined(sourceKind))
        {
            throw new ArgumentOutOfRangeException(nameof(sourceKind), sourceKind, "Unknown source kind.");
        }

        if (payload.Length > MaxPayloadBytes)
        {
            throw new ArgumentException($"payload is {payload.Length} bytes; at most {MaxPayloadBytes} are accepted.", nameof(payload));
        }

        SourceKind = sourceKind;
        SourceName = DomainGuard.NotBlank(sourceName, 64);
        Channel = DomainGuard.NotBlank(channel, 1024);
        Payload = payload;
        ReceivedAt = DomainGuard.Utc(receivedAt);
        Attributes = attributes is null || attributes.Count == 0
            ? FrozenDictionary<string, string>.Empty
            : attributes.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The transport it came over.</summary>
    public SourceKind SourceKind { get; }

    /// <summary>The configured name of the source.</summary>
    public string SourceName { get; }

    /// <summary>The MQTT topic, serial device path or GPIO line.</summary>
    public string Channel { get; }

    /// <summary>The bytes as received.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>When the gateway received it, in UTC.</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>Transport details (read-only).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; }
}
