using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using static EdgeGateway.Tests.Operations.McpTestSupport;

namespace EdgeGateway.Tests.Operations;

/// <summary>
/// The gateway as a real process with MCP over Streamable HTTP on a free loopback port, driven by the
/// SDK's own client: every tool, a context change reaching Kafka, scopes, 401, Origin, bad arguments.
/// </summary>
public sealed class McpHttpEndToEndTests : LoggedTest
{
    private const string MqttPassword = "s3cret-mqtt-pa55";
    private readonly TempDirectory _directory = TempDirectory.Create("mcp-http");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Every_tool_works_over_HTTP_and_a_context_change_reaches_the_next_batch_in_Kafka()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Username = "gateway", Password = MqttPassword }, CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        var port = FreePort.Tcp();
        var config = WriteConfiguration(port, broker, kafka.BootstrapServers, topic);
        await using var gateway = await StartGatewayAsync(config, waitForMqtt: true);
        await using var client = await ConnectHttpAsync(port, OperatorToken, LoggerFactory, protocolVersion: null, CancellationToken);

        var tools = await client.ListToolsAsync(cancellationToken: CancellationToken);
        Assert.Equal(
            [
                "add_source", "apply_config", "get_buffer_statistics", "get_config", "get_dead_letter", "get_device", "get_recent_readings", "get_status",
                "list_config_versions", "list_dead_letters", "list_devices", "list_sources", "pause_forwarding", "pause_source", "purge_dead_letters", "remove_device",
                "remove_source", "replay_dead_letters", "resume_forwarding", "resume_source", "rollback_config", "set_sampling_interval", "upsert_device", "validate_config",
            ],
            tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.All(tools, t => Assert.False(string.IsNullOrWhiteSpace(t.Description), $"{t.Name} has no description"));
        var upsertSchema = tools.Single(t => t.Name == "upsert_device").JsonSchema;
        Assert.Contains("lat and lon", upsertSchema.ToString(), StringComparison.Ordinal);

        var status = await CallAsync(client, "get_status", cancellationToken: CancellationToken);
        Assert.True(status.GetProperty("live").GetBoolean());
        Assert.Equal("gw-mcp", status.GetProperty("status").GetProperty("gatewayId").GetString());

        var list = await CallAsync(client, "list_devices", """{ "district": "north" }""", CancellationToken);
        Assert.Equal(2, list.GetProperty("matching").GetInt32());
        Assert.Equal(["aq-000", "aq-001"], list.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("id").GetString()));

        var device = await CallAsync(client, "get_device", """{ "id": "aq-000" }""", CancellationToken);
        Assert.Equal(1, device.GetProperty("revision").GetInt64());

        // Readings carry revision 1; after the change, the next batch carries revision 2.
        await using var sensors = await TestMqttClients.ConnectAsync(TestMqttClients.Options(broker, LoggerFactory), CancellationToken);
        await PublishAsync(sensors, "aq-000", """{"seq":1,"ts":1795341600000,"pm25":10.5}""");
        Assert.Equal(1, await RevisionInKafkaAsync(kafka, topic, seq: 1));

        var upsert = await CallAsync(
            client,
            "upsert_device",
            """{ "id": "aq-000", "type": "air-quality", "owner": "city-environment", "location": { "lat": 52.5, "lon": 13.4, "district": "north" }, "metrics": { "pm2_5": { "unit": "ug/m3", "calibration": { "scale": 2 } } } }""",
            CancellationToken);
        Assert.True(upsert.GetProperty("changed").GetBoolean());
        Assert.Equal(1, upsert.GetProperty("previousRevision").GetInt64());
        Assert.Equal(2, upsert.GetProperty("device").GetProperty("revision").GetInt64());

        await PublishAsync(sensors, "aq-000", """{"seq":2,"ts":1795341601000,"pm25":10.5}""");
        Assert.Equal(2, await RevisionInKafkaAsync(kafka, topic, seq: 2));

        // Invalid arguments: a tool error naming the field, and nothing changed.
        var invalid = await FailAsync(client, "upsert_device", """{ "id": "aq-000", "type": "air-quality", "location": { "lat": 123, "lon": 13.4 } }""", CancellationToken);
        Assert.Equal("location: latitude must be within -90..90.", invalid);
        var badInterval = await FailAsync(client, "upsert_device", """{ "id": "aq-000", "type": "air-quality", "metrics": { "pm2_5": { "samplingInterval": "often" } } }""", CancellationToken);
        Assert.StartsWith("metrics.pm2_5.samplingInterval: 'often' is not a duration", badInterval, StringComparison.Ordinal);
        var badId = await FailAsync(client, "get_device", """{ "id": "no such device" }""", CancellationToken);
        Assert.StartsWith("id: character ' ' is not allowed", badId, StringComparison.Ordinal);
        var unknown = await FailAsync(client, "get_device", """{ "id": "aq-999" }""", CancellationToken);
        Assert.Equal("id: device 'aq-999' is not in the registry", unknown);
        var badLimit = await FailAsync(client, "list_devices", """{ "limit": 0 }""", CancellationToken);
        Assert.Equal("limit: 0 is out of range (1 to 500)", badLimit);
        var unchanged = await CallAsync(client, "get_device", """{ "id": "aq-000" }""", CancellationToken);
        Assert.Equal(2, unchanged.GetProperty("revision").GetInt64());
        Assert.Equal("city-environment", unchanged.GetProperty("owner").GetString());
        var old = await CallAsync(client, "get_device", """{ "id": "aq-000", "revision": 1 }""", CancellationToken);
        Assert.False(old.TryGetProperty("owner", out _));

        var removed = await CallAsync(client, "remove_device", """{ "id": "aq-001" }""", CancellationToken);
        Assert.True(removed.GetProperty("removed").GetBoolean());
        Assert.Equal(1, (await CallAsync(client, "list_devices", cancellationToken: CancellationToken)).GetProperty("total").GetInt32());

        // Dead letters: a malformed message, its payload as text and base64.
        const string Malformed = """{"seq":""";
        await PublishAsync(sensors, "aq-000", Malformed);
        JsonElement letters = default;
        await Eventually.TrueAsync(
            async ct => (letters = await CallAsync(client, "list_dead_letters", cancellationToken: ct)).GetProperty("deadLetters").GetArrayLength() == 1,
            "the malformed message is dead-lettered",
            cancellationToken: CancellationToken);
        var letterId = letters.GetProperty("deadLetters")[0].GetProperty("id").GetInt64();
        var letter = await CallAsync(client, "get_dead_letter", $$"""{ "id": {{letterId}} }""", CancellationToken);
        Assert.Equal(Malformed, letter.GetProperty("payloadText").GetString());
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes(Malformed)), letter.GetProperty("payloadBase64").GetString());
        Assert.Equal("city/north/aq/aq-000", letter.GetProperty("summary").GetProperty("channel").GetString());

        // Pause: a new reading stays in the buffer; resume: it reaches Kafka.
        var paused = await CallAsync(client, "pause_forwarding", """{ "reason": "uplink maintenance" }""", CancellationToken);
        Assert.True(paused.GetProperty("paused").GetBoolean() && paused.GetProperty("changed").GetBoolean());
        await PublishAsync(sensors, "aq-000", """{"seq":3,"ts":1795341602000,"pm25":10.5}""");
        await Eventually.TrueAsync(
            async ct =>
            {
                var stats = await CallAsync(client, "get_buffer_statistics", cancellationToken: ct);
                return stats.GetProperty("forwardingPaused").GetBoolean() && stats.GetProperty("buffer").GetProperty("rows").GetInt64() == 1;
            },
            "the reading waits in the buffer while forwarding is paused",
            cancellationToken: CancellationToken);
        var resumed = await CallAsync(client, "resume_forwarding", cancellationToken: CancellationToken);
        Assert.False(resumed.GetProperty("paused").GetBoolean());
        Assert.Equal(2, await RevisionInKafkaAsync(kafka, topic, seq: 3));

        // Configuration: secrets redacted.
        var configResult = await CallAsync(client, "get_config", cancellationToken: CancellationToken);
        var rawConfig = configResult.GetRawText();
        Assert.DoesNotContain(MqttPassword, rawConfig, StringComparison.Ordinal);
        Assert.DoesNotContain(EdgeGateway.Operations.McpTokenAuthenticator.Hash(OperatorToken), rawConfig, StringComparison.Ordinal);
        Assert.Equal("***", configResult.GetProperty("configuration").GetProperty("Mqtt").GetProperty("Password").GetString());
        Assert.Equal("gateway", configResult.GetProperty("configuration").GetProperty("Mqtt").GetProperty("Username").GetString());
        Assert.Contains("Mqtt:Password", configResult.GetProperty("redacted").EnumerateArray().Select(e => e.GetString()));

        // Every change is audited with who and what; no secret reaches the log.
        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        var output = gateway.AllOutput;
        Assert.Contains("ops-laptop upsert_device aq-000: revision 1 -> 2", output, StringComparison.Ordinal);
        Assert.Contains("ops-laptop remove_device aq-001", output, StringComparison.Ordinal);
        Assert.Contains("ops-laptop pause_forwarding kafka: paused (uplink maintenance)", output, StringComparison.Ordinal);
        Assert.Contains("ops-laptop resume_forwarding kafka: resumed", output, StringComparison.Ordinal);
        Assert.DoesNotContain(MqttPassword, output, StringComparison.Ordinal);
        Assert.DoesNotContain(OperatorToken, output, StringComparison.Ordinal);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
    }

    [Fact]
    public async Task HTTP_refuses_missing_and_wrong_tokens_foreign_origins_and_a_read_token_cannot_change_a_device()
    {
        var port = FreePort.Tcp();
        var config = WriteConfiguration(port, broker: null, bootstrapServers: string.Empty, topic: "edge.readings");
        await using var gateway = await StartGatewayAsync(config, waitForMqtt: false);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        using (var response = await http.SendAsync(Post(token: null), CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        }

        using (var response = await http.SendAsync(Post(token: "not-a-token"), CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        using (var request = Post(OperatorToken))
        {
            request.Headers.Add("Origin", "http://evil.example");
            using var response = await http.SendAsync(request, CancellationToken);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var request = Post(OperatorToken))
        {
            request.Headers.Add("Origin", "https://ops.example.city");
            using var response = await http.SendAsync(request, CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("get_status", await response.Content.ReadAsStringAsync(CancellationToken), StringComparison.Ordinal);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/mcp"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
            using var response = await http.SendAsync(request, CancellationToken);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        }

        var noToken = await Assert.ThrowsAnyAsync<Exception>(() => ConnectHttpAsync(port, token: null, NullLoggerFactory.Instance, protocolVersion: null, CancellationToken));
        Assert.Contains("401", noToken.ToString(), StringComparison.Ordinal);

        // The classic handshake (2025-11-25) works too; a read token sees and may call only read tools.
        await using var reader = await ConnectHttpAsync(port, ReaderToken, LoggerFactory, protocolVersion: "2025-11-25", CancellationToken);
        var visible = (await reader.ListToolsAsync(cancellationToken: CancellationToken)).Select(t => t.Name).ToList();
        Assert.Contains("list_devices", visible);
        Assert.DoesNotContain("upsert_device", visible);
        var refused = await reader.CallToolAsync("upsert_device", Args("""{ "id": "aq-000", "type": "hacked" }"""), cancellationToken: CancellationToken);
        Assert.True(refused.IsError);
        Assert.Contains("needs scope 'operate'", Text(refused), StringComparison.Ordinal);
        var device = await CallAsync(reader, "get_device", """{ "id": "aq-000" }""", CancellationToken);
        Assert.Equal("air-quality", device.GetProperty("type").GetString());
        Assert.Equal(1, device.GetProperty("revision").GetInt64());

        // Resources need read and show the registry.
        var resource = await reader.ReadResourceAsync("gateway://devices/aq-000", cancellationToken: CancellationToken);
        Assert.Contains("\"aq-000\"", string.Join('\n', resource.Contents.OfType<ModelContextProtocol.Protocol.TextResourceContents>().Select(c => c.Text)), StringComparison.Ordinal);

        await Eventually.TrueAsync(
            () => gateway.AllOutput.Contains("dashboard was refused upsert_device: needs scope 'operate'", StringComparison.Ordinal),
            "the refusal is audited",
            cancellationToken: CancellationToken);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
    }

    private static HttpRequestMessage Post(string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private static async Task PublishAsync(MqttClient sensors, string device, string payload) =>
        await Eventually.WithinAsync(sensors.PublishAsync($"city/north/aq/{device}", payload, MqttQualityOfService.AtLeastOnce, cancellationToken: CancellationToken), "the publish");

    /// <summary>The context revision the batch carrying reading <paramref name="seq"/> of aq-000 names.</summary>
    private static async Task<long> RevisionInKafkaAsync(KafkaFixture kafka, string topic, long seq)
    {
        long? revision = null;
        await Eventually.TrueAsync(
            async ct =>
            {
                foreach (var record in await kafka.ReadAvailableAsync(topic, cancellationToken: ct))
                {
                    var arguments = JsonDocument.Parse(record.Value!).RootElement.GetProperty("params").GetProperty("arguments");
                    if (arguments.GetProperty("readings").EnumerateArray().Any(r => r.GetProperty("d").GetString() == "aq-000" && r.GetProperty("s").GetInt64() == seq))
                    {
                        revision = arguments.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("id").GetString() == "aq-000").GetProperty("revision").GetInt64();
                    }
                }

                return revision is not null;
            },
            $"reading {seq} of aq-000 is in Kafka",
            TimeSpan.FromSeconds(60),
            CancellationToken);
        return revision!.Value;
    }

    private static async Task<ExternalProcess> StartGatewayAsync(string config, bool waitForMqtt)
    {
        var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains("MCP over HTTP listening on", StringComparison.Ordinal), "the MCP endpoint listens", cancellationToken: CancellationToken);
        if (waitForMqtt)
        {
            await gateway.WaitForOutputAsync(line => line.Contains("Subscribed to city/+/aq/+", StringComparison.Ordinal), "the gateway subscribed", cancellationToken: CancellationToken);
        }

        return gateway;
    }

    private string WriteConfiguration(int mcpPort, MosquittoBroker? broker, string bootstrapServers, string topic)
    {
        var devicesFile = _directory.WriteFile("devices.json", """
            { "devices": [
              { "id": "aq-000", "type": "air-quality", "location": { "lat": 52.5, "lon": 13.4, "district": "north" } },
              { "id": "aq-001", "type": "air-quality", "location": { "lat": 52.6, "lon": 13.5, "district": "north" } }
            ] }
            """);
        var mqtt = broker is null
            ? """{ "Host": "127.0.0.1" }"""
            : $$"""
              {
                "Host": "127.0.0.1", "Port": {{broker.Port}}, "Username": "gateway", "Password": "{{MqttPassword}}",
                "Subscriptions": [ {
                  "Topic": "city/{district}/aq/{deviceId}", "QoS": 1,
                  "Decoder": { "Kind": "json", "Json": { "TimeField": "ts", "SequenceField": "seq", "Metrics": [ { "Field": "pm25", "Metric": "pm2_5" } ] } }
                } ]
              }
              """;
        return _directory.WriteFile("gateway.json", $$"""
            {
              "Gateway": { "Id": "gw-mcp" },
              "Mqtt": {{mqtt}},
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}", "DevicesFile": "{{devicesFile}}", "UnknownDevices": "reject" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Kafka": { "BootstrapServers": "{{bootstrapServers}}", "Topic": "{{topic}}", "Linger": "5ms" },
              "Mcp": {
                "Tokens": {{TokensJson}},
                "Http": { "Enabled": true, "Url": "http://127.0.0.1:{{mcpPort}}", "AllowedOrigins": [ "https://ops.example.city" ] }
              }
            }
            """);
    }
}
