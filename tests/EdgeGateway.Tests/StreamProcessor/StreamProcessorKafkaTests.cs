using System.Text.Json;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using Xunit;
using static EdgeGateway.Tests.StreamProcessor.ProcessorBatches;

namespace EdgeGateway.Tests.StreamProcessor;

/// <summary>
/// The <c>stream-processor</c> process on Kafka (librdkafka's mock cluster): batches in as the gateway sends
/// them, JSON-RPC answers on the response topic keyed by gateway id, duplicates dropped, a late reading
/// within the allowed lateness counted in its window and one beyond it counted late, threshold alerts,
/// bad records answered with JSON-RPC errors and dead-lettered; after a restart it continues from its
/// committed offsets and its state file.
/// </summary>
public sealed class StreamProcessorKafkaTests : LoggedTest
{
    private const string Gateway = "gw-kafka";
    private readonly TempDirectory _directory = TempDirectory.Create("processor-kafka");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Batches_are_answered_windowed_and_alerted_and_bad_ones_dead_lettered_and_a_restart_continues()
    {
        await using var kafka = KafkaFixture.Start();
        foreach (var topic in new[] { "edge.readings", "edge.responses", "edge.windows", "edge.alerts", "edge.deadletter" })
        {
            kafka.CreateTopic(topic, partitions: 2);
        }

        // Event times a minute ago, on a 10 s boundary: no window closes by the wall clock (idle timeout 1 h).
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var t = now - (now % 10_000) - 60_000;
        string[] options = ["--window", "10s", "--allowed-lateness", "5s", "--idle-timeout", "1h", "--alert", "pm25>50"];
        var state = _directory.File("state.db");
        var processor = await ProcessorProgram.StartRunAsync(kafka.BootstrapServers, state, "a", options);

        string[] ids = [Id(1), Id(2), Id(3)];
        await ProduceAsync(kafka, ids[0], Request(ids[0], Arguments(ids[0], Gateway, [new("aq-1", "pm25", 10, t + 1_000, 1), new("aq-1", "pm25", 60, t + 4_000, 2)])));
        await ProduceAsync(kafka, ids[0], Request(ids[0], Arguments(ids[0], Gateway, [new("aq-1", "pm25", 10, t + 1_000, 1), new("aq-1", "pm25", 60, t + 4_000, 2)])));
        await ProduceAsync(kafka, ids[1], Request(ids[1], Arguments(ids[1], Gateway,
        [
            new("aq-1", "pm25", 10, t + 1_000, 1),   // seen in batch 1
            new("aq-1", "pm25", 20, t + 12_000, 3),
            new("aq-1", "pm25", 30, t + 8_000, 4),   // 4 s late: within the allowed 5 s
            new("aq-1", "pm25", 40, t + 16_000, 5),  // the watermark passes 10 s + 5 s: [0, 10 s) closes
            new("aq-1", "pm25", 99, t + 9_000, 6),   // its window has closed: late
        ])));
        var invalid = Arguments(ids[2], Gateway, [new("aq-1", "pm25", 1, t, 7)]);
        invalid["batch"]!["readingCount"] = 0;
        await ProduceAsync(kafka, ids[2], Request(ids[2], invalid));
        await kafka.ProduceAsync("edge.readings", Gateway, "this is not JSON-RPC", cancellationToken: CancellationToken);

        var responses = await kafka.ReadAllAsync("edge.responses", 5, cancellationToken: CancellationToken);
        Assert.All(responses, r => Assert.Equal(Gateway, r.KeyString));
        var results = responses.Select(r => JsonDocument.Parse(r.Value!).RootElement).ToList();
        var first = Result(results, ids[0]);
        Assert.Equal((false, 2, 0, 0), (first[0].GetProperty("duplicateBatch").GetBoolean(), Int(first[0], "accepted"), Int(first[0], "duplicates"), Int(first[0], "late")));
        Assert.Equal((true, 0, 2), (first[1].GetProperty("duplicateBatch").GetBoolean(), Int(first[1], "accepted"), Int(first[1], "duplicates")));
        var second = Assert.Single(Result(results, ids[1]));
        Assert.Equal((3, 1, 1, 1), (Int(second, "accepted"), Int(second, "duplicates"), Int(second, "late"), Int(second, "windowsClosed")));

        var refused = Assert.Single(results, r => r.TryGetProperty("id", out var id) && id.GetString() == ids[2]);
        Assert.Equal(-32602, refused.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("readingCount", refused.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(results, r => r.TryGetProperty("error", out var e) && e.GetProperty("code").GetInt32() == -32700);

        var deadLetters = await kafka.ReadAllAsync("edge.deadletter", 2, cancellationToken: CancellationToken);
        Assert.Equal(["json-rpc-error -32602", "not-json-rpc"], deadLetters.Select(d => d.Header("edge-dead-letter-reason")).Order());
        Assert.Contains(deadLetters, d => d.ValueString == "this is not JSON-RPC");

        var window = JsonDocument.Parse(Assert.Single(await kafka.ReadAllAsync("edge.windows", 1, cancellationToken: CancellationToken)).Value!).RootElement;
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(t), window.GetProperty("start").GetDateTimeOffset());
        Assert.Equal((3, 10.0, 60.0, 30.0), (Int(window, "count"), window.GetProperty("min").GetDouble(), window.GetProperty("max").GetDouble(), window.GetProperty("last").GetDouble()));
        Assert.Equal(100.0 / 3, window.GetProperty("mean").GetDouble(), 9);

        var alerts = await kafka.ReadAllAsync("edge.alerts", 2, cancellationToken: CancellationToken);
        Assert.Equal(["alert-raised", "alert-cleared"], alerts.Select(a => JsonDocument.Parse(a.Value!).RootElement.GetProperty("kind").GetString()));

        await ProcessorProgram.StopAsync(processor);

        // Restarted on the same state file and group: the committed offsets skip what was answered, and
        // the state still knows batch 2.
        processor = await ProcessorProgram.StartRunAsync(kafka.BootstrapServers, state, "a2", options);
        await ProduceAsync(kafka, ids[1], Request(ids[1], Arguments(ids[1], Gateway, [new("aq-1", "pm25", 20, t + 12_000, 3)])));
        responses = await kafka.ReadAllAsync("edge.responses", 6, cancellationToken: CancellationToken);
        var again = JsonDocument.Parse(responses.OrderBy(r => r.Timestamp).Last().Value!).RootElement;
        Assert.True(again.GetProperty("result").GetProperty("structuredContent").GetProperty("duplicateBatch").GetBoolean());
        await ProcessorProgram.StopAsync(processor);
        Assert.Equal(6, (await kafka.ReadAvailableAsync("edge.responses", cancellationToken: CancellationToken)).Count);
    }

    private static async Task ProduceAsync(KafkaFixture kafka, string batchId, string request) =>
        await kafka.ProduceAsync("edge.readings", Gateway, request, [new("content-type", "application/json"), new("edge-batch-id", batchId)], cancellationToken: CancellationToken);

    private static List<JsonElement> Result(List<JsonElement> responses, string id) =>
        [.. responses.Where(r => r.TryGetProperty("result", out _) && r.GetProperty("id").GetString() == id).Select(r => r.GetProperty("result").GetProperty("structuredContent"))];

    private static int Int(JsonElement element, string name) => element.GetProperty(name).GetInt32();
}
