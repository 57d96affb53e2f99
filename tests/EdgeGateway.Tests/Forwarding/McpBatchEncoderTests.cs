using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using EdgeGateway.Context;
using EdgeGateway.Domain;
using EdgeGateway.Forwarding;
using EdgeGateway.StreamProcessor.Ingest;
using EdgeGateway.Tests.Configuration;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Xunit;

namespace EdgeGateway.Tests.Forwarding;

public sealed class McpBatchEncoderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly McpBatchEncoder Encoder = new("ingest_readings", "0.1.0");

    private static DeviceContext AirQuality(string id, long revision = 3) => DeviceDocumentMapper.ToContext(
        new DeviceDocument
        {
            Id = id,
            Type = "air-quality",
            Model = "PMS5003",
            Firmware = "1.4.2",
            Location = new LocationDocument { Lat = 52.52, Lon = 13.405, Site = "cabinet-17", District = "Mitte", Address = "Unter den Linden 1, 10117 Berlin" },
            Owner = "environment-department",
            Tags = new() { ["zone"] = "low-emission", ["network"] = "city-aq" },
            Metrics = new()
            {
                ["pm2_5"] = new MetricDocument { Unit = "ug/m3", Calibration = new CalibrationDocument { Scale = 1.1, Offset = -0.5 }, ValidRange = new RangeDocument { Min = 0, Max = 1000 }, SamplingInterval = "60s" },
                ["pm10"] = new MetricDocument { Unit = "ug/m3", ValidRange = new RangeDocument { Min = 0, Max = 2000 }, SamplingInterval = "60s" },
            },
        },
        revision,
        Now.AddDays(-2));

    private static Batch SampleBatch() => new(
        Guid.Parse("9b2f6a1e-0c4d-4e7a-9f00-1234567890ab"),
        "gw-17",
        new SequenceRange(1041, 1043),
        Now,
        [
            new Reading(new DeviceId("aq-0042"), "pm2_5", 12.7, "ug/m3", Now.AddSeconds(-60), Now.AddSeconds(-59.988), 7, ReadingQuality.None, 3),
            new Reading(new DeviceId("aq-0042"), "pm2_5", 1250, "ug/m3", Now, Now.AddMilliseconds(11), 8, ReadingQuality.OutOfRange, 3),
            new Reading(new DeviceId("stranger-9"), "temp", 21.5, "C", null, Now.AddMilliseconds(100), 0, ReadingQuality.UnknownDevice),
        ],
        [AirQuality("aq-0042")]);

    [Fact]
    public void A_batch_becomes_one_self_contained_tools_call_request()
    {
        var record = Encoder.Encode(SampleBatch(), traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        using var json = JsonDocument.Parse(record.Value);
        var root = json.RootElement;
        var arguments = root.GetProperty("params").GetProperty("arguments");

        Assert.Equal("gw-17", record.Key);
        Assert.Contains(new KeyValuePair<string, string>("edge-batch-id", "9b2f6a1e-0c4d-4e7a-9f00-1234567890ab"), record.Headers);
        Assert.Contains(new KeyValuePair<string, string>("mcp-method", "tools/call"), record.Headers);
        Assert.Equal("2.0", root.GetProperty("jsonrpc").GetString());
        Assert.Equal("tools/call", root.GetProperty("method").GetString());
        Assert.Equal("9b2f6a1e-0c4d-4e7a-9f00-1234567890ab", root.GetProperty("id").GetString());
        Assert.Equal("ingest_readings", root.GetProperty("params").GetProperty("name").GetString());
        Assert.Equal("2026-07-28", root.GetProperty("params").GetProperty("_meta").GetProperty("io.modelcontextprotocol/protocolVersion").GetString());
        Assert.Equal(1041, arguments.GetProperty("batch").GetProperty("firstSequence").GetInt64());

        var device = Assert.Single(arguments.GetProperty("devices").EnumerateArray());
        Assert.Equal(3, device.GetProperty("revision").GetInt64());
        Assert.Equal("Mitte", device.GetProperty("location").GetProperty("district").GetString());

        var readings = arguments.GetProperty("readings").EnumerateArray().ToList();
        Assert.Equal(3, readings.Count);
        Assert.False(readings[0].TryGetProperty("u", out _));
        Assert.Equal(Now.AddSeconds(-60).ToUnixTimeMilliseconds(), readings[0].GetProperty("t").GetInt64());
        Assert.Equal("out-of-range", Assert.Single(readings[1].GetProperty("q").EnumerateArray()).GetString());
        Assert.Equal("C", readings[2].GetProperty("u").GetString());
        Assert.False(readings[2].TryGetProperty("t", out _));
    }

    [Fact]
    public void An_encoder_reuses_its_buffer_and_a_small_batch_after_a_large_one_carries_nothing_of_it()
    {
        var encoder = new McpBatchEncoder("ingest_readings", "0.1.0");
        var large = new Batch(
            Guid.NewGuid(),
            "gw-17",
            new SequenceRange(1, 2000),
            Now,
            [.. Enumerable.Range(1, 2000).Select(i => new Reading(new DeviceId("aq-0042"), "pm2_5", i + 0.5, "ug/m3", Now, Now, i, ReadingQuality.None, 3))],
            [AirQuality("aq-0042")]);

        var first = encoder.Encode(large);
        var small = encoder.Encode(SampleBatch());

        Assert.True(first.Value.Length > 64 * 1024, "the large batch outgrows the initial buffer");
        Assert.Equal(new McpBatchEncoder("ingest_readings", "0.1.0").Encode(SampleBatch()).Value, small.Value);
        Assert.Equal(2000, JsonDocument.Parse(first.Value).RootElement.GetProperty("params").GetProperty("arguments").GetProperty("readings").GetArrayLength());
    }

    [Fact]
    public void The_arguments_match_the_published_JSON_schema()
    {
        var schema = new JsonSchemaValidator(File.ReadAllText(SchemaPath()));
        using var json = JsonDocument.Parse(Encoder.Encode(SampleBatch()).Value);

        Assert.Empty(schema.Validate(json.RootElement.GetProperty("params").GetProperty("arguments")));
    }

    [Fact]
    public void The_schema_check_catches_a_broken_record()
    {
        var schema = new JsonSchemaValidator(File.ReadAllText(SchemaPath()));
        using var broken = JsonDocument.Parse("""
            { "schemaVersion": 1, "batch": { "id": "nope", "gatewayId": "gw", "firstSequence": 0, "lastSequence": 1, "createdAt": "x", "readingCount": 1 },
              "devices": [], "readings": [ { "d": "a", "m": "t", "v": "12", "r": 1, "s": 0, "q": ["sparkly"] } ], "extra": true }
            """);

        var errors = schema.Validate(broken.RootElement);

        Assert.Contains(errors, e => e.StartsWith("$.batch.id", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.batch.firstSequence", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.readings[0].v", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.readings[0].q[0]", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.extra", StringComparison.Ordinal));
    }

    [Fact]
    public void Sending_each_context_once_costs_well_under_half_the_bytes_of_inline_context()
    {
        // 50 devices x 10 readings: a realistic batch of 500 readings.
        var devices = Enumerable.Range(0, 50).Select(i => AirQuality($"aq-{i:0000}")).ToList();
        var readings = new List<Reading>();
        for (var n = 0; n < 10; n++)
        {
            foreach (var device in devices)
            {
                readings.Add(new Reading(device.DeviceId, n % 2 == 0 ? "pm2_5" : "pm10", 10 + n, "ug/m3", Now.AddSeconds(n), Now.AddSeconds(n).AddMilliseconds(5), n, ReadingQuality.None, 3));
            }
        }

        var batch = new Batch(Guid.NewGuid(), "gw-17", new SequenceRange(1, readings.Count), Now, readings, devices);
        var optimized = Encoder.Encode(batch).Value.Length;
        var inline = InlineContextSize(batch);
        TestContext.Current.TestOutputHelper?.WriteLine($"bytes per reading: {optimized / 500.0:0.0} with contexts once, {inline / 500.0:0.0} inline ({100.0 * optimized / inline:0.0}%)");

        Assert.True(optimized <= inline * 0.4, $"{optimized} bytes with contexts once vs {inline} inline: {100.0 * optimized / inline:0.0}%");
    }

    [Fact]
    public async Task An_MCP_server_handles_the_record_without_a_session()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var transport = new StreamServerTransport(toServer.Reader.AsStream(), toClient.Writer.AsStream());
        JsonElement? received = null;
        var tool = McpServerTool.Create(
            (JsonElement batch, JsonElement devices, JsonElement readings, int schemaVersion) =>
            {
                received = readings.Clone();
                return $"ingested {readings.GetArrayLength()} readings of batch {batch.GetProperty("id").GetString()} (schema {schemaVersion}, {devices.GetArrayLength()} devices)";
            },
            new McpServerToolCreateOptions { Name = "ingest_readings" });
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "reference-processor", Version = "1.0" },
            ToolCollection = [tool],
        };
        await using var server = McpServer.Create(transport, options);
        var running = server.RunAsync(TestContext.Current.CancellationToken);

        var record = Encoder.Encode(SampleBatch());
        await toServer.Writer.WriteAsync(record.Value, TestContext.Current.CancellationToken);
        await toServer.Writer.WriteAsync("\n"u8.ToArray(), TestContext.Current.CancellationToken);
        using var reader = new StreamReader(toClient.Reader.AsStream(), Encoding.UTF8);
        var line = await reader.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await toServer.Writer.CompleteAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        using var response = JsonDocument.Parse(line!);
        Assert.Equal("9b2f6a1e-0c4d-4e7a-9f00-1234567890ab", response.RootElement.GetProperty("id").GetString());
        var text = response.RootElement.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString();
        Assert.Equal("ingested 3 readings of batch 9b2f6a1e-0c4d-4e7a-9f00-1234567890ab (schema 2, 1 devices)", text);
        Assert.Equal(3, received!.Value.GetArrayLength());
    }

    private static int InlineContextSize(Batch batch)
    {
        // The naive alternative: every reading carries its device's full context record.
        var total = 0;
        foreach (var reading in batch.Readings)
        {
            var document = DeviceDocumentMapper.ToDocument(batch.Contexts[reading.DeviceId]);
            var inline = new Dictionary<string, object?>
            {
                ["device"] = document,
                ["metric"] = reading.Metric,
                ["value"] = reading.Value,
                ["unit"] = reading.Unit,
                ["eventTime"] = reading.EventTime?.ToUnixTimeMilliseconds(),
                ["receivedAt"] = reading.ReceivedAt.ToUnixTimeMilliseconds(),
                ["sequence"] = reading.Sequence,
            };
            total += JsonSerializer.SerializeToUtf8Bytes(inline, InlineOptions).Length + 1;
        }

        return total;
    }

    private static readonly JsonSerializerOptions InlineOptions = new()
    {
        TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine(ContextJsonContext.Default, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver()),
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static string SchemaPath() =>
        Path.Combine(GatewayConfigurationTests.RepositoryRoot(), "src", "EdgeGateway", "Forwarding", "batch-arguments.schema.json");
}
