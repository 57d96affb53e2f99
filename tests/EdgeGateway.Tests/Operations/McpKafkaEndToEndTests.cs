using System.Text;
using EdgeGateway.Kafka.Mcp;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using Xunit;
using static EdgeGateway.Tests.Operations.McpTestSupport;

namespace EdgeGateway.Tests.Operations;

/// <summary>
/// MCP over Kafka on the mock cluster: two gateway processes on one control topic, driven by the SDK's
/// own client through <see cref="KafkaMcpClientTransport"/>. Each answers only its own calls; scopes
/// and tokens are checked per record as over HTTP.
/// </summary>
public sealed class McpKafkaEndToEndTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("mcp-kafka");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Two_gateways_on_one_control_topic_each_answer_only_their_own_calls_with_scopes_checked_per_record()
    {
        await using var kafka = KafkaFixture.Start();
        var control = kafka.CreateUniqueTopic("edge.mcp.control", partitions: 3);
        var replies = kafka.CreateUniqueTopic("edge.mcp.replies", partitions: 3);
        await using var gatewayA = await StartGatewayAsync(_directory, "gw-a", kafka.BootstrapServers, control, replies, CancellationToken);
        await using var gatewayB = await StartGatewayAsync(_directory, "gw-b", kafka.BootstrapServers, control, replies, CancellationToken);

        await using var clientA = await ConnectKafkaAsync(kafka, "gw-a", control, replies, OperatorToken, LoggerFactory, protocolVersion: null, CancellationToken);
        await using var clientB = await ConnectKafkaAsync(kafka, "gw-b", control, replies, OperatorToken, LoggerFactory, protocolVersion: "2025-11-25", CancellationToken);

        var tools = await clientA.ListToolsAsync(cancellationToken: CancellationToken);
        Assert.Contains("upsert_device", tools.Select(t => t.Name));
        Assert.Equal(McpAuthorizationToolCount(), tools.Count);

        // Each gateway answers with its own identity; the same device id is changed on one gateway only.
        var statusA = await CallAsync(clientA, "get_status", cancellationToken: CancellationToken);
        var statusB = await CallAsync(clientB, "get_status", cancellationToken: CancellationToken);
        Assert.Equal("gw-a", statusA.GetProperty("status").GetProperty("gatewayId").GetString());
        Assert.Equal("gw-b", statusB.GetProperty("status").GetProperty("gatewayId").GetString());
        var upsert = await CallAsync(clientA, "upsert_device", """{ "id": "aq-000", "type": "air-quality", "owner": "only-on-a" }""", CancellationToken);
        Assert.Equal(2, upsert.GetProperty("device").GetProperty("revision").GetInt64());
        var onB = await CallAsync(clientB, "get_device", """{ "id": "aq-000" }""", CancellationToken);
        Assert.Equal(1, onB.GetProperty("revision").GetInt64());
        Assert.False(onB.TryGetProperty("owner", out _));

        // Invalid arguments come back as a tool error naming the problem.
        Assert.Equal("id: device 'aq-999' is not in the registry", await FailAsync(clientB, "get_device", """{ "id": "aq-999" }""", CancellationToken));

        // Concurrent calls of both sessions interleave on the same topics without crossing.
        var calls = Enumerable.Range(0, 10).Select(async i =>
        {
            var client = i % 2 == 0 ? clientA : clientB;
            var status = await CallAsync(client, "get_status", cancellationToken: CancellationToken);
            return (Expected: i % 2 == 0 ? "gw-a" : "gw-b", Actual: status.GetProperty("status").GetProperty("gatewayId").GetString());
        });
        Assert.All(await Task.WhenAll(calls), c => Assert.Equal(c.Expected, c.Actual));

        // A read token: operate tools are hidden and refused, read tools work.
        await using var reader = await ConnectKafkaAsync(kafka, "gw-b", control, replies, ReaderToken, LoggerFactory, protocolVersion: null, CancellationToken);
        var visible = (await reader.ListToolsAsync(cancellationToken: CancellationToken)).Select(t => t.Name).ToList();
        Assert.Contains("list_devices", visible);
        Assert.DoesNotContain("upsert_device", visible);
        var refused = await reader.CallToolAsync("upsert_device", Args("""{ "id": "aq-000", "type": "hacked" }"""), cancellationToken: CancellationToken);
        Assert.True(refused.IsError);
        Assert.Contains("needs scope 'operate'", Text(refused), StringComparison.Ordinal);

        // No token, or a wrong one: every request is answered with an error and reaches no tool.
        Logs.ExpectErrors(e => e.Message.Contains("client initialization error", StringComparison.Ordinal) && e.ToString().Contains("unauthorized", StringComparison.Ordinal));
        var noToken = await Assert.ThrowsAnyAsync<McpException>(() => ConnectKafkaAsync(kafka, "gw-a", control, replies, token: null, LoggerFactory, "2025-11-25", CancellationToken));
        Assert.Contains("unauthorized", noToken.Message, StringComparison.Ordinal);
        var wrongToken = await Assert.ThrowsAnyAsync<McpException>(() => ConnectKafkaAsync(kafka, "gw-a", control, replies, "not-a-token", LoggerFactory, "2025-11-25", CancellationToken));
        Assert.Contains("unauthorized", wrongToken.Message, StringComparison.Ordinal);

        // Every reply record carries the key of the gateway that wrote it, and each gateway opened only its own sessions.
        var records = await kafka.ReadAvailableAsync(replies, cancellationToken: CancellationToken);
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Contains(Encoding.UTF8.GetString(r.Key!), new[] { "gw-a", "gw-b" }));
        Assert.Contains($"session {clientA.SessionId} opened by ops-laptop", gatewayA.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(clientA.SessionId!, gatewayB.AllOutput, StringComparison.Ordinal);
        Assert.Contains($"session {clientB.SessionId} opened by ops-laptop", gatewayB.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(clientB.SessionId!, gatewayA.AllOutput, StringComparison.Ordinal);

        await Eventually.TrueAsync(
            () => gatewayB.AllOutput.Contains("dashboard was refused upsert_device: needs scope 'operate'", StringComparison.Ordinal)
                && gatewayA.AllOutput.Contains("unknown-token was refused Kafka", StringComparison.Ordinal)
                && gatewayA.AllOutput.Contains("ops-laptop upsert_device aq-000: revision 1 -> 2", StringComparison.Ordinal),
            "the change and the refusals are audited by the gateway concerned",
            cancellationToken: CancellationToken);
        Assert.DoesNotContain(OperatorToken, gatewayA.AllOutput, StringComparison.Ordinal);
        DotNetPrograms.AssertNoErrorLogLines(gatewayA);
        DotNetPrograms.AssertNoErrorLogLines(gatewayB);
    }

    /// <summary>The tools an admin token sees: every tool with a declared scope.</summary>
    internal static int McpAuthorizationToolCount() => EdgeGateway.Operations.McpAuthorization.ToolScopes.Count;

    internal static Task<McpClient> ConnectKafkaAsync(
        KafkaFixture kafka,
        string gatewayId,
        string control,
        string replies,
        string? token,
        ILoggerFactory loggerFactory,
        string? protocolVersion,
        CancellationToken cancellationToken)
    {
        var transport = new KafkaMcpClientTransport(
            new KafkaMcpClientOptions
            {
                BootstrapServers = kafka.BootstrapServers,
                GatewayId = gatewayId,
                ControlTopic = control,
                ReplyTopic = replies,
                Token = token,
                FetchWait = TimeSpan.FromMilliseconds(5),
            },
            loggerFactory);
        return McpClient.CreateAsync(
            transport,
            new McpClientOptions { ProtocolVersion = protocolVersion, InitializationTimeout = TestTimeouts.Brief },
            loggerFactory,
            cancellationToken);
    }

    internal static async Task<ExternalProcess> StartGatewayAsync(
        TempDirectory directory,
        string gatewayId,
        string bootstrapServers,
        string control,
        string replies,
        CancellationToken cancellationToken,
        string mqtt = """{ "Host": "127.0.0.1" }""")
    {
        var devicesFile = directory.WriteFile($"{gatewayId}-devices.json", """
            { "devices": [
              { "id": "aq-000", "type": "air-quality", "location": { "lat": 52.5, "lon": 13.4, "district": "north" } }
            ] }
            """);
        var config = directory.WriteFile($"{gatewayId}.json", $$"""
            {
              "Gateway": { "Id": "{{gatewayId}}" },
              "Mqtt": {{mqtt}},
              "Context": { "RegistryPath": "{{directory.File($"{gatewayId}-registry.db")}}", "DevicesFile": "{{devicesFile}}" },
              "Buffer": { "Path": "{{directory.File($"{gatewayId}-buffer.db")}}" },
              "Kafka": { "BootstrapServers": "{{bootstrapServers}}", "Topic": "edge.readings.{{gatewayId}}", "Linger": "5ms" },
              "Mcp": {
                "Tokens": {{TokensJson}},
                "Kafka": { "Enabled": true, "ControlTopic": "{{control}}", "ReplyTopic": "{{replies}}", "FetchWait": "5ms" }
              }
            }
            """);
        var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains("MCP over Kafka listening on control topic", StringComparison.Ordinal), $"{gatewayId} follows the control topic", cancellationToken: cancellationToken);
        return gateway;
    }
}
