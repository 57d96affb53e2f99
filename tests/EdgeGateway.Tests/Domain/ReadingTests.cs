using EdgeGateway.Domain;
using Xunit;

namespace EdgeGateway.Tests.Domain;

public sealed class ReadingTests
{
    private static readonly DeviceId Device = new("aq-0042");
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Keeps_what_it_was_given_with_times_in_utc()
    {
        var local = new DateTimeOffset(2026, 11, 22, 11, 0, 0, TimeSpan.FromHours(1));
        var reading = new Reading(Device, "pm2_5", 12.5, "ug/m3", local, Now, 7, ReadingQuality.ClockSkew);

        Assert.Equal(Device, reading.DeviceId);
        Assert.Equal("pm2_5", reading.Metric);
        Assert.Equal(12.5, reading.Value);
        Assert.Equal(TimeSpan.Zero, reading.EventTime!.Value.Offset);
        Assert.Equal(Now, reading.EventTime);
        Assert.Equal(7, reading.Sequence);
        Assert.Equal(ReadingQuality.ClockSkew, reading.Quality);
        Assert.Null(reading.ContextRevision);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Rejects_values_that_are_not_finite(double value) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Reading(Device, "pm2_5", value, null, null, Now, 0));

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("pm 2.5")]
    public void Rejects_blank_metrics_or_metrics_with_whitespace(string metric) =>
        Assert.ThrowsAny<ArgumentException>(() => new Reading(Device, metric, 1, null, null, Now, 0));

    [Fact]
    public void Rejects_a_negative_sequence_an_unset_device_or_receive_time_and_a_zero_revision()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Reading(Device, "t", 1, null, null, Now, -1));
        Assert.Throws<ArgumentException>(() => new Reading(default, "t", 1, null, null, Now, 0));
        Assert.Throws<ArgumentException>(() => new Reading(Device, "t", 1, null, null, default, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Reading(Device, "t", 1, null, null, Now, 0, contextRevision: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Reading(Device, "t", 1, null, null, Now, 0, (ReadingQuality)1024));
    }

    [Fact]
    public void Applying_context_keeps_identity_and_adds_flags()
    {
        var raw = new Reading(Device, "temperature", 20, "C", null, Now, 3, ReadingQuality.ClockSkew);

        var enriched = raw.WithContext(21.5, "degC", ReadingQuality.OutOfRange, contextRevision: 4);

        Assert.Equal((raw.DeviceId, raw.Metric, raw.Sequence, raw.ReceivedAt), (enriched.DeviceId, enriched.Metric, enriched.Sequence, enriched.ReceivedAt));
        Assert.Equal(21.5, enriched.Value);
        Assert.Equal("degC", enriched.Unit);
        Assert.Equal(ReadingQuality.ClockSkew | ReadingQuality.OutOfRange, enriched.Quality);
        Assert.Equal(4, enriched.ContextRevision);
        Assert.Equal(20, raw.Value);
    }
}
