using System.Text;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using Xunit;

namespace EdgeGateway.Tests.Decoding;

internal static class DecodingTestSupport
{
    public static readonly DateTimeOffset ReceivedAt = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    public static RawMessage Message(string payload, string topic = "city/north/aq/aq-0042") =>
        Message(Encoding.UTF8.GetBytes(payload), topic);

    public static RawMessage Message(byte[] payload, string topic = "city/north/aq/aq-0042") =>
        new(SourceKind.Mqtt, "city-broker", topic, payload, ReceivedAt);

    public static DeviceId Id(string value) => new(value);

    public static DecodeResult Decode(this IPayloadDecoder decoder, string payload, string? topicDeviceId = null) =>
        decoder.Decode(Message(payload), topicDeviceId is null ? null : new DeviceId(topicDeviceId));

    public static IReadOnlyList<DecodedReading> Success(DecodeResult result)
    {
        Assert.True(result.IsSuccess, $"expected readings, got {result}");
        Assert.NotEmpty(result.Readings);
        return result.Readings;
    }

    /// <summary>Asserts a failure with the reason, a detail naming the field, and (when given) the field itself.</summary>
    public static DecodeFailure Failure(DecodeResult result, DecodeFailureReason reason, string? field = null, string? detailContains = null)
    {
        Assert.False(result.IsSuccess, $"expected {reason}, got {result}");
        Assert.Empty(result.Readings);
        Assert.Equal(reason, result.Failure.Reason);
        Assert.False(string.IsNullOrWhiteSpace(result.Failure.Detail));
        if (field is not null)
        {
            Assert.Equal(field, result.Failure.Field);
            var leaf = field[(field.LastIndexOf('.') + 1)..].TrimStart('[').TrimEnd(']');
            Assert.Contains(leaf, result.Failure.Detail, StringComparison.Ordinal);
        }

        if (detailContains is not null)
        {
            Assert.Contains(detailContains, result.Failure.Detail, StringComparison.Ordinal);
        }

        return result.Failure;
    }

    public static DecodedReading Single(IReadOnlyList<DecodedReading> readings, string metric) =>
        Assert.Single(readings, r => r.Metric == metric);
}
