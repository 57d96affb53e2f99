using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Testing.Files;
using FirmwareSim.Cli;
using FirmwareSim.Devices;
using FirmwareSim.Fleet;
using FirmwareSim.Payloads;
using FirmwareSim.Scenarios;
using FirmwareSim.Serial;
using Xunit;

namespace EdgeGateway.Tests.FirmwareSimulator;

public sealed class FirmwareSimScenarioTests : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("firmware-sim-scenario");

    /// <summary>The example shipped in the repository (firmware-sim/scenarios/city-demo.json).</summary>
    private static string Example =>
        Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "firmware-sim", "scenarios", "city-demo.json");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void The_shipped_example_scenario_loads_with_every_section()
    {
        var scenario = ScenarioLoader.Load(Example);

        Assert.Equal(2026, scenario.Seed);
        Assert.Equal(150, scenario.Devices!.Sum(g => g.Count));
        Assert.Equal(6, scenario.City!.Districts.Count);
        Assert.Equal(TimeSpan.FromHours(1), scenario.City.UtcOffset);
        var senml = Assert.Single(scenario.Devices!, g => g.Format == PayloadFormat.SenMl);
        Assert.Equal(("aq-senml", "3.0.0-beta", TimeSpan.FromSeconds(10)), (senml.IdPrefix, senml.Firmware, senml.Interval!.Value));
        Assert.Equal(0.05, scenario.Faults!.SlowDevices);
        Assert.Equal(TimeSpan.FromSeconds(2), scenario.Faults.ReconnectDelay);
        Assert.Equal(6, scenario.Serial!.Count);
        Assert.Equal(SerialProtocol.ModbusRtu, scenario.Serial[^1].Protocol);

        var fleet = FleetBuilder.Build(scenario.Devices!, scenario.City, scenario.Seed!.Value, PayloadFormat.Json);
        Assert.Contains(fleet, p => p.Id == "aq-senml-0001" && p.Format == PayloadFormat.SenMl);
        Assert.Equal("aq-0030", fleet.Last(p => p.Id.StartsWith("aq-0", StringComparison.Ordinal)).Id);
        Assert.All(fleet.Where(p => p.Model == DeviceModel.Parking), p => Assert.Equal("centre", p.Location.District));
    }

    [Fact]
    public void The_command_line_overrides_the_scenario_and_scales_its_fleet()
    {
        var settings = SimulatorCommandLine.ParseSettings(
            ["--scenario", Example, "--devices", "300", "--format", "senml", "--seed", "9", "--broker", "10.0.0.5:1884", "--qos", "2",
             "--faults", "malformed=0.5,slow-delay=1s", "--serial", "nmea,nmea", "--rate", "1000", "--connections", "2"],
            out var problems);

        Assert.Empty(problems);
        Assert.NotNull(settings);
        Assert.Equal(300, settings.Groups.Sum(g => g.Count));
        Assert.Equal(60, settings.Groups.Where(g => g.Model == DeviceModel.AirQuality && g.IdPrefix is null).Sum(g => g.Count));
        Assert.All(settings.Groups, g => Assert.Null(g.Format));
        Assert.Equal(PayloadFormat.SenMl, settings.Format);
        Assert.Equal(9, settings.Seed);
        Assert.Equal(1000, settings.Rate);
        Assert.Equal(("10.0.0.5", 1884, MqttQualityOfService.ExactlyOnce, 2), (settings.Mqtt!.Host, settings.Mqtt.Port, settings.Mqtt.QoS, settings.Mqtt.Connections));
        Assert.Equal(0.5, settings.Faults.Malformed);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.Faults.SlowDelay);
        Assert.Equal(0.002, settings.Faults.Duplicate);
        Assert.Equal(["nmea-1", "nmea-2"], settings.Serial.Select(p => p.Name));
    }

    [Fact]
    public void Without_a_scenario_the_defaults_apply()
    {
        var settings = SimulatorCommandLine.ParseSettings(["--broker", "localhost", "--tls"], out var problems);

        Assert.Empty(problems);
        Assert.Equal(SimulatorDefaults(), (settings!.Groups.Sum(g => g.Count), settings.Seed, settings.Format, settings.Rate, settings.Duration));
        Assert.Equal(("localhost", 8883, true, MqttQualityOfService.AtLeastOnce, 4), (settings.Mqtt!.Host, settings.Mqtt.Port, settings.Mqtt.Tls, settings.Mqtt.QoS, settings.Mqtt.Connections));

        static (int, long, PayloadFormat, double?, TimeSpan?) SimulatorDefaults() => (10, 1, PayloadFormat.Json, null, null);
    }

    [Theory]
    [InlineData("""{ "devices": { "model": "aq" } }""", "$.devices: expected array, found an object")]
    [InlineData("""{ "devices": [ { "count": 3 } ] }""", "$.devices[0].model: is required")]
    [InlineData("""{ "devices": [ { "model": "aq", "interval": "soon" } ] }""", "$.devices[0].interval: expected a duration")]
    [InlineData("""{ "devices": [ { "model": "aq", "colour": "red" } ] }""", "$.devices[0].colour: unknown key")]
    [InlineData("""{ "devices": [ { "model": "aq", "district": "old town" } ] }""", "$.devices[0].district: 'old town' must be 1 to 64 characters")]
    [InlineData("""{ "faults": { "malformed": 1.5 } }""", "$.faults.malformed: fault 'malformed': '1.5' is not a rate from 0 to 1")]
    [InlineData("""{ "faults": { "gremlins": 0.1 } }""", "$.faults.gremlins: unknown fault 'gremlins'")]
    [InlineData("""{ "serial": [ { "protocol": "morse" } ] }""", "$.serial[0].protocol: 'morse' is not one of pms5003, sds011, nmea, csv, jsonl, modbus")]
    [InlineData("""{ "city": { "utcOffset": "1h" } }""", "$.city.utcOffset: expected an offset")]
    [InlineData("""{ "qos": 3 }""", "$.qos: expected a whole number from 0 to 2, found 3")]
    [InlineData("""{ "seed": 1, }""", null)]
    [InlineData("""{ "seed": 1 """, "not valid JSON")]
    public void Scenario_mistakes_name_their_JSON_path(string json, string? problem)
    {
        var path = _directory.WriteFile("scenario.json", json);
        if (problem is null)
        {
            Assert.Equal(1, ScenarioLoader.Load(path).Seed);
            return;
        }

        var error = Assert.Throws<ScenarioException>(() => ScenarioLoader.Load(path));
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }
}
