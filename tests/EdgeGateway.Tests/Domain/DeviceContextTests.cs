using EdgeGateway.Domain;
using Xunit;

namespace EdgeGateway.Tests.Domain;

public sealed class DeviceContextTests
{
    private static readonly DeviceId Device = new("aq-0042");
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Holds_the_full_context_record_immutably()
    {
        var tags = new Dictionary<string, string> { ["zone"] = "low-emission" };
        var metrics = new Dictionary<string, MetricContext>
        {
            ["pm2_5"] = new("ug/m3", new Calibration(1.1, -0.5), new ValidRange(0, 1000), TimeSpan.FromSeconds(60)),
        };
        var context = new DeviceContext(
            Device, 3, "air-quality", "PMS5003", "1.4.2",
            new GeoLocation(52.52, 13.405, "cabinet-17", "Mitte", "Unter den Linden 1"),
            "environment-dept", tags, metrics, ["operator_badge"], isProvisional: false, Now);
        tags["zone"] = "changed";

        Assert.Equal(3, context.Revision);
        Assert.Equal("low-emission", context.Tags["zone"]);
        Assert.Equal(21.5, context.Metrics["pm2_5"].Calibration!.Apply(20), precision: 10);
        Assert.True(context.Metrics["pm2_5"].ValidRange!.Contains(1000));
        Assert.False(context.Metrics["pm2_5"].ValidRange!.Contains(1000.1));
        Assert.Contains("operator_badge", context.PersonalDataFields);
        Assert.Equal("Mitte", context.Location!.District);
    }

    [Fact]
    public void A_provisional_context_is_minimal_and_flagged()
    {
        var context = DeviceContext.Provisional(Device, Now);

        Assert.True(context.IsProvisional);
        Assert.Equal(1, context.Revision);
        Assert.Empty(context.Metrics);
        Assert.Null(context.Location);
    }

    [Fact]
    public void Rejects_a_revision_below_one_and_a_blank_type()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeviceContext(Device, 0, "aq", null, null, null, null, null, null, null, false, Now));
        Assert.Throws<ArgumentException>(() => new DeviceContext(Device, 1, " ", null, null, null, null, null, null, null, false, Now));
    }

    [Theory]
    [InlineData(90.1, 0)]
    [InlineData(-91, 0)]
    [InlineData(0, 180.5)]
    [InlineData(double.NaN, 0)]
    public void Rejects_coordinates_off_the_globe(double latitude, double longitude) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new GeoLocation(latitude, longitude));

    [Fact]
    public void Rejects_degenerate_calibrations_and_ranges()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Calibration(0, 1));
        Assert.Throws<ArgumentException>(() => new ValidRange(null, null));
        Assert.Throws<ArgumentException>(() => new ValidRange(10, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MetricContext("C", samplingInterval: TimeSpan.Zero));
        Assert.True(new ValidRange(null, 5).Contains(-1e9));
    }
}
