using System.Text;
using System.Text.Json;
using EdgeGateway.Kafka.Mcp;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
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

        // Resource subscriptions (2025-11-25): a change of the device on gw-b is notified to the session on gw-b.
        var updates = new List<string>();
        var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (await clientB.SubscribeToResourceAsync(
            "gateway://devices/aq-000",
            (notification, _) =>
            {
                lock (updates)
                {
                    updates.Add(notification.Uri);
                }

                updated.TrySetResult(notification.Uri);
                return ValueTask.CompletedTask;
            },
            cancellationToken: CancellationToken))
        {
            await CallAsync(clientB, "upsert_device", """{ "id": "aq-000", "type": "air-quality", "owner": "on-b" }""", CancellationToken);
            Assert.Equal("gateway://devices/aq-000", await Eventually.WithinAsync(updated.Task, "the change is notified"));
        }

        lock (updates)
        {
            Assert.Equal(["gateway://devices/aq-000"], updates);
        }

        var badSubscription = await Assert.ThrowsAnyAsync<McpException>(() => clientB.SubscribeToResourceAsync("gateway://status", (_, _) => ValueTask.CompletedTask, cancellationToken: CancellationToken));
        Assert.Contains("sends no change notifications", badSubscription.Message, StringComparison.Ordinal);

        // Concurrent calls of both sessions interleave on the same topics without crossing.
        var calls = Enumerable.Range(0, 10).Select(async i =>
        {
            var client = i % 2 == 0 ? clientA : clientB;
            var status = await CallAsync(client, "get_status", cancellationToken: CancellationToken);
            return (Expected: i % 2 == 0 ? "gw-a" : "gw-b", Actual: status.GetProperty("status").GetProperty("gatewayId").GetString());
        });
        Assert.All(await Task.WhenAll(calls), c => Assert.Equal(c.Expected, c.Actual));

        // Round trips over the mock cluster (FetchWait 5 ms both ways), for the README's figure.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var times = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            clock.Restart();
            await CallAsync(clientA, "get_buffer_statistics", cancellationToken: CancellationToken);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        TestContext.Current.TestOutputHelper?.WriteLine($"get_buffer_statistics over Kafka: p50 {times[10]:0.0} ms, max {times[^1]:0.0} ms (20 calls)");
        Assert.All(times, t => Assert.True(t < TestTimeouts.Brief.TotalMilliseconds));

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

    [Fact]
    public async Task Over_Kafka_a_sampling_interval_reaches_a_simulated_device_recent_readings_show_and_dead_letters_replay_and_purge()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var control = kafka.CreateUniqueTopic("edge.mcp.control");
        var replies = kafka.CreateUniqueTopic("edge.mcp.replies");
        var mqtt = $$"""
            {
              "Host": "127.0.0.1", "Port": {{broker.Port}},
              "Subscriptions": [ {
                "Topic": "city/{district}/aq/{deviceId}", "QoS": 1,
                "Decoder": { "Kind": "json", "Json": { "TimeField": "ts", "SequenceField": "seq", "AllNumericFields": true } }
              } ]
            }
            """;
        await using var gateway = await StartGatewayAsync(_directory, "gw-ops", kafka.BootstrapServers, control, replies, CancellationToken, mqtt, unknownDevices: "reject");
        await gateway.WaitForOutputAsync(l => l.Contains("Subscribed to city/+/aq/+", StringComparison.Ordinal), "the gateway subscribed", cancellationToken: CancellationToken);
        await using var client = await ConnectKafkaAsync(kafka, "gw-ops", control, replies, OperatorToken, LoggerFactory, protocolVersion: null, CancellationToken);

        var scenario = _directory.WriteFile("scenario.json", """
            { "seed": 7, "devices": [ { "model": "aq", "count": 2, "interval": "1s", "district": "north" } ] }
            """);
        await using var subscriber = await MosquittoClients.StartSubscriberAsync(broker, "city/north/aq/+", qos: 1, count: 0, cancellationToken: CancellationToken);
        await using var simulator = DotNetPrograms.StartFirmwareSim(["--broker", $"127.0.0.1:{broker.Port}", "--scenario", scenario, "--progress", "0"]);

        // Invalid arguments: refused with the problem named, nothing sent.
        Assert.Equal("interval: 'often' is not a duration (e.g. 500ms, 5s, 10m)", await FailAsync(client, "set_sampling_interval", """{ "id": "aq-0001", "interval": "often" }""", CancellationToken));
        Assert.Equal("interval: 1ms is out of range (100ms to 1d)", await FailAsync(client, "set_sampling_interval", """{ "id": "aq-0001", "interval": "1ms" }""", CancellationToken));
        Assert.Equal("id: device 'aq-7777' is not in the registry and has sent nothing", await FailAsync(client, "set_sampling_interval", """{ "id": "aq-7777", "interval": "5s" }""", CancellationToken));

        // Once aq-0001 has published, the command goes to its command topic and the simulator obeys it.
        JsonElement command = default;
        await Eventually.TrueAsync(
            async ct =>
            {
                var result = await client.CallToolAsync("set_sampling_interval", Args("""{ "id": "aq-0001", "interval": "100ms", "reason": "incident" }"""), cancellationToken: ct);
                Assert.True(result.IsError is not true || Text(result).Contains("has sent no reading", StringComparison.Ordinal), Text(result));
                command = result.IsError is true ? default : JsonSerializer.SerializeToElement(result.StructuredContent);
                return result.IsError is not true;
            },
            "aq-0001 has published and the command is sent",
            cancellationToken: CancellationToken);
        Assert.Equal("city/north/aq/aq-0001/cmd", command.GetProperty("commandTopic").GetString());
        Assert.Equal("""{"samplingInterval":"100ms"}""", command.GetProperty("payload").GetString());
        Assert.True(command.GetProperty("contextChanged").GetBoolean());
        Assert.Equal(2, command.GetProperty("revision").GetInt64());
        await simulator.WaitForOutputAsync(l => l.Contains("aq-0001: command samplingInterval=100ms", StringComparison.Ordinal), "the simulator takes the command", cancellationToken: CancellationToken);
        var from = subscriber.Messages.Count;
        await Eventually.TrueAsync(
            () => subscriber.Messages.Skip(from).Count(l => l.StartsWith("city/north/aq/aq-0001 ", StringComparison.Ordinal)) >= 20,
            "aq-0001 sends ten times a second",
            cancellationToken: CancellationToken);
        var window = subscriber.Messages.Skip(from).Select(l => l.Split(' ')[0]).ToList();
        var (fast, slow) = (window.Count(t => t == "city/north/aq/aq-0001"), window.Count(t => t == "city/north/aq/aq-0002"));
        Assert.True(slow <= (fast / 5) + 1, $"aq-0001 sent {fast}, aq-0002 {slow} meanwhile");
        var context = await CallAsync(client, "get_device", """{ "id": "aq-0001" }""", CancellationToken);
        Assert.Equal("100ms", context.GetProperty("metrics").GetProperty("pm25").GetProperty("samplingInterval").GetString());

        // Recent readings: while forwarding is paused they stay in the buffer, newest first.
        await CallAsync(client, "pause_forwarding", cancellationToken: CancellationToken);
        JsonElement recent = default;
        await Eventually.TrueAsync(
            async ct => (recent = await CallAsync(client, "get_recent_readings", """{ "id": "aq-0001", "metric": "pm25", "limit": 5 }""", ct)).GetProperty("readings").GetArrayLength() == 5,
            "five pm25 readings of aq-0001 wait in the buffer",
            cancellationToken: CancellationToken);
        var readings = recent.GetProperty("readings").EnumerateArray().ToList();
        Assert.All(readings, r => Assert.Equal("pm25", r.GetProperty("metric").GetString()));
        Assert.All(readings, r => Assert.Equal(2, r.GetProperty("contextRevision").GetInt64()));
        Assert.True(recent.GetProperty("more").GetBoolean());
        var sequences = readings.Select(r => r.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.OrderDescending(), sequences);
        Assert.Equal("limit: 0 is out of range (1 to 500)", await FailAsync(client, "get_recent_readings", """{ "id": "aq-0001", "limit": 0 }""", CancellationToken));
        await CallAsync(client, "resume_forwarding", cancellationToken: CancellationToken);

        // Dead letters: an unknown device's reading replays once the device is added; a malformed one is purged.
        await MosquittoClients.PublishAsync(broker, "city/north/aq/aq-0900", """{"seq":1,"ts":1795341600000,"pm25":5}""", cancellationToken: CancellationToken);
        await MosquittoClients.PublishAsync(broker, "city/north/aq/aq-0901", """{"seq":""", cancellationToken: CancellationToken);
        JsonElement letters = default;
        await Eventually.TrueAsync(
            async ct => (letters = await CallAsync(client, "list_dead_letters", cancellationToken: ct)).GetProperty("deadLetters").GetArrayLength() == 2,
            "both messages are dead-lettered",
            cancellationToken: CancellationToken);
        var unknownId = letters.GetProperty("deadLetters").EnumerateArray().Single(d => d.GetProperty("reason").GetString() == "unknown-device").GetProperty("id").GetInt64();
        var malformedId = letters.GetProperty("deadLetters").EnumerateArray().Single(d => d.GetProperty("reason").GetString() != "unknown-device").GetProperty("id").GetInt64();

        Assert.Equal("give exactly one of: ids, reason", await FailAsync(client, "replay_dead_letters", cancellationToken: CancellationToken));
        var stillUnknown = await CallAsync(client, "replay_dead_letters", """{ "reason": "unknown-device" }""", CancellationToken);
        Assert.Equal(0, stillUnknown.GetProperty("replayed").GetInt32());
        Assert.Contains("aq-0900' is still not in the registry", stillUnknown.GetProperty("items")[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
        await CallAsync(client, "upsert_device", """{ "id": "aq-0900", "type": "air-quality" }""", CancellationToken);
        var replay = await CallAsync(client, "replay_dead_letters", $$"""{ "ids": [ {{unknownId}}, {{malformedId}} ] }""", CancellationToken);
        Assert.True(replay.GetProperty("replayed").GetInt32() == 1, replay.GetRawText());
        Assert.Equal(1, replay.GetProperty("failed").GetInt32());
        Assert.Equal("replayed", replay.GetProperty("items")[0].GetProperty("outcome").GetString());
        Assert.Equal(1, replay.GetProperty("items")[0].GetProperty("readings").GetInt32());
        await Eventually.TrueAsync(
            async ct => (await kafka.ReadAvailableAsync("edge.readings.gw-ops", cancellationToken: ct))
                .Any(r => Encoding.UTF8.GetString(r.Value!).Contains("\"aq-0900\"", StringComparison.Ordinal)),
            "the replayed reading reaches Kafka",
            cancellationToken: CancellationToken);

        Assert.Equal("give exactly one of: ids, reason, all: true", await FailAsync(client, "purge_dead_letters", cancellationToken: CancellationToken));
        var purge = await CallAsync(client, "purge_dead_letters", $$"""{ "ids": [ {{malformedId}}, 99999 ] }""", CancellationToken);
        Assert.Equal(1, purge.GetProperty("purged").GetInt32());
        Assert.Equal([99999L], purge.GetProperty("notFound").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(0, purge.GetProperty("remaining").GetInt64());

        // A read token cannot purge.
        await using var reader = await ConnectKafkaAsync(kafka, "gw-ops", control, replies, ReaderToken, LoggerFactory, protocolVersion: null, CancellationToken);
        Assert.Contains("needs scope 'admin'", await FailAsync(reader, "purge_dead_letters", """{ "all": true }""", CancellationToken), StringComparison.Ordinal);

        simulator.Terminate();
        await simulator.WaitForExitAsync(cancellationToken: CancellationToken);
        await Eventually.TrueAsync(
            () => gateway.AllOutput.Contains("ops-laptop set_sampling_interval aq-0001: 100ms published on city/north/aq/aq-0001/cmd, context revision 1 -> 2 (incident)", StringComparison.Ordinal)
                && gateway.AllOutput.Contains("ops-laptop replay_dead_letters", StringComparison.Ordinal)
                && gateway.AllOutput.Contains("ops-laptop purge_dead_letters 2 ids: 1 deleted", StringComparison.Ordinal),
            "the changes are audited",
            cancellationToken: CancellationToken);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
    }

    [Fact]
    public async Task A_gateway_that_starts_while_Kafka_is_down_serves_MCP_over_Kafka_once_the_brokers_are_back()
    {
        await using var kafka = KafkaFixture.Start();
        var control = kafka.CreateUniqueTopic("edge.mcp.control");
        var replies = kafka.CreateUniqueTopic("edge.mcp.replies");
        kafka.Cluster.SetBrokerDown(1);
        await using var gateway = await StartGatewayAsync(_directory, "gw-late", kafka.BootstrapServers, control, replies, CancellationToken, waitFor: "MCP over Kafka waits for the brokers");

        kafka.Cluster.SetBrokerUp(1);
        await gateway.WaitForOutputAsync(l => l.Contains("MCP over Kafka listening on control topic", StringComparison.Ordinal), "the gateway follows the control topic once Kafka is back", TimeSpan.FromSeconds(90), CancellationToken);
        await using var client = await ConnectKafkaAsync(kafka, "gw-late", control, replies, ReaderToken, LoggerFactory, protocolVersion: null, CancellationToken);
        var status = await CallAsync(client, "get_status", cancellationToken: CancellationToken);
        Assert.Equal("gw-late", status.GetProperty("status").GetProperty("gatewayId").GetString());
        DotNetPrograms.AssertNoErrorLogLines(gateway);
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
        string mqtt = """{ "Host": "127.0.0.1" }""",
        string unknownDevices = "register",
        string waitFor = "MCP over Kafka listening on control topic")
    {
        var devicesFile = directory.WriteFile($"{gatewayId}-devices.json", """
            { "devices": [
              { "id": "aq-000", "type": "air-quality", "location": { "lat": 52.5, "lon": 13.4, "district": "north" } },
              { "id": "aq-0001", "type": "air-quality", "metrics": { "pm25": { "unit": "ug/m3", "samplingInterval": "1s" } } },
              { "id": "aq-0002", "type": "air-quality" }
            ] }
            """);
        var config = directory.WriteFile($"{gatewayId}.json", $$"""
            {
              "Gateway": { "Id": "{{gatewayId}}" },
              "Mqtt": {{mqtt}},
              "Context": { "RegistryPath": "{{directory.File($"{gatewayId}-registry.db")}}", "DevicesFile": "{{devicesFile}}", "UnknownDevices": "{{unknownDevices}}" },
              "Buffer": { "Path": "{{directory.File($"{gatewayId}-buffer.db")}}" },
              "Kafka": { "BootstrapServers": "{{bootstrapServers}}", "Topic": "edge.readings.{{gatewayId}}", "Linger": "5ms" },
              "Mcp": {
                "Tokens": {{TokensJson}},
                "Kafka": { "Enabled": true, "ControlTopic": "{{control}}", "ReplyTopic": "{{replies}}", "FetchWait": "5ms" }
              }
            }
            """);
        var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains(waitFor, StringComparison.Ordinal), $"{gatewayId} logs '{waitFor}'", cancellationToken: cancellationToken);
        return gateway;
    }
}
