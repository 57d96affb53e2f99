using EdgeGateway.Context;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;

namespace EdgeGateway.Tests.Context;

public sealed class ContextEnricherTests : LoggedTest
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = TempDirectory.Create("enricher");
    private DeviceRegistry _registry = null!;

    public override async ValueTask InitializeAsync()
    {
        _registry = await DeviceRegistry.OpenAsync(_directory.File("registry.db"), TimeProvider.System, LoggerFactory.CreateLogger<DeviceRegistry>(), CancellationToken);
        await _registry.UpsertAsync(
            new DeviceDocument
            {
                Id = "aq-1",
                Type = "air-quality",
                Metrics = new()
                {
                    ["pm2_5"] = new MetricDocument { Unit = "ug/m3", Calibration = new CalibrationDocument { Scale = 2, Offset = 1 }, ValidRange = new RangeDocument { Min = 0, Max = 100 } },
                },
            },
            CancellationToken);
    }

    protected override async ValueTask CleanUpAsync()
    {
        await _registry.DisposeAsync();
        _directory.Dispose();
    }

    private ContextEnricher Enricher(UnknownDevicePolicy policy = UnknownDevicePolicy.Register) =>
        new(_registry, Options.Create(new ContextOptions { UnknownDevices = policy, ClockSkewTolerance = TimeSpan.FromMinutes(5) }));

    private static DecodedReading Decoded(string device, string metric, double value, DateTimeOffset? eventTime = null, string? unit = null) =>
        new(new DeviceId(device), metric, value, unit, eventTime, null);

    [Fact]
    public async Task Calibration_unit_revision_and_range_come_from_the_record()
    {
        var inRange = await Enricher().EnrichAsync(Decoded("aq-1", "pm2_5", 10, Now), Now, 7, CancellationToken);
        var outOfRange = await Enricher().EnrichAsync(Decoded("aq-1", "pm2_5", 60, Now), Now, 8, CancellationToken);

        Assert.Equal(21, inRange.Reading!.Value);
        Assert.Equal("ug/m3", inRange.Reading.Unit);
        Assert.Equal(1, inRange.Reading.ContextRevision);
        Assert.Equal(7, inRange.Reading.Sequence);
        Assert.Equal(ReadingQuality.None, inRange.Reading.Quality);
        Assert.Equal(121, outOfRange.Reading!.Value);
        Assert.Equal(ReadingQuality.OutOfRange, outOfRange.Reading.Quality);
    }

    [Fact]
    public async Task A_metric_the_record_does_not_describe_is_kept_raw_and_flagged()
    {
        var result = await Enricher().EnrichAsync(Decoded("aq-1", "no2", 40, unit: "ppb"), Now, 1, CancellationToken);

        Assert.Equal(40, result.Reading!.Value);
        Assert.Equal("ppb", result.Reading.Unit);
        Assert.Equal(ReadingQuality.Uncalibrated, result.Reading.Quality);
    }

    [Fact]
    public async Task A_device_clock_far_from_the_gateways_is_flagged()
    {
        var result = await Enricher().EnrichAsync(Decoded("aq-1", "pm2_5", 1, Now.AddHours(-2)), Now, 1, CancellationToken);

        Assert.Equal(ReadingQuality.ClockSkew, result.Reading!.Quality);
    }

    [Fact]
    public async Task Unknown_devices_follow_the_policy()
    {
        var registered = await Enricher(UnknownDevicePolicy.Register).EnrichAsync(Decoded("new-1", "t", 5, unit: "C"), Now, 0, CancellationToken);
        var accepted = await Enricher(UnknownDevicePolicy.Accept).EnrichAsync(Decoded("new-2", "t", 5, unit: "C"), Now, 0, CancellationToken);
        var rejected = await Enricher(UnknownDevicePolicy.Reject).EnrichAsync(Decoded("new-3", "t", 5), Now, 0, CancellationToken);

        Assert.Equal(ReadingQuality.UnknownDevice, registered.Reading!.Quality);
        Assert.Equal(1, registered.Reading.ContextRevision);
        Assert.True(_registry.Find(new DeviceId("new-1"))!.IsProvisional);
        Assert.Equal(ReadingQuality.UnknownDevice, accepted.Reading!.Quality);
        Assert.Null(accepted.Reading.ContextRevision);
        Assert.Null(_registry.Find(new DeviceId("new-2")));
        Assert.Null(rejected.Reading);
        Assert.Contains("new-3", rejected.Rejection, StringComparison.Ordinal);
    }
}
