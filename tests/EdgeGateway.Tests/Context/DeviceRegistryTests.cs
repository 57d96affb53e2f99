using EdgeGateway.Context;
using EdgeGateway.Domain;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using Microsoft.Extensions.Logging;
using Xunit;

namespace EdgeGateway.Tests.Context;

public sealed class DeviceRegistryTests : LoggedTest
{
    private static readonly DeviceId Aq = new("aq-0042");
    private readonly TempDirectory _directory = TempDirectory.Create("registry");

    private string DatabasePath => _directory.File("registry.db");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private Task<DeviceRegistry> OpenAsync() =>
        DeviceRegistry.OpenAsync(DatabasePath, TimeProvider.System, LoggerFactory.CreateLogger<DeviceRegistry>(), CancellationToken);

    private static DeviceDocument AirQuality(string firmware = "1.4.2", double scale = 1.1) => new()
    {
        Id = Aq.Value,
        Type = "air-quality",
        Model = "PMS5003",
        Firmware = firmware,
        Location = new LocationDocument { Lat = 52.52, Lon = 13.405, Site = "cabinet-17", District = "Mitte" },
        Owner = "environment-dept",
        Tags = new() { ["zone"] = "low-emission" },
        Metrics = new()
        {
            ["pm2_5"] = new MetricDocument
            {
                Unit = "ug/m3",
                Calibration = new CalibrationDocument { Scale = scale, Offset = -0.5 },
                ValidRange = new RangeDocument { Min = 0, Max = 1000 },
                SamplingInterval = "60s",
            },
        },
        PersonalData = ["operator_badge"],
    };

    [Fact]
    public async Task Every_change_is_a_new_revision_and_an_identical_write_is_not()
    {
        await using var registry = await OpenAsync();
        var changes = new List<DeviceChange>();
        registry.Changed += (_, change) => changes.Add(change);

        var first = await registry.UpsertAsync(AirQuality(), CancellationToken);
        var same = await registry.UpsertAsync(AirQuality(), CancellationToken);
        var second = await registry.UpsertAsync(AirQuality(firmware: "1.5.0"), CancellationToken);

        Assert.Equal(1, first.Revision);
        Assert.Equal(1, same.Revision);
        Assert.Equal(2, second.Revision);
        Assert.Equal("1.5.0", registry.Find(Aq)!.Firmware);
        Assert.Equal(21.5, registry.Find(Aq)!.Metrics["pm2_5"].Calibration!.Apply(20), precision: 9);
        Assert.Equal([1L, 2L], changes.Select(c => c.Current!.Revision));
    }

    [Fact]
    public async Task Records_and_their_history_survive_a_restart()
    {
        await using (var registry = await OpenAsync())
        {
            await registry.UpsertAsync(AirQuality(), CancellationToken);
            await registry.UpsertAsync(AirQuality(scale: 2), CancellationToken);
        }

        await using var reopened = await OpenAsync();
        var current = reopened.Find(Aq)!;
        var past = await reopened.GetRevisionAsync(Aq, 1, CancellationToken);

        Assert.Equal(2, current.Revision);
        Assert.Equal(2, current.Metrics["pm2_5"].Calibration!.Scale);
        Assert.Equal(1.1, past!.Metrics["pm2_5"].Calibration!.Scale);
        Assert.Equal("Mitte", past.Location!.District);
        Assert.Contains("operator_badge", past.PersonalDataFields);
        Assert.Null(await reopened.GetRevisionAsync(Aq, 3, CancellationToken));
    }

    [Fact]
    public async Task Revisions_never_repeat_after_a_device_is_removed_and_added_again()
    {
        await using var registry = await OpenAsync();
        await registry.UpsertAsync(AirQuality(), CancellationToken);

        Assert.True(await registry.RemoveAsync(Aq, CancellationToken));
        Assert.Null(registry.Find(Aq));
        Assert.False(await registry.RemoveAsync(Aq, CancellationToken));
        var again = await registry.UpsertAsync(AirQuality(), CancellationToken);

        Assert.Equal(2, again.Revision);
        Assert.NotNull(await registry.GetRevisionAsync(Aq, 1, CancellationToken));
    }

    [Fact]
    public async Task An_unknown_device_can_be_registered_provisionally()
    {
        await using var registry = await OpenAsync();

        var record = await registry.RegisterProvisionalAsync(new DeviceId("stranger-1"), CancellationToken);

        Assert.True(record.IsProvisional);
        Assert.Equal("unknown", record.DeviceType);
        Assert.Same(record, await registry.RegisterProvisionalAsync(new DeviceId("stranger-1"), CancellationToken));
    }

    [Theory]
    [InlineData("location", "needs lat and lon")]
    [InlineData("metrics.pm2_5.validRange", "min (10) must not be above max (5)")]
    [InlineData("metrics.pm2_5.samplingInterval", "'soon' is not a duration")]
    [InlineData("type", "is required")]
    public async Task An_invalid_document_names_the_field_and_changes_nothing(string field, string problem)
    {
        await using var registry = await OpenAsync();
        var document = field switch
        {
            "location" => AirQuality() with { Location = new LocationDocument { Lat = 1 } },
            "metrics.pm2_5.validRange" => AirQuality() with { Metrics = new() { ["pm2_5"] = new MetricDocument { ValidRange = new RangeDocument { Min = 10, Max = 5 } } } },
            "metrics.pm2_5.samplingInterval" => AirQuality() with { Metrics = new() { ["pm2_5"] = new MetricDocument { SamplingInterval = "soon" } } },
            _ => AirQuality() with { Type = " " },
        };

        var error = await Assert.ThrowsAsync<DeviceDocumentException>(() => registry.UpsertAsync(document, CancellationToken));

        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, registry.Count);
    }

    [Fact]
    public async Task A_devices_file_adds_changes_and_leaves_identical_devices_alone()
    {
        await using var registry = await OpenAsync();
        await registry.UpsertAsync(AirQuality(), CancellationToken);
        await registry.UpsertAsync(new DeviceDocument { Id = "noise-7", Type = "noise" }, CancellationToken);
        var path = _directory.WriteFile("devices.json", """
            {
              // comments are allowed
              "devices": [
                { "id": "aq-0042", "type": "air-quality", "model": "PMS5003", "firmware": "1.4.2",
                  "location": { "lat": 52.52, "lon": 13.405, "site": "cabinet-17", "district": "Mitte" },
                  "owner": "environment-dept", "tags": { "zone": "low-emission" },
                  "metrics": { "pm2_5": { "unit": "ug/m3", "calibration": { "scale": 1.1, "offset": -0.5 },
                                          "validRange": { "min": 0, "max": 1000 }, "samplingInterval": "60s" } },
                  "personalData": [ "operator_badge" ] },
                { "id": "noise-7", "type": "noise", "firmware": "2.0" },
                { "id": "parking-3", "type": "parking" },
              ]
            }
            """);

        var result = await registry.LoadFileAsync(path, CancellationToken);

        Assert.Equal(new DevicesFileLoadResult(Added: 1, Changed: 1, Unchanged: 1), result);
        Assert.Equal(1, registry.Find(Aq)!.Revision);
        Assert.Equal(2, registry.Find(new DeviceId("noise-7"))!.Revision);
    }

    [Fact]
    public async Task An_invalid_devices_file_lists_every_problem_and_changes_nothing()
    {
        await using var registry = await OpenAsync();
        var path = _directory.WriteFile("devices.json", """
            { "devices": [
                { "id": "ok-1", "type": "noise" },
                { "id": "bad id", "type": "noise" },
                { "id": "aq-1", "type": "air-quality", "location": { "lat": 95, "lon": 0 } },
                { "id": "ok-1", "type": "noise" }
            ] }
            """);

        var error = await Assert.ThrowsAsync<DevicesFileException>(() => registry.LoadFileAsync(path, CancellationToken));

        Assert.Equal(3, error.Problems.Count);
        Assert.Contains("devices[1]: device 'bad id': id:", error.Problems[0], StringComparison.Ordinal);
        Assert.Contains("devices[2]: device 'aq-1': location: latitude must be within -90..90", error.Problems[1], StringComparison.Ordinal);
        Assert.Contains("devices[3]: device 'ok-1' appears more than once", error.Problems[2], StringComparison.Ordinal);
        Assert.Equal(0, registry.Count);
    }

    [Fact]
    public void A_devices_file_with_a_misspelt_field_or_broken_json_is_refused_with_the_reason()
    {
        var misspelt = _directory.WriteFile("misspelt.json", """{ "devices": [ { "id": "a", "type": "noise", "firmwar": "1" } ] }""");
        var broken = _directory.WriteFile("broken.json", """{ "devices": [ { "id": "a", """);

        Assert.Contains("firmwar", Assert.Throws<DevicesFileException>(() => DevicesFile.Load(misspelt)).Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", Assert.Throws<DevicesFileException>(() => DevicesFile.Load(broken)).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<DevicesFileException>(() => DevicesFile.Load(_directory.File("none.json"))).Message, StringComparison.Ordinal);
    }
}
