using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Serial;
using EdgeGateway.Testing.Waiting;
using Xunit;
using static EdgeGateway.Tests.Operations.McpTestSupport;

namespace EdgeGateway.Tests.Operations;

/// <summary>
/// The configuration lifecycle and the source tools on the real gateway process, over Streamable HTTP with
/// the SDK's client: a change applied live reaches Kafka without a restart, invalid, stale and
/// restart-only changes are refused and change nothing, a failing apply rolls back by itself, rollback
/// restores the previous behaviour, and versions persist across a restart.
/// </summary>
public sealed class McpConfigurationTests : LoggedTest
{
    private const string MqttPassword = "s3cret-mqtt-pa55";
    private const string AqTopic = "city/{district}/aq/{deviceId}";
    private const string NoiseTopic = "city/{district}/noise/{deviceId}";
    private readonly TempDirectory _directory = TempDirectory.Create("mcp-config");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_config_applied_live_adds_a_source_without_a_restart_and_rollback_restores_the_previous_behaviour()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Username = "gateway", Password = MqttPassword }, CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        var port = FreePort.Tcp();
        var config = WriteConfiguration(port, broker, kafka.BootstrapServers, topic, withPassword: true, unknownDevices: "reject");
        await using var gateway = await StartGatewayAsync(config);
        await using var admin = await ConnectHttpAsync(port, OperatorToken, LoggerFactory, protocolVersion: null, CancellationToken);
        await using var reader = await ConnectHttpAsync(port, ReaderToken, LoggerFactory, protocolVersion: null, CancellationToken);
        await using var sensors = await TestMqttClients.ConnectAsync(TestMqttClients.Options(broker, LoggerFactory), CancellationToken);

        var before = (await CallAsync(admin, "get_status", cancellationToken: CancellationToken)).GetProperty("status");
        var current = await CallAsync(admin, "get_config", cancellationToken: CancellationToken);
        Assert.Equal(0, current.GetProperty("version").GetInt64());

        // Invalid: every offending key named, nothing changed.
        const string BadPatch = """{ "Mqtt": { "Subscriptions": [ { "Topic": "city/#/bad", "Decoder": { "Kind": "json", "Json": { "Metrics": [ { "Field": "v", "Metric": "v" } ] } } } ] }, "Kafka": { "MaxReadingsPerSecond": -5 } }""";
        var validation = await CallAsync(admin, "validate_config", $$"""{ "patch": {{BadPatch}} }""", CancellationToken);
        Assert.False(validation.GetProperty("valid").GetBoolean());
        var errorKeys = validation.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("key").GetString()).ToList();
        Assert.Contains("Mqtt:Subscriptions:0:Topic", errorKeys);
        Assert.Contains("Kafka:MaxReadingsPerSecond", errorKeys);
        var invalid = await FailAsync(admin, "apply_config", $$"""{ "baseVersion": 0, "patch": {{BadPatch}} }""", CancellationToken);
        Assert.Contains("Mqtt:Subscriptions:0:Topic: ", invalid, StringComparison.Ordinal);
        Assert.Contains("Kafka:MaxReadingsPerSecond: -5 is out of range", invalid, StringComparison.Ordinal);

        // Keys that cannot change while running are refused, not half-applied.
        var restart = await FailAsync(admin, "apply_config", """{ "baseVersion": 0, "patch": { "Mqtt": { "Port": 1 } } }""", CancellationToken);
        Assert.StartsWith("needs a restart: Mqtt:Port", restart, StringComparison.Ordinal);
        var planned = await CallAsync(admin, "validate_config", """{ "patch": { "Buffer": { "MaxAge": "2d" }, "Context": { "UnknownDevices": "accept" } } }""", CancellationToken);
        Assert.True(planned.GetProperty("valid").GetBoolean());
        Assert.Equal(["Buffer:MaxAge"], planned.GetProperty("needsRestart").EnumerateArray().Select(k => k.GetString()));

        // A read token can look but not apply.
        var forbidden = await FailAsync(reader, "apply_config", """{ "baseVersion": 0, "patch": { "Context": { "UnknownDevices": "accept" } } }""", CancellationToken);
        Assert.Contains("needs scope 'admin'", forbidden, StringComparison.Ordinal);

        // The whole document as get_config shows it (password masked), with a noise subscription added and unknown devices registered.
        var document = current.GetProperty("configuration").Deserialize<JsonObject>()!;
        document["Mqtt"]!["Subscriptions"]!.AsArray().Add(NoiseSubscription());
        document["Context"]!["UnknownDevices"] = "register";
        var applied = await CallAsync(
            admin,
            "apply_config",
            new JsonObject { ["baseVersion"] = 0, ["document"] = document, ["reason"] = "noise sensors on Main St" }.ToJsonString(),
            CancellationToken);
        Assert.True(applied.GetProperty("applied").GetBoolean());
        Assert.Equal(1, applied.GetProperty("version").GetInt64());
        Assert.Equal(["Context:UnknownDevices", "Mqtt:Subscriptions"], applied.GetProperty("changedKeys").EnumerateArray().Select(k => k.GetString()).Order(StringComparer.Ordinal));

        var stale = await FailAsync(admin, "apply_config", """{ "baseVersion": 0, "patch": { "Kafka": { "MaxReadingsPerSecond": 100 } } }""", CancellationToken);
        Assert.StartsWith("baseVersion: stale: the gateway is at configuration version 1", stale, StringComparison.Ordinal);

        // Readings of the new source reach Kafka; the old source still works; same process, never restarted.
        await PublishAsync(sensors, "city/north/noise/noise-1", """{"seq":1,"db":55.5}""");
        await PublishAsync(sensors, "city/north/aq/aq-000", """{"seq":1,"pm25":10.5}""");
        await WaitForReadingAsync(kafka, topic, "noise-1", 1);
        await WaitForReadingAsync(kafka, topic, "aq-000", 1);
        var after = (await CallAsync(admin, "get_status", cancellationToken: CancellationToken)).GetProperty("status");
        Assert.Equal(gateway.Pid, after.GetProperty("processId").GetInt32());
        Assert.Equal(before.GetProperty("startedAt").GetDateTimeOffset(), after.GetProperty("startedAt").GetDateTimeOffset());
        Assert.Equal(2, after.GetProperty("sources").GetProperty("mqtt").GetProperty("subscriptions").GetInt32());

        var shown = await CallAsync(admin, "get_config", cancellationToken: CancellationToken);
        Assert.Equal(1, shown.GetProperty("version").GetInt64());
        Assert.Equal("***", shown.GetProperty("configuration").GetProperty("Mqtt").GetProperty("Password").GetString());

        // Two operators change version 1 at once: one change wins, the other is refused as stale.
        var racing = await Task.WhenAll(
            admin.CallToolAsync("apply_config", Args("""{ "baseVersion": 1, "patch": { "Kafka": { "MaxReadingsPerSecond": 100 } } }"""), cancellationToken: CancellationToken).AsTask(),
            admin.CallToolAsync("apply_config", Args("""{ "baseVersion": 1, "patch": { "Kafka": { "MaxReadingsPerSecond": 200 } } }"""), cancellationToken: CancellationToken).AsTask());
        Assert.Single(racing, r => r.IsError is not true);
        Assert.Contains("stale", Text(Assert.Single(racing, r => r.IsError is true)), StringComparison.Ordinal);

        // Roll back to the file: the noise subscription is gone again (the aq reading published after it arrives, it does not).
        var rolledBack = await CallAsync(admin, "rollback_config", """{ "version": 0, "baseVersion": 2, "reason": "wrong district" }""", CancellationToken);
        Assert.Equal(3, rolledBack.GetProperty("version").GetInt64());
        Assert.Contains("Kafka:MaxReadingsPerSecond", rolledBack.GetProperty("changedKeys").EnumerateArray().Select(k => k.GetString()));
        await PublishAsync(sensors, "city/north/noise/noise-1", """{"seq":2,"db":56.5}""");
        await PublishAsync(sensors, "city/north/aq/aq-000", """{"seq":2,"pm25":11.5}""");
        await WaitForReadingAsync(kafka, topic, "aq-000", 2);
        Assert.DoesNotContain(("noise-1", 2L), await ReadingsAsync(kafka, topic, CancellationToken));

        var versions = await CallAsync(reader, "list_config_versions", """{ "includeOverlays": true }""", CancellationToken);
        Assert.Equal(3, versions.GetProperty("currentVersion").GetInt64());
        Assert.Equal([3L, 2L, 1L, 0L], versions.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt64()));
        Assert.Equal(["rollback_config", "apply_config", "apply_config", "file"], versions.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("action").GetString()));
        var first = versions.GetProperty("versions")[2];
        Assert.Equal("ops-laptop", first.GetProperty("author").GetString());
        Assert.Equal("noise sensors on Main St", first.GetProperty("reason").GetString());
        Assert.Equal(NoiseTopic, first.GetProperty("overlay").GetProperty("Mqtt").GetProperty("Subscriptions")[1].GetProperty("Topic").GetString());
        Assert.False(first.GetProperty("overlay").GetProperty("Mqtt").TryGetProperty("Password", out _));
        Assert.DoesNotContain(MqttPassword, versions.GetRawText(), StringComparison.Ordinal);
        var resource = await reader.ReadResourceAsync("gateway://config", cancellationToken: CancellationToken);
        var configText = Assert.IsType<ModelContextProtocol.Protocol.TextResourceContents>(Assert.Single(resource.Contents)).Text;
        Assert.Equal(3, JsonDocument.Parse(configText).RootElement.GetProperty("version").GetInt64());
        Assert.DoesNotContain(MqttPassword, configText, StringComparison.Ordinal);

        // The command line shows the same effective configuration, redacted.
        var shownByCli = await DotNetPrograms.RunGatewayAsync(["config", "show", "--config", config], cancellationToken: CancellationToken);
        Assert.Equal(0, shownByCli.ExitCode);
        var cliDocument = JsonDocument.Parse(shownByCli.StandardOutput).RootElement;
        Assert.Equal(3, cliDocument.GetProperty("version").GetInt64());
        Assert.Equal("***", cliDocument.GetProperty("configuration").GetProperty("Mqtt").GetProperty("Password").GetString());
        Assert.DoesNotContain(MqttPassword, shownByCli.StandardOutput, StringComparison.Ordinal);

        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        var output = gateway.AllOutput;
        Assert.Contains("ops-laptop apply_config configuration version 1: from version 0: ", output, StringComparison.Ordinal);
        Assert.Contains("ops-laptop rollback_config configuration version 3: from version 2: ", output, StringComparison.Ordinal);
        Assert.Contains("dashboard was refused apply_config: needs scope 'admin'", output, StringComparison.Ordinal);
        Assert.DoesNotContain(MqttPassword, output, StringComparison.Ordinal);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
    }

    [Fact]
    public async Task Source_tools_add_pause_resume_and_remove_live_a_refused_subscription_rolls_back_and_versions_survive_a_restart()
    {
        // The broker refuses subscriptions to private/# (SUBACK 0x87, not authorized): mosquitto's plain acl_file
        // does not check subscriptions, its dynamic security plugin does.
        var dynamicSecurity = _directory.WriteFile("dynamic-security.json", """
            {
              "defaultACLAccess": { "publishClientSend": true, "publishClientReceive": true, "subscribe": true, "unsubscribe": true },
              "clients": [],
              "groups": [ { "groupname": "anonymous", "roles": [ { "rolename": "no-private" } ] } ],
              "roles": [ { "rolename": "no-private", "acls": [ { "acltype": "subscribePattern", "topic": "private/#", "priority": 0, "allow": false } ] } ],
              "anonymousGroup": "anonymous"
            }
            """);
        await using var broker = await MosquittoBroker.StartAsync(
            new MosquittoOptions { ExtraConfig = [$"plugin {DynamicSecurityPlugin()}", $"plugin_opt_config_file {dynamicSecurity}"] },
            CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        var port = FreePort.Tcp();
        var config = WriteConfiguration(port, broker, kafka.BootstrapServers, topic, withPassword: false, unknownDevices: "register");
        var gateway = await StartGatewayAsync(config);
        try
        {
            await using var sensors = await TestMqttClients.ConnectAsync(TestMqttClients.Options(broker, LoggerFactory), CancellationToken);
            await using (var client = await ConnectHttpAsync(port, OperatorToken, LoggerFactory, protocolVersion: null, CancellationToken))
            {
                var listed = await CallAsync(client, "list_sources", cancellationToken: CancellationToken);
                var only = Assert.Single(listed.GetProperty("sources").EnumerateArray());
                Assert.Equal($"mqtt:{AqTopic}", only.GetProperty("id").GetString());
                Assert.Equal("subscribed", only.GetProperty("state").GetString());
                Assert.Equal(["mqtt", "serial", "gpio"], listed.GetProperty("kinds").EnumerateArray().Select(k => k.GetString()));

                var added = await CallAsync(client, "add_source", new JsonObject { ["kind"] = "mqtt", ["definition"] = NoiseSubscription(), ["baseVersion"] = 0 }.ToJsonString(), CancellationToken);
                Assert.Equal(1, added.GetProperty("change").GetProperty("version").GetInt64());
                Assert.Equal("subscribed", added.GetProperty("source").GetProperty("state").GetString());
                await PublishAsync(sensors, "city/north/noise/noise-1", """{"seq":1,"db":55.5}""");
                await WaitForReadingAsync(kafka, topic, "noise-1", 1);

                // The broker refuses the subscription: the change is undone by itself and nothing is stored.
                var refused = await FailAsync(
                    client,
                    "add_source",
                    """{ "kind": "mqtt", "definition": { "Topic": "private/{deviceId}", "Decoder": { "Kind": "json", "Json": { "Metrics": [ { "Field": "v", "Metric": "v" } ] } } } }""",
                    CancellationToken);
                Assert.Contains("applying failed in MQTT subscriptions: the broker refused the subscription to private/+", refused, StringComparison.Ordinal);
                Assert.Contains("rolled back automatically to version 1", refused, StringComparison.Ordinal);
                Assert.Equal(1, (await CallAsync(client, "list_config_versions", cancellationToken: CancellationToken)).GetProperty("currentVersion").GetInt64());
                Assert.Equal(2, (await CallAsync(client, "list_sources", cancellationToken: CancellationToken)).GetProperty("sources").GetArrayLength());
                await PublishAsync(sensors, "city/north/noise/noise-1", """{"seq":2,"db":55.5}""");
                await WaitForReadingAsync(kafka, topic, "noise-1", 2);

                Assert.Contains("exists already", await FailAsync(client, "add_source", new JsonObject { ["kind"] = "mqtt", ["definition"] = NoiseSubscription() }.ToJsonString(), CancellationToken), StringComparison.Ordinal);
                Assert.StartsWith("kind: 'modbus' is not one of: mqtt, serial, gpio", await FailAsync(client, "add_source", """{ "kind": "modbus", "definition": {} }""", CancellationToken), StringComparison.Ordinal);
                Assert.StartsWith("id: there is no source 'mqtt:nope'", await FailAsync(client, "pause_source", """{ "id": "mqtt:nope" }""", CancellationToken), StringComparison.Ordinal);

                // Paused: not subscribed, so its readings do not arrive (the aq reading published after it does); resumed: they do.
                var paused = await CallAsync(client, "pause_source", $$"""{ "id": "mqtt:{{NoiseTopic}}", "reason": "sensor being serviced" }""", CancellationToken);
                Assert.Equal(2, paused.GetProperty("change").GetProperty("version").GetInt64());
                Assert.False(paused.GetProperty("source").GetProperty("enabled").GetBoolean());
                Assert.Equal("paused", paused.GetProperty("source").GetProperty("state").GetString());
                await PublishAsync(sensors, "city/north/noise/noise-1", """{"seq":3,"db":55.5}""");
                await PublishAsync(sensors, "city/north/aq/aq-000", """{"seq":1,"pm25":10.5}""");
                await WaitForReadingAsync(kafka, topic, "aq-000", 1);
                Assert.DoesNotContain(("noise-1", 3L), await ReadingsAsync(kafka, topic, CancellationToken));
                var resumed = await CallAsync(client, "resume_source", $$"""{ "id": "mqtt:{{NoiseTopic}}" }""", CancellationToken);
                Assert.Equal(3, resumed.GetProperty("change").GetProperty("version").GetInt64());
                Assert.True(resumed.GetProperty("source").GetProperty("enabled").GetBoolean());
                await PublishAsync(sensors, "city/north/noise/noise-1", """{"seq":4,"db":55.5}""");
                await WaitForReadingAsync(kafka, topic, "noise-1", 4);

                var removed = await CallAsync(client, "remove_source", $$"""{ "id": "mqtt:{{AqTopic}}", "baseVersion": 3 }""", CancellationToken);
                Assert.Equal(4, removed.GetProperty("change").GetProperty("version").GetInt64());
            }

            await StopAsync(gateway);
            DotNetPrograms.AssertNoErrorLogLines(gateway);
            Assert.Contains("ops-laptop add_source configuration version 2: failed in MQTT subscriptions", gateway.AllOutput, StringComparison.Ordinal);
            await gateway.DisposeAsync();

            // Restarted: the file with version 4 on top: the noise subscription only, and the history kept.
            gateway = await StartGatewayAsync(config, subscribedTo: "city/+/noise/+");
            await using (var client = await ConnectHttpAsync(port, OperatorToken, LoggerFactory, protocolVersion: null, CancellationToken))
            {
                Assert.Equal(4, (await CallAsync(client, "get_config", cancellationToken: CancellationToken)).GetProperty("version").GetInt64());
                var sources = (await CallAsync(client, "list_sources", cancellationToken: CancellationToken)).GetProperty("sources");
                Assert.Equal([$"mqtt:{NoiseTopic}"], sources.EnumerateArray().Select(s => s.GetProperty("id").GetString()));
                var versions = await CallAsync(client, "list_config_versions", cancellationToken: CancellationToken);
                Assert.Equal(
                    ["remove_source", "resume_source", "pause_source", "add_source", "file"],
                    versions.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("action").GetString()));
                await PublishAsync(sensors, "city/north/noise/noise-1", """{"seq":5,"db":55.5}""");
                await WaitForReadingAsync(kafka, topic, "noise-1", 5);
            }

            await StopAsync(gateway);
            DotNetPrograms.AssertNoErrorLogLines(gateway);
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_gateway_started_without_sources_reads_a_serial_port_a_GPIO_line_and_an_MQTT_subscription_added_live()
    {
        using var pty = PtyPair.Open();
        var socket = _directory.File("gpio.sock");
        await using var simulator = DotNetPrograms.StartFirmwareSim(["--gpio-socket", socket, "--gpio", "contact:22:closed=300ms:open=300ms:name=door", "--seed", "5", "--progress", "0"]);
        await simulator.WaitForOutputAsync(l => l.Contains("gpio socket", StringComparison.Ordinal), "the GPIO socket", cancellationToken: CancellationToken);
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions(), CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        var port = FreePort.Tcp();
        var config = _directory.WriteFile("gateway.json", $$"""
            {
              "Gateway": { "Id": "gw-empty" },
              "Mqtt": { "Host": "127.0.0.1", "Port": {{broker.Port}} },
              "Gpio": { "Chip": "sim:{{socket}}", "ReconnectDelay": "100ms" },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Kafka": { "BootstrapServers": "{{kafka.BootstrapServers}}", "Topic": "{{topic}}", "Linger": "5ms" },
              "Mcp": { "Tokens": {{TokensJson}}, "Http": { "Enabled": true, "Url": "http://127.0.0.1:{{port}}" } }
            }
            """);
        await using var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains("MCP over HTTP listening on", StringComparison.Ordinal), "the MCP endpoint listens", cancellationToken: CancellationToken);
        await using var client = await ConnectHttpAsync(port, OperatorToken, LoggerFactory, protocolVersion: null, CancellationToken);
        Assert.Equal(0, (await CallAsync(client, "list_sources", cancellationToken: CancellationToken)).GetProperty("sources").GetArrayLength());

        var serial = await CallAsync(
            client,
            "add_source",
            $$"""{ "kind": "serial", "definition": { "Name": "pm-port", "Path": "{{pty.DevicePath}}", "Protocol": "pms5003", "DeviceId": "pm-01" } }""",
            CancellationToken);
        Assert.Equal("serial:pm-port", serial.GetProperty("id").GetString());
        await gateway.WaitForOutputAsync(line => line.Contains("Serial port pm-port open", StringComparison.Ordinal), "the serial port is open", cancellationToken: CancellationToken);
        pty.Write(Serial.SerialFrames.Pms5003(1, 10, 20));
        await Eventually.TrueAsync(
            async ct => (await ReadingsAsync(kafka, topic, ct)).Any(r => r.Device == "pm-01"),
            "a pm-01 reading is in Kafka",
            TimeSpan.FromSeconds(60),
            CancellationToken);
        Assert.Equal("open", (await CallAsync(client, "list_sources", """{ "kind": "serial" }""", CancellationToken)).GetProperty("sources")[0].GetProperty("state").GetString());

        // The MQTT source was off (no subscriptions): the first one added connects it.
        await CallAsync(client, "add_source", new JsonObject { ["kind"] = "mqtt", ["definition"] = NoiseSubscription() }.ToJsonString(), CancellationToken);
        await gateway.WaitForOutputAsync(line => line.Contains("Subscribed to city/+/noise/+", StringComparison.Ordinal), "the gateway subscribed", cancellationToken: CancellationToken);
        await using var sensors = await TestMqttClients.ConnectAsync(TestMqttClients.Options(broker, LoggerFactory), CancellationToken);
        await PublishAsync(sensors, "city/north/noise/noise-1", """{"seq":1,"db":55.5}""");
        await WaitForReadingAsync(kafka, topic, "noise-1", 1);

        // A contact line: the chip is opened with it, and its level at the start is the first reading.
        await CallAsync(
            client,
            "add_source",
            """{ "kind": "gpio", "definition": { "Offset": 22, "Name": "door", "DeviceId": "cabinet-01", "Kind": "contact", "Debounce": "5ms", "Metric": "door_open" } }""",
            CancellationToken);
        await Eventually.TrueAsync(
            async ct => (await ReadingsAsync(kafka, topic, ct)).Any(r => r.Device == "cabinet-01"),
            "a door reading is in Kafka",
            TimeSpan.FromSeconds(60),
            CancellationToken);
        Assert.Equal("open", (await CallAsync(client, "list_sources", """{ "kind": "gpio" }""", CancellationToken)).GetProperty("sources")[0].GetProperty("state").GetString());

        var paused = await CallAsync(client, "pause_source", """{ "id": "serial:pm-port" }""", CancellationToken);
        Assert.Equal(4, paused.GetProperty("change").GetProperty("version").GetInt64());
        await gateway.WaitForOutputAsync(line => line.Contains("Serial port pm-port closed", StringComparison.Ordinal), "the serial port is closed", cancellationToken: CancellationToken);

        await StopAsync(gateway);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
    }

    /// <summary>Debian's mosquitto package ships the plugin in the multiarch library directory.</summary>
    private static string DynamicSecurityPlugin() =>
        Directory.EnumerateDirectories("/usr/lib").Prepend("/usr/lib").Select(d => Path.Combine(d, "mosquitto_dynamic_security.so")).FirstOrDefault(File.Exists)
        ?? throw new FileNotFoundException("mosquitto_dynamic_security.so (package mosquitto) is not installed");

    private static JsonObject NoiseSubscription() => new()
    {
        ["Topic"] = NoiseTopic,
        ["QoS"] = 1,
        ["Decoder"] = JsonNode.Parse("""{ "Kind": "json", "Json": { "SequenceField": "seq", "Metrics": [ { "Field": "db", "Metric": "noise_db" } ] } }"""),
    };

    private static async Task PublishAsync(MqttClient sensors, string topic, string payload) =>
        await Eventually.WithinAsync(sensors.PublishAsync(topic, payload, MqttQualityOfService.AtLeastOnce, cancellationToken: CancellationToken), "the publish");

    /// <summary>Every (device, sequence) in the batches on the topic now.</summary>
    private static async Task<HashSet<(string Device, long Sequence)>> ReadingsAsync(KafkaFixture kafka, string topic, CancellationToken cancellationToken)
    {
        var readings = new HashSet<(string, long)>();
        foreach (var record in await kafka.ReadAvailableAsync(topic, cancellationToken: cancellationToken))
        {
            foreach (var reading in JsonDocument.Parse(record.Value!).RootElement.GetProperty("params").GetProperty("arguments").GetProperty("readings").EnumerateArray())
            {
                readings.Add((reading.GetProperty("d").GetString()!, reading.GetProperty("s").GetInt64()));
            }
        }

        return readings;
    }

    private static Task WaitForReadingAsync(KafkaFixture kafka, string topic, string device, long sequence) =>
        Eventually.TrueAsync(
            async ct => (await ReadingsAsync(kafka, topic, ct)).Contains((device, sequence)),
            $"reading {sequence} of {device} is in Kafka",
            TimeSpan.FromSeconds(60),
            CancellationToken);

    private static async Task<ExternalProcess> StartGatewayAsync(string config, string subscribedTo = "city/+/aq/+")
    {
        var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains("MCP over HTTP listening on", StringComparison.Ordinal), "the MCP endpoint listens", cancellationToken: CancellationToken);
        await gateway.WaitForOutputAsync(line => line.Contains($"Subscribed to {subscribedTo}", StringComparison.Ordinal), "the gateway subscribed", cancellationToken: CancellationToken);
        return gateway;
    }

    private static async Task StopAsync(ExternalProcess gateway)
    {
        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        Assert.Equal(0, gateway.ExitCode);
    }

    private string WriteConfiguration(int mcpPort, MosquittoBroker broker, string bootstrapServers, string topic, bool withPassword, string unknownDevices)
    {
        var devicesFile = _directory.WriteFile("devices.json", """
            { "devices": [ { "id": "aq-000", "type": "air-quality", "location": { "lat": 52.5, "lon": 13.4, "district": "north" } } ] }
            """);
        var credentials = withPassword ? $$""" "Username": "gateway", "Password": "{{MqttPassword}}", """ : string.Empty;
        return _directory.WriteFile("gateway.json", $$"""
            {
              "Gateway": { "Id": "gw-config" },
              "Mqtt": {
                "Host": "127.0.0.1", "Port": {{broker.Port}}, {{credentials}}
                "Subscriptions": [ {
                  "Topic": "{{AqTopic}}", "QoS": 1,
                  "Decoder": { "Kind": "json", "Json": { "SequenceField": "seq", "Metrics": [ { "Field": "pm25", "Metric": "pm2_5" } ] } }
                } ]
              },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}", "DevicesFile": "{{devicesFile}}", "UnknownDevices": "{{unknownDevices}}" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Kafka": { "BootstrapServers": "{{bootstrapServers}}", "Topic": "{{topic}}", "Linger": "5ms" },
              "Mcp": {
                "Tokens": {{TokensJson}},
                "Http": { "Enabled": true, "Url": "http://127.0.0.1:{{mcpPort}}" }
              }
            }
            """);
    }
}
