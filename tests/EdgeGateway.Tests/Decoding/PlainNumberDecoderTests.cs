using System.Text;
using EdgeGateway.Decoding;
using Xunit;
using static EdgeGateway.Tests.Decoding.DecodingTestSupport;

namespace EdgeGateway.Tests.Decoding;

public sealed class PlainNumberDecoderTests
{
    private static readonly PlainNumberDecoder Temperature = new(new PlainNumberDecoderOptions { Metric = "temperature", Unit = "Cel" });

    [Theory]
    [InlineData("21.5", 21.5)]
    [InlineData(" 21.5\r\n", 21.5)]
    [InlineData("\t-3.25 ", -3.25)]
    [InlineData("+7", 7)]
    [InlineData("1e2", 100)]
    [InlineData("-.5", -0.5)]
    [InlineData("0", 0)]
    public void A_plain_number_is_one_reading_of_the_configured_metric_for_the_topic_device(string payload, double value)
    {
        var reading = Assert.Single(Success(Temperature.Decode(payload, "ts-0007")));

        Assert.Equal(new DecodedReading(Id("ts-0007"), "temperature", value, "Cel", null, null), reading);
    }

    [Fact]
    public void The_scale_applies()
    {
        var decoder = new PlainNumberDecoder(new PlainNumberDecoderOptions { Metric = "temperature", Scale = 0.1 });

        Assert.Equal(21.5, Success(decoder.Decode("215", "ts-1"))[0].Value, 10);
        Assert.Equal(1e307, Success(decoder.Decode("1e308", "ts-1"))[0].Value, 1e293);
        Failure(new PlainNumberDecoder(new PlainNumberDecoderOptions { Metric = "m", Scale = 10 }).Decode("1e308", "ts-1"), DecodeFailureReason.NonFiniteValue);
    }

    [Theory]
    [InlineData("", DecodeFailureReason.EmptyPayload)]
    [InlineData("  \n", DecodeFailureReason.EmptyPayload)]
    [InlineData("abc", DecodeFailureReason.NonNumericValue)]
    [InlineData("21,5", DecodeFailureReason.NonNumericValue)]
    [InlineData("1 000", DecodeFailureReason.NonNumericValue)]
    [InlineData("0x1F", DecodeFailureReason.NonNumericValue)]
    [InlineData("21.5 21.6", DecodeFailureReason.NonNumericValue)]
    [InlineData("{\"v\":21.5}", DecodeFailureReason.NonNumericValue)]
    [InlineData("NaN", DecodeFailureReason.NonFiniteValue)]
    [InlineData("-Infinity", DecodeFailureReason.NonFiniteValue)]
    [InlineData("1e400", DecodeFailureReason.NonFiniteValue)]
    public void Anything_but_one_finite_number_fails(string payload, DecodeFailureReason reason)
    {
        var failure = Failure(Temperature.Decode(payload, "ts-1"), reason);

        if (reason == DecodeFailureReason.NonNumericValue)
        {
            Assert.Contains(payload.Trim(), failure.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_device_id_must_come_from_the_topic()
    {
        Failure(Temperature.Decode("21.5"), DecodeFailureReason.MissingDeviceId, detailContains: "topic");
    }

    [Fact]
    public void Large_or_non_utf8_payloads_are_refused_early()
    {
        Failure(Temperature.Decode(new string(' ', 300) + "1", "ts-1"), DecodeFailureReason.PayloadTooLarge, detailContains: "256");
        Failure(Temperature.Decode(Message([(byte)'2', 0xC3, 0x28]), Id("ts-1")), DecodeFailureReason.InvalidUtf8);
    }

    [Fact]
    public void A_byte_order_mark_is_accepted()
    {
        var payload = Encoding.UTF8.GetPreamble().Concat("21.5"u8.ToArray()).ToArray();

        Assert.Equal(21.5, Success(Temperature.Decode(Message(payload), Id("ts-1")))[0].Value);
    }
}
