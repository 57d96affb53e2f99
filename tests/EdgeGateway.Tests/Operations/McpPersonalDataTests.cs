using System.Security.Cryptography;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Processes;
using ModelContextProtocol.Client;
using Xunit;
using static EdgeGateway.Tests.Operations.McpTestSupport;

namespace EdgeGateway.Tests.Operations;

/// <summary>
/// Marking personal data over MCP (<c>upsert_device</c>'s <c>personalData</c>): refused with the key
/// named while the gateway has no encryption key, accepted once it has one.
/// </summary>
public sealed class McpPersonalDataTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("mcp-personal-data");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Upsert_device_refuses_personal_data_without_a_key_and_accepts_it_with_one()
    {
        const string Marked = """{ "id": "park-1", "type": "parking", "personalData": [ "plate_hash" ] }""";
        await using (var client = await ConnectAsync(encryption: null))
        {
            var refused = await FailAsync(client, "upsert_device", Marked, CancellationToken);
            Assert.Contains("personalData: no encryption key is configured (Encryption:KeysFile)", refused, StringComparison.Ordinal);
            Assert.Equal(0, (await CallAsync(client, "list_devices", cancellationToken: CancellationToken)).GetProperty("total").GetInt32());
        }

        var keys = _directory.WriteFile("keys", $"k1 {Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}\n");
        await using (var client = await ConnectAsync($$"""{ "KeysFile": "{{keys}}", "ActiveKeyId": "k1" }"""))
        {
            var added = await CallAsync(client, "upsert_device", Marked, CancellationToken);
            Assert.Equal("plate_hash", added.GetProperty("device").GetProperty("personalData")[0].GetString());
        }
    }

    private async Task<McpClient> ConnectAsync(string? encryption)
    {
        var config = _directory.WriteFile($"gateway-{Guid.NewGuid():N}.json", $$"""
            {
              "Gateway": { "Id": "gw-personal", "StatusFile": "{{_directory.File("status.json")}}" },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" }{{(encryption is null ? string.Empty : $", \"Encryption\": {encryption}")}}
            }
            """);
        var (program, arguments) = DotNetPrograms.GatewayCommand(["mcp", "--config", config]);
        var transport = new StdioClientTransport(
            new StdioClientTransportOptions { Name = "edge-gateway", Command = program, Arguments = arguments },
            LoggerFactory);
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2025-11-25" }, LoggerFactory, CancellationToken);
    }
}
