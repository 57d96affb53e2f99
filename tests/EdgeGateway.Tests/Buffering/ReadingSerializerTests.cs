using System.Text;
using EdgeGateway.Buffering;
using EdgeGateway.Domain;
using Xunit;

namespace EdgeGateway.Tests.Buffering;

public sealed class ReadingSerializerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void A_reading_survives_the_round_trip_with_every_field()
    {
        var reading = new Reading(new DeviceId("aq-1"), "pm2_5", 12.345678901234, "ug/m3", Now.AddSeconds(-1), Now, 42,
            ReadingQuality.OutOfRange | ReadingQuality.ClockSkew, 7);

        var copy = ReadingSerializer.Deserialize(ReadingSerializer.Serialize(reading));

        Assert.Equal((reading.DeviceId, reading.Metric, reading.Value, reading.Unit, reading.EventTime, reading.ReceivedAt, reading.Sequence, reading.Quality, reading.ContextRevision),
            (copy.DeviceId, copy.Metric, copy.Value, copy.Unit, copy.EventTime, copy.ReceivedAt, copy.Sequence, copy.Quality, copy.ContextRevision));
    }

    [Fact]
    public void Optional_fields_stay_absent()
    {
        var reading = new Reading(new DeviceId("gpio-3"), "count", 1, null, null, Now, 0);

        var bytes = ReadingSerializer.Serialize(reading);
        var copy = ReadingSerializer.Deserialize(bytes);

        Assert.Equal("""{"d":"gpio-3","m":"count","v":1,"r":1795341600123,"s":0}""", Encoding.UTF8.GetString(bytes));
        Assert.Null(copy.Unit);
        Assert.Null(copy.EventTime);
        Assert.Null(copy.ContextRevision);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("""{"d":"a","m":"t","v":1,"r":1}""")]
    [InlineData("""{"d":"bad id","m":"t","v":1,"r":1,"s":0}""")]
    [InlineData("""{"d":"a","m":"t","v":"x","r":1,"s":0}""")]
    public void A_corrupt_row_is_a_format_error(string payload) =>
        Assert.Throws<FormatException>(() => ReadingSerializer.Deserialize(Encoding.UTF8.GetBytes(payload)));
}
