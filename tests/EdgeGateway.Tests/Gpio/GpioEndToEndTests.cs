using System.Text.Json;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Gpio;

/// <summary>
/// firmware-sim plays a bouncy traffic loop and a bouncy door contact on its GPIO socket; the gateway
/// process reads them through its simulated chip (<c>sim:PATH</c>); Kafka gets exactly the pulses and
/// changes in the simulator's ledger.
/// </summary>
public sealed class GpioEndToEndTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("gpio-e2e");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Pulses_and_contact_changes_from_the_simulator_reach_Kafka_as_the_ledger_says()
    {
        var socket = _directory.File("gpio.sock");
        var ledgerPath = _directory.File("gpio-ledger.jsonl");
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");

        // Bounce of up to 2 pairs within 5 ms after every real edge; the gateway debounces 5 ms, which
        // the simulator's trains respect (a real edge never follows the last bounce sooner).
        await using var simulator = DotNetPrograms.StartFirmwareSim(
        [
            "--gpio-socket", socket,
            "--gpio", "counter:17:rate=10:width=20ms:bounce=2/5ms:name=loop,contact:22:closed=300ms:open=300ms:bounce=2/5ms:name=door",
            "--gpio-ledger", ledgerPath,
            "--seed", "5",
            "--progress", "0",
        ]);
        await simulator.WaitForOutputAsync(l => l.Contains("gpio socket", StringComparison.Ordinal), "the GPIO socket", cancellationToken: CancellationToken);

        var config = _directory.WriteFile("gateway.json", $$"""
            {
              "Gateway": { "Id": "gw-gpio" },
              "Gpio": {
                "Chip": "sim:{{socket}}",
                "ReconnectDelay": "100ms",
                "Lines": [
                  { "Offset": 17, "Name": "loop", "DeviceId": "traffic-01", "Kind": "counter", "Debounce": "5ms", "Window": "1s", "Metric": "vehicle_rate", "Unit": "vehicles/min", "CountMetric": "vehicles" },
                  { "Offset": 22, "Name": "door", "DeviceId": "cabinet-01", "Kind": "contact", "Debounce": "5ms", "Metric": "door_open" }
                ]
              },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Kafka": { "BootstrapServers": "{{kafka.BootstrapServers}}", "Topic": "{{topic}}", "Linger": "5ms" }
            }
            """);
        await using var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(l => l.Contains($"GPIO chip sim:{socket} open", StringComparison.Ordinal), "the simulated chip is open", cancellationToken: CancellationToken);

        // Let both lines play a while, then stop the simulator: the gateway reports the partial window.
        await Eventually.TrueAsync(
            () => Ledger(ledgerPath) is var ledger && ledger.Count(e => e.Offset == 17) >= 30 && ledger.Count(e => e.Offset == 22) >= 4,
            "pulses and door changes in the ledger",
            TimeSpan.FromSeconds(60),
            CancellationToken);
        simulator.Terminate();
        await simulator.WaitForExitAsync(cancellationToken: CancellationToken);
        Assert.Equal(0, simulator.ExitCode);
        var sent = Ledger(ledgerPath);
        var pulses = sent.Count(e => e.Offset == 17 && e.Rising);
        var doorChanges = sent.Where(e => e.Offset == 22).ToList();
        Assert.Contains(simulator.StandardOutput, l => l.Contains("bounce", StringComparison.Ordinal) && !l.Contains(" 0 bounce", StringComparison.Ordinal));

        List<JsonElement> readings = [];
        var arrived = Eventually.TrueAsync(
            async ct =>
            {
                var records = await kafka.ReadAvailableAsync(topic, cancellationToken: ct);
                readings = [.. records.SelectMany(r => JsonDocument.Parse(r.Value!).RootElement.GetProperty("params").GetProperty("arguments").GetProperty("readings").EnumerateArray())];
                return readings.Where(r => r.GetProperty("m").GetString() == "vehicles").Sum(r => r.GetProperty("v").GetDouble()) >= pulses
                    && readings.Count(r => r.GetProperty("m").GetString() == "door_open") >= doorChanges.Count + 1;
            },
            "every pulse and door change in Kafka",
            TimeSpan.FromSeconds(60),
            CancellationToken);
        try
        {
            await arrived;
        }
        catch (TimeoutException)
        {
            // The assertions below say what is missing.
        }

        var counts = readings.Where(r => r.GetProperty("m").GetString() == "vehicles").Select(r => r.GetProperty("v").GetDouble()).ToList();
        Assert.Equal(pulses, counts.Sum());
        Assert.All(readings.Where(r => r.GetProperty("m").GetString() == "vehicle_rate"), r => Assert.Equal("traffic-01", r.GetProperty("d").GetString()));

        // The level at the start (open), then each change the ledger has, in order.
        var door = readings.Where(r => r.GetProperty("m").GetString() == "door_open").Select(r => r.GetProperty("v").GetDouble()).ToList();
        Assert.Equal([0.0, .. doorChanges.Select(e => e.Rising ? 1.0 : 0.0)], door);

        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        Assert.Equal(0, gateway.ExitCode);
        Assert.Contains(gateway.StandardOutput.Concat(gateway.StandardError), l => l.Contains("lost: GPIO chip", StringComparison.Ordinal) && l.Contains("closed its socket", StringComparison.Ordinal));
        DotNetPrograms.AssertNoErrorLogLines(gateway);
    }

    private static List<(int Offset, bool Rising)> Ledger(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var entries = new List<(int, bool)>();
        while (reader.ReadLine() is { Length: > 0 } line && line.EndsWith('}'))
        {
            var entry = JsonDocument.Parse(line).RootElement;
            entries.Add((entry.GetProperty("offset").GetInt32(), entry.GetProperty("edge").GetString() == "rising"));
        }

        return entries;
    }
}
