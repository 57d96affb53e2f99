using System.Text.Json;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Serial;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Serial;

/// <summary>The gateway process with a PMS5003 on a pty: frames written by the "sensor" reach Kafka with context.</summary>
public sealed class SerialEndToEndTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("serial-e2e");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task PMS5003_frames_on_a_serial_port_arrive_in_Kafka_with_the_devices_context()
    {
        using var pty = PtyPair.Open();
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        var devices = _directory.WriteFile("devices.json", """
            { "devices": [ { "id": "pm-01", "type": "particulate", "location": { "lat": 52.5, "lon": 13.4, "district": "mitte" } } ] }
            """);
        var config = _directory.WriteFile("gateway.json", $$"""
            {
              "Gateway": { "Id": "gw-serial" },
              "Serial": { "Ports": [ { "Path": "{{pty.DevicePath}}", "Name": "pm-port", "Baud": 9600, "Protocol": "pms5003", "DeviceId": "pm-01" } ] },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}", "DevicesFile": "{{devices}}" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Kafka": { "BootstrapServers": "{{kafka.BootstrapServers}}", "Topic": "{{topic}}", "Linger": "5ms" }
            }
            """);

        await using var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains("Serial port pm-port open", StringComparison.Ordinal), "the serial port is open", cancellationToken: CancellationToken);

        for (ushort i = 0; i < 5; i++)
        {
            pty.Write(SerialFrames.Pms5003((ushort)(i + 1), (ushort)(10 + i), (ushort)(20 + i)));
        }

        List<JsonElement> batches = [];
        List<JsonElement> pm25 = [];
        await Eventually.TrueAsync(
            async ct =>
            {
                var records = await kafka.ReadAvailableAsync(topic, cancellationToken: ct);
                batches = [.. records.Select(r => JsonDocument.Parse(r.Value!).RootElement.GetProperty("params").GetProperty("arguments"))];
                pm25 = [.. batches.SelectMany(b => b.GetProperty("readings").EnumerateArray()).Where(r => r.GetProperty("m").GetString() == "pm2_5")];
                return pm25.Count >= 5;
            },
            "five pm2_5 readings in Kafka",
            TimeSpan.FromSeconds(60),
            CancellationToken);

        Assert.Equal([10.0, 11.0, 12.0, 13.0, 14.0], pm25.Select(r => r.GetProperty("v").GetDouble()));
        Assert.All(pm25, r => Assert.Equal("pm-01", r.GetProperty("d").GetString()));
        var context = batches.SelectMany(b => b.GetProperty("devices").EnumerateArray()).First(c => c.GetProperty("id").GetString() == "pm-01");
        Assert.Equal("mitte", context.GetProperty("location").GetProperty("district").GetString());

        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        Assert.Equal(0, gateway.ExitCode);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
    }
}
