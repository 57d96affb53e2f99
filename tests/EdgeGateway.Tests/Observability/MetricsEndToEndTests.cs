using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using EdgeGateway.Tests.Pipeline;
using Xunit;

namespace EdgeGateway.Tests.Observability;

/// <summary>
/// Issue 10: the real gateway process, real mosquitto and the Kafka mock cluster. Its <c>/metrics</c>,
/// parsed strictly, says what the pipeline did (readings in and out, dead letters by reason, an empty
/// buffer after the drain); <c>/readyz</c> turns 503 while the MQTT broker is down and 200 once it is
/// back, while <c>/healthz</c> stays 200.
/// </summary>
public sealed partial class MetricsEndToEndTests : LoggedTest
{
    private const int Devices = 4;
    private const int Rounds = 25;
    private const int Malformed = 7;
    private const int Unknown = 5;
    private readonly GatewayRig _rig = new("metrics");
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    protected override ValueTask CleanUpAsync()
    {
        _http.Dispose();
        _rig.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Metrics_match_what_the_pipeline_did_and_readiness_follows_the_MQTT_broker()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        using var consumer = BatchConsumer.Start(kafka, topic);
        var fleet = Sensor.Fleet(Devices);
        _rig.WriteDevices(fleet);
        var config = _rig.WriteConfiguration(broker, kafka.BootstrapServers, topic, c => c["Context"]!["UnknownDevices"] = "reject");
        // A fixed free port here (not port 0), so that the doctor, reading the same settings, finds the gateway.
        var listen = new Dictionary<string, string?> { [DotNetPrograms.ObservabilityUrlVariable] = $"http://127.0.0.1:{FreePort.Tcp()}" };
        await using var gateway = await GatewayRig.StartGatewayAsync(config, environment: listen);
        var endpoint = ListeningAddress(gateway);
        Assert.Equal(new Uri(listen[DotNetPrograms.ObservabilityUrlVariable]!), endpoint);

        var messages = new List<(string Topic, byte[] Payload)>();
        messages.AddRange(SensorPublisher.Readings(fleet, 1, Rounds));
        messages.AddRange(Enumerable.Range(0, Malformed).Select(i => (fleet[i % Devices].Topic, Encoding.UTF8.GetBytes($$"""{"seq":{{i}},"pm25":"""))));
        messages.AddRange(Enumerable.Range(0, Unknown).Select(i => ($"city/north/aq/ghost-{i}", Encoding.UTF8.GetBytes(Sensor.Payload(i)))));
        await using (var sensors = await SensorPublisher.ConnectAsync(broker, LoggerFactory))
        {
            await sensors.PublishAsync(messages);
        }

        const int Good = Devices * Rounds;
        await consumer.WaitForDistinctAsync(Good);
        PrometheusDocument? metrics = null;
        await Eventually.TrueAsync(
            async token =>
            {
                metrics = PrometheusTextParser.Parse(await _http.GetStringAsync(new Uri(endpoint, "/metrics"), token));
                return metrics.Sum("edgegateway_readings_forwarded_total") >= Good && metrics.Value("edgegateway_buffer_in_flight") == 0;
            },
            "the forwarder's counters show every reading delivered",
            cancellationToken: CancellationToken);

        Assert.Equal(Good, metrics!.Value("edgegateway_readings_received_total", ("source", "mqtt"), ("device_type", "air-quality")));
        Assert.Equal(Good, metrics.Sum("edgegateway_readings_received_total"));
        Assert.Equal(Good, metrics.Value("edgegateway_readings_forwarded_total", ("device_type", "air-quality")));
        Assert.Equal(Malformed, metrics.Value("edgegateway_dead_letters_total", ("reason", "malformed-json")));
        Assert.Equal(Unknown, metrics.Value("edgegateway_dead_letters_total", ("reason", "unknown-device")));
        Assert.Equal(Malformed + Unknown, metrics.Sum("edgegateway_dead_letters_total"));
        Assert.Equal(Malformed + Unknown, metrics.Value("edgegateway_dead_letters_stored"));
        Assert.Equal(messages.Count, metrics.Value("edgegateway_mqtt_messages_received_total"));
        Assert.Equal(0, metrics.Value("edgegateway_buffer_readings", ("lane", "normal")));
        Assert.Equal(0, metrics.Value("edgegateway_buffer_readings", ("lane", "priority")));
        Assert.Equal(0, metrics.Value("edgegateway_buffer_size_bytes"));
        Assert.Equal(Good, metrics.Value("edgegateway_buffer_readings_committed_total"));
        Assert.Equal(Good, metrics.Value("edgegateway_buffer_readings_released_total"));
        Assert.Equal(0, metrics.Sum("edgegateway_readings_dropped_total"));
        Assert.Equal(Good, metrics.Value("edgegateway_buffer_commit_readings_sum"));
        Assert.InRange(metrics.Value("edgegateway_buffer_commit_duration_seconds_count"), 1, Good + Malformed + Unknown);
        Assert.Equal(Good, metrics.Value("edgegateway_kafka_batch_readings_sum"));
        var batches = metrics.Value("edgegateway_kafka_batches_sent_total");
        Assert.Equal(batches, metrics.Value("edgegateway_kafka_delivery_duration_seconds_count", ("outcome", "delivered")));
        Assert.Equal(batches, metrics.Value("edgegateway_kafka_batch_size_bytes_count"));
        Assert.True(metrics.Value("edgegateway_kafka_batch_size_bytes_sum") > Good * 20, "batches carry bytes");
        Assert.Equal(0, metrics.Sum("edgegateway_kafka_delivery_errors_total"));
        Assert.Equal(1, metrics.Value("edgegateway_kafka_connected"));
        Assert.Equal(1, metrics.Value("edgegateway_mqtt_connected"));
        Assert.True(metrics.Value("edgegateway_process_resident_memory_bytes") > 10_000_000, "RSS is reported in bytes");
        Assert.True(metrics.Value("edgegateway_gc_heap_size_bytes") > 0);
        Assert.True(metrics.Value("edgegateway_threadpool_threads") > 0);
        Assert.True(metrics.Value("edgegateway_gc_collections_total", ("generation", "0")) >= metrics.Value("edgegateway_gc_collections_total", ("generation", "2")));
        Assert.Equal("histogram", metrics["edgegateway_buffer_commit_duration_seconds"].Type);
        Assert.Equal("counter", metrics["edgegateway_readings_received_total"].Type);
        Assert.Equal("gauge", metrics["edgegateway_buffer_oldest_unsent_age_seconds"].Type);
        Assert.DoesNotContain(metrics.Families.Values.SelectMany(f => f.Samples), s => s.Labels.Values.Any(v => v.StartsWith("aq-", StringComparison.Ordinal)));

        await AssertProbeAsync(endpoint, "/healthz", HttpStatusCode.OK);
        await AssertProbeAsync(endpoint, "/readyz", HttpStatusCode.OK);
        var doctor = await DotNetPrograms.RunGatewayAsync(["doctor", "--config", config, "--timeout", "5"], listen, CancellationToken);
        Assert.Matches($@"(?m)^ok\s+readiness\s+the gateway running at {Regex.Escape(endpoint.ToString())}readyz is ready", doctor.StandardOutput);

        // The broker goes away: not ready (naming MQTT), still alive; back again: ready.
        await broker.StopAsync(CancellationToken);
        await Eventually.TrueAsync(
            async token => (await _http.GetAsync(new Uri(endpoint, "/readyz"), token)).StatusCode == HttpStatusCode.ServiceUnavailable,
            "/readyz answers 503 while the broker is down",
            cancellationToken: CancellationToken);
        var notReady = await AssertProbeAsync(endpoint, "/readyz", HttpStatusCode.ServiceUnavailable);
        Assert.Equal("not-ready", notReady.GetProperty("status").GetString());
        Assert.Equal(["mqtt"], notReady.GetProperty("checks").EnumerateArray().Where(c => !c.GetProperty("ok").GetBoolean()).Select(c => c.GetProperty("name").GetString()));
        await AssertProbeAsync(endpoint, "/healthz", HttpStatusCode.OK);
        Assert.Equal(0, PrometheusTextParser.Parse(await _http.GetStringAsync(new Uri(endpoint, "/metrics"), CancellationToken)).Value("edgegateway_mqtt_connected"));
        var doctorWhileDown = await DotNetPrograms.RunGatewayAsync(["doctor", "--config", config, "--timeout", "5"], listen, CancellationToken);
        Assert.Matches(@"(?m)^warn\s+readiness\s+.* is not ready \(503\): mqtt: MQTT broker", doctorWhileDown.StandardOutput);

        await broker.RestartAsync(CancellationToken);
        await Eventually.TrueAsync(
            async token => (await _http.GetAsync(new Uri(endpoint, "/readyz"), token)).StatusCode == HttpStatusCode.OK,
            "/readyz answers 200 once the broker is back",
            cancellationToken: CancellationToken);
        var after = PrometheusTextParser.Parse(await _http.GetStringAsync(new Uri(endpoint, "/metrics"), CancellationToken));
        Assert.Equal(1, after.Value("edgegateway_mqtt_connected"));
        Assert.True(after.Value("edgegateway_mqtt_connections_lost_total") >= 1, "the lost connection is counted");
        Assert.True(after.Value("edgegateway_mqtt_connects_total") >= 2, "the reconnection is counted");

        await GatewayRig.StopGatewayAsync(gateway);
        DotNetPrograms.AssertNoErrorLogLines(gateway, line => line.Contains("MQTT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_the_three_paths_answer_and_only_to_GET_or_HEAD()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        _rig.WriteDevices(Sensor.Fleet(1));
        var config = _rig.WriteConfiguration(broker, kafka.BootstrapServers, kafka.CreateUniqueTopic("edge.readings"));
        await using var gateway = await GatewayRig.StartGatewayAsync(config);
        var endpoint = ListeningAddress(gateway);

        using var metrics = await _http.GetAsync(new Uri(endpoint, "/metrics"), CancellationToken);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", metrics.Content.Headers.ContentType?.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(new Uri(endpoint, "/mcp"), CancellationToken)).StatusCode);
        using var post = await _http.PostAsync(new Uri(endpoint, "/metrics"), new StringContent(string.Empty), CancellationToken);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(endpoint, "/healthz")), CancellationToken);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);

        await GatewayRig.StopGatewayAsync(gateway);
    }

    /// <summary>The address the gateway logged for its listener (tests run it on port 0).</summary>
    internal static Uri ListeningAddress(ExternalProcess gateway)
    {
        var line = gateway.StandardOutput.FirstOrDefault(l => ListeningLine().IsMatch(l))
            ?? throw new Xunit.Sdk.XunitException($"The gateway did not log its metrics address. Output:\n{gateway.AllOutput}");
        var url = ListeningLine().Match(line).Groups["url"].Value;
        Assert.DoesNotMatch(":9750$", url);
        return new Uri(url + "/");
    }

    private async Task<JsonElement> AssertProbeAsync(Uri endpoint, string path, HttpStatusCode expected)
    {
        using var response = await _http.GetAsync(new Uri(endpoint, path), CancellationToken);
        var body = await response.Content.ReadAsStringAsync(CancellationToken);
        Assert.True(expected == response.StatusCode, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [GeneratedRegex(@"Metrics and health listening on (?<url>http://\S+) ")]
    private static partial Regex ListeningLine();
}
