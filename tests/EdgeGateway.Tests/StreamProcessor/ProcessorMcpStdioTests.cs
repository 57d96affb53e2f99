using System.Text.Json;
using EdgeGateway.StreamProcessor;
using EdgeGateway.StreamProcessor.Ingest;
using EdgeGateway.StreamProcessor.State;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Processes;
using ModelContextProtocol.Client;
using Xunit;
using static EdgeGateway.Tests.StreamProcessor.ProcessorBatches;

namespace EdgeGateway.Tests.StreamProcessor;

/// <summary><c>stream-processor mcp</c> launched as a process and driven over stdio by the SDK's client, on a state file the processor wrote.</summary>
public sealed class ProcessorMcpStdioTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("processor-mcp");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task The_tools_show_latest_readings_with_context_alerts_windows_and_counters()
    {
        var statePath = _directory.File("state.db");
        var t = 1_795_341_600_000;
        using (var state = new ProcessorState(
            new ProcessorOptions { BootstrapServers = "unused:9092", StatePath = statePath, Window = TimeSpan.FromSeconds(10), AllowedLateness = TimeSpan.Zero, Alerts = [AlertRule.Parse("pm25>50")] },
            TimeProvider.System))
        {
            var arguments = JsonSerializer.SerializeToElement(Arguments(Id(1), "gw-mcp", [new("aq-1", "pm25", 70, t + 1_000, 1), new("aq-1", "pm25", 30, t + 11_000, 2), new("aq-2", "pm25", 5, t + 2_000, 1)], revision: 4));
            state.Ingest(IngestBatch.Parse(arguments));
        }

        var transport = new StdioClientTransport(
            new StdioClientTransportOptions { Name = "stream-processor", Command = DotNetPrograms.HostPath, Arguments = [ProcessorProgram.Assembly, "mcp", "--state", statePath] },
            LoggerFactory);
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2025-11-25" }, LoggerFactory, CancellationToken);
        Assert.Equal(["get_counters", "get_latest", "list_alerts", "list_windows"], (await client.ListToolsAsync(cancellationToken: CancellationToken)).Select(t => t.Name).Order());

        var latest = await CallAsync(client, "get_latest", new() { ["deviceId"] = "aq-1" });
        var device = Assert.Single(latest.GetProperty("devices").EnumerateArray());
        Assert.Equal(4, device.GetProperty("revision").GetInt64());
        Assert.Equal("Mitte", device.GetProperty("context").GetProperty("location").GetProperty("district").GetString());
        var reading = Assert.Single(device.GetProperty("readings").EnumerateArray());
        Assert.Equal((30.0, "ug/m3"), (reading.GetProperty("value").GetDouble(), reading.GetProperty("unit").GetString()));
        Assert.Equal(2, (await CallAsync(client, "get_latest", [])).GetProperty("devices").GetArrayLength());

        // 70 raised the alert, 30 cleared it: none active, one when cleared ones are included.
        Assert.Equal(0, (await CallAsync(client, "list_alerts", [])).GetProperty("alerts").GetArrayLength());
        var alert = Assert.Single((await CallAsync(client, "list_alerts", new() { ["activeOnly"] = false })).GetProperty("alerts").EnumerateArray());
        Assert.Equal(("pm25>50", false, 30.0), (alert.GetProperty("rule").GetString(), alert.GetProperty("active").GetBoolean(), alert.GetProperty("value").GetDouble()));

        var windows = (await CallAsync(client, "list_windows", new() { ["deviceId"] = "aq-1" })).GetProperty("windows").EnumerateArray().ToList();
        Assert.Equal([false, true], windows.Select(w => w.GetProperty("closed").GetBoolean()));
        Assert.Equal(70, windows[1].GetProperty("mean").GetDouble());

        var counters = (await CallAsync(client, "get_counters", [])).GetProperty("counters");
        Assert.Equal(3, counters.GetProperty("accepted").GetInt64());

        var bad = await client.CallToolAsync("list_windows", new Dictionary<string, object?> { ["limit"] = 0 }, cancellationToken: CancellationToken);
        Assert.True(bad.IsError);
    }

    private static async Task<JsonElement> CallAsync(McpClient client, string tool, Dictionary<string, object?> arguments)
    {
        var result = await client.CallToolAsync(tool, arguments, cancellationToken: CancellationToken);
        Assert.False(result.IsError == true, $"{tool} failed: {JsonSerializer.Serialize(result.Content)}");
        return Assert.NotNull(result.StructuredContent);
    }
}
