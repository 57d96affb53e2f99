using System.Text.Json;
using EdgeGateway.Context;
using EdgeGateway.Domain;
using EdgeGateway.Operations;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Processes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using Xunit;
using static EdgeGateway.Tests.Operations.McpTestSupport;

namespace EdgeGateway.Tests.Operations;

/// <summary><c>edge-gateway mcp</c> launched as a process and driven over stdio by the SDK's client.</summary>
public sealed class McpStdioTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("mcp-stdio");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Stdio_lists_tools_reads_and_changes_the_registry_and_points_buffer_tools_to_the_service()
    {
        var registryPath = _directory.File("registry.db");
        var config = _directory.WriteFile("gateway.json", $$"""
            {
              "Gateway": { "Id": "gw-stdio", "StatusFile": "{{_directory.File("status.json")}}" },
              "Context": { "RegistryPath": "{{registryPath}}" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Mqtt": { "Password": "do-not-show", "Username": "gw" }
            }
            """);
        var stderr = new List<string>();
        var (program, arguments) = DotNetPrograms.GatewayCommand(["mcp", "--config", config]);
        var transport = new StdioClientTransport(
            new StdioClientTransportOptions
            {
                Name = "edge-gateway",
                Command = program,
                Arguments = arguments,
                StandardErrorLines = line =>
                {
                    lock (stderr)
                    {
                        stderr.Add(line);
                    }
                },
            },
            LoggerFactory);

        await using (var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2025-11-25" }, LoggerFactory, CancellationToken))
        {
            var tools = await client.ListToolsAsync(cancellationToken: CancellationToken);
            Assert.Equal(McpAuthorization.ToolScopes.Count, tools.Count);

            Assert.Equal(0, (await CallAsync(client, "list_devices", cancellationToken: CancellationToken)).GetProperty("total").GetInt32());
            var added = await CallAsync(client, "upsert_device", """{ "id": "noise-7", "type": "noise", "tags": { "street": "Main" } }""", CancellationToken);
            Assert.Equal(1, added.GetProperty("device").GetProperty("revision").GetInt64());
            var again = await CallAsync(client, "upsert_device", """{ "id": "noise-7", "type": "noise", "tags": { "street": "Main" } }""", CancellationToken);
            Assert.False(again.GetProperty("changed").GetBoolean());
            var changed = await CallAsync(client, "upsert_device", """{ "id": "noise-7", "type": "noise", "tags": { "street": "High" } }""", CancellationToken);
            Assert.Equal(2, changed.GetProperty("device").GetProperty("revision").GetInt64());

            Assert.Equal("type: is required", await FailAsync(client, "upsert_device", """{ "id": "noise-7", "type": " " }""", CancellationToken));
            Assert.Contains("use its HTTP endpoint", await FailAsync(client, "get_buffer_statistics", cancellationToken: CancellationToken), StringComparison.Ordinal);
            Assert.Contains("cannot be read", await FailAsync(client, "get_status", cancellationToken: CancellationToken), StringComparison.Ordinal);

            // Configuration versions can be read and proposals validated beside the service, but only the service applies them.
            Assert.Equal(0, (await CallAsync(client, "list_config_versions", cancellationToken: CancellationToken)).GetProperty("currentVersion").GetInt64());
            Assert.Contains(
                "use its HTTP endpoint",
                await FailAsync(client, "apply_config", """{ "baseVersion": 0, "patch": { "Context": { "UnknownDevices": "accept" } } }""", CancellationToken),
                StringComparison.Ordinal);

            var configResult = await CallAsync(client, "get_config", cancellationToken: CancellationToken);
            Assert.DoesNotContain("do-not-show", configResult.GetRawText(), StringComparison.Ordinal);
        }

        // The change is in the registry file the service opens.
        await using var registry = await DeviceRegistry.OpenAsync(registryPath, TimeProvider.System, LoggerFactory.CreateLogger<DeviceRegistry>(), CancellationToken);
        var record = registry.Find(new DeviceId("noise-7"));
        Assert.NotNull(record);
        Assert.Equal(2, record.Revision);
        Assert.Equal("High", record.Tags["street"]);
        lock (stderr)
        {
            Assert.Contains(stderr, line => line.Contains($"stdio:{Environment.UserName} upsert_device noise-7: revision 1 -> 2", StringComparison.Ordinal));
        }
    }
}
