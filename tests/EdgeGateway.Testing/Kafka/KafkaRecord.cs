using System.Text;

namespace EdgeGateway.Testing.Kafka;

/// <summary>One Kafka header: a name and raw bytes (Kafka allows repeated names).</summary>
/// <param name="Key">The header name.</param>
/// <param name="Value">The header value; null for a header without a value.</param>
public sealed record KafkaHeader(string Key, byte[]? Value)
{
    /// <summary>The value decoded as UTF-8.</summary>
    public string? ValueString => Value is null ? null : Encoding.UTF8.GetString(Value);
}

/// <summary>A record as stored in a topic: where it is, what it holds and when it was written.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The offset in the partition.</param>
/// <param name="Key">The key bytes (null for a record without a key).</param>
/// <param name="Value">The value bytes (null for a tombstone).</param>
/// <param name="Headers">The headers, in order.</param>
/// <param name="Timestamp">The record's timestamp (producer create time by default).</param>
public sealed record KafkaRecord(
    string Topic,
    int Partition,
    long Offset,
    byte[]? Key,
    byte[]? Value,
    IReadOnlyList<KafkaHeader> Headers,
    DateTimeOffset Timestamp)
{
    /// <summary>The key decoded as UTF-8.</summary>
    public string? KeyString => Key is null ? null : Encoding.UTF8.GetString(Key);

    /// <summary>The value decoded as UTF-8.</summary>
    public string? ValueString => Value is null ? null : Encoding.UTF8.GetString(Value);

    /// <summary>The last header named <paramref name="name"/> decoded as UTF-8, or null when absent.</summary>
    public string? Header(string name) => Headers.LastOrDefault(h => h.Key == name)?.ValueString;

    /// <summary>A one-line description for failure messages, e.g. <c>t[0]@3 key=a value=b</c>.</summary>
    public override string ToString()
    {
        var value = ValueString;
        if (value is { Length: > 200 })
        {
            value = string.Concat(value.AsSpan(0, 200), "...");
        }

        var headers = Headers.Count == 0 ? string.Empty : " headers=" + string.Join(',', Headers.Select(h => $"{h.Key}={h.ValueString}"));
        return $"{Topic}[{Partition}]@{Offset} key={KeyString ?? "(null)"} value={value ?? "(null)"}{headers}";
    }
}
