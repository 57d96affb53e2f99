using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Operations;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using EdgeGateway.Tests.Pipeline;
using Xunit;
using static EdgeGateway.Tests.Operations.McpTestSupport;

namespace EdgeGateway.Tests.Logging;

/// <summary>
/// The real gateway process with an MQTT password, MCP tokens and readings whose values are easy to
/// spot, good and bad: nothing secret and no reading value reaches its logs, in either line format,
/// and each format keeps to one line per event.
/// </summary>
public sealed class LogPrivacyTests : LoggedTest
{
    private const string MqttPassword = "mqtt-Pa55-q7Zx";
    private const string WrongToken = "wrong-token-Kp93Lm";

    // Values a reading carries (raw, and as calibrated by scale 2) and a bad payload's string value.
    private const string RawValue = "7345.125";
    private const string CalibratedValue = "14690.25";
    private const string PersonalText = "PLATE-B-XY-4242";

    private readonly GatewayRig _rig = new("log-privacy");

    protected override ValueTask CleanUpAsync()
    {
        _rig.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Json_logs_are_one_object_per_line_and_hold_no_secret_and_no_reading_value()
    {
        var output = await RunGatewayAsync("json");

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var events = lines.Select(line =>
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
            Assert.True(json.RootElement.TryGetProperty("time", out _), line);
            Assert.True(json.RootElement.TryGetProperty("level", out _), line);
            Assert.True(json.RootElement.TryGetProperty("category", out _), line);
            return (EventId: json.RootElement.TryGetProperty("eventId", out var id) ? id.GetInt32() : 0, Line: line);
        }).ToList();

        // The events whose absence would make the checks below vacuous did happen.
        Assert.Contains(events, e => e.EventId == 400 && e.Line.Contains("non-numeric-value", StringComparison.Ordinal));
        Assert.Contains(events, e => e.EventId == 103);
        AssertNothingSecret(output);
    }

    [Fact]
    public async Task Systemd_logs_are_one_prefixed_line_per_event_and_hold_no_secret_and_no_reading_value()
    {
        var output = await RunGatewayAsync(format: null);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.Matches(@"^<[0-7]>[\w.]+\[\d+\] \S", line));
        Assert.Contains(lines, line => line.StartsWith("<4>EdgeGateway.Pipeline.ReadingIngestor[400] ", StringComparison.Ordinal));
        AssertNothingSecret(output);
    }

    private static void AssertNothingSecret(string output)
    {
        foreach (var secret in new[] { MqttPassword, OperatorToken, McpTokenAuthenticator.Hash(OperatorToken), WrongToken, RawValue, CalibratedValue, PersonalText })
        {
            Assert.DoesNotContain(secret, output, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>Runs a gateway through good and bad readings and MCP calls; returns everything it wrote, stdout and stderr.</summary>
    private async Task<string> RunGatewayAsync(string? format)
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Username = "gateway", Password = MqttPassword }, CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        using var consumer = BatchConsumer.Start(kafka, topic);
        var sensor = new Sensor("aq-007", "north");
        _rig.WriteDevices([sensor]);
        var mcpPort = FreePort.Tcp();
        var config = _rig.WriteConfiguration(broker, kafka.BootstrapServers, topic, c =>
        {
            c["Mqtt"]!["Username"] = "gateway";
            c["Mqtt"]!["Password"] = MqttPassword;
            c["Mcp"] = new JsonObject
            {
                ["Tokens"] = JsonNode.Parse(TokensJson),
                ["Http"] = new JsonObject { ["Enabled"] = true, ["Url"] = $"http://127.0.0.1:{mcpPort}" },
            };
            if (format is not null)
            {
                c["Logging"] = new JsonObject { ["Format"] = format };
            }
        });
        await using var gateway = await GatewayRig.StartGatewayAsync(config);
        await using var sensors = await SensorPublisher.ConnectAsync(broker, LoggerFactory);

        await sensors.PublishAsync(
        [
            (sensor.Topic, Encoding.UTF8.GetBytes($$"""{"seq":1,"ts":{{Sensor.EventTime}},"pm25":{{RawValue}}}""")),
            (sensor.Topic, Encoding.UTF8.GetBytes($$"""{"seq":2,"ts":{{Sensor.EventTime}},"pm25":"{{PersonalText}}"}""")),
            (sensor.Topic, Encoding.UTF8.GetBytes($$"""{"seq":3,"ts":{{Sensor.EventTime}},"pm25":"{{PersonalText}}"}""")),
            (sensor.Topic, Encoding.UTF8.GetBytes($$"""{"seq":4,"ts":{{Sensor.EventTime}},"pm25":{{RawValue}}}""")),
        ]);
        await consumer.WaitForDistinctAsync(2);
        Assert.All(consumer.Snapshot(), r => Assert.Equal(double.Parse(CalibratedValue, System.Globalization.CultureInfo.InvariantCulture), r.Value));

        // MCP over HTTP: a good token reads the recent readings (values in the answer, not in the log), a wrong one is refused.
        await using (var client = await ConnectHttpAsync(mcpPort, OperatorToken, LoggerFactory, protocolVersion: null, CancellationToken))
        {
            await CallAsync(client, "list_dead_letters", cancellationToken: CancellationToken);
            await CallAsync(client, "get_recent_readings", """{ "id": "aq-007" }""", CancellationToken);
        }

        using (var http = new HttpClient())
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{mcpPort}{McpHttpServer.Path}"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", WrongToken);
            request.Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", Encoding.UTF8, "application/json");
            using var refused = await http.SendAsync(request, CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await GatewayRig.StopGatewayAsync(gateway);
        return string.Join('\n', gateway.StandardOutput.Concat(gateway.StandardError));
    }
}
