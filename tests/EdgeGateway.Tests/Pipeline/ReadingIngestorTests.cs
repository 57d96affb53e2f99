using System.Text;
using EdgeGateway.Buffering;
using EdgeGateway.Context;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using EdgeGateway.Pipeline;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Waiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;

namespace EdgeGateway.Tests.Pipeline;

public sealed class ReadingIngestorTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("ingest");
    private DeviceRegistry _registry = null!;
    private ReadingBuffer _buffer = null!;

    public override async ValueTask InitializeAsync()
    {
        _registry = await DeviceRegistry.OpenAsync(_directory.File("registry.db"), TimeProvider.System, LoggerFactory.CreateLogger<DeviceRegistry>(), CancellationToken);
        await _registry.UpsertAsync(new DeviceDocument { Id = "aq-1", Type = "air-quality" }, CancellationToken);
        _buffer = new ReadingBuffer(new BufferOptions { Path = _directory.File("buffer.db") }, TimeProvider.System, LoggerFactory.CreateLogger<ReadingBuffer>());
    }

    protected override async ValueTask CleanUpAsync()
    {
        await _buffer.DisposeAsync();
        await _registry.DisposeAsync();
        _directory.Dispose();
    }

    private ReadingIngestor Ingestor(UnknownDevicePolicy policy) => new(
        new ContextEnricher(_registry, Options.Create(new ContextOptions { UnknownDevices = policy })),
        _buffer,
        new DeviceSequencer(),
        TimeProvider.System,
        LoggerFactory.CreateLogger<ReadingIngestor>());

    private static IngestItem Item(string topic, string payload)
    {
        var json = new DecoderOptions { Kind = DecoderKind.Json, Json = new JsonDecoderOptions { AllNumericFields = true } };
        return new IngestItem(
            new RawMessage(SourceKind.Mqtt, "mqtt", topic, Encoding.UTF8.GetBytes(payload), DateTimeOffset.UtcNow),
            PayloadDecoders.Create(json),
            TopicTemplate.Parse("city/aq/{deviceId}"));
    }

    [Fact]
    public async Task Bad_input_is_dead_lettered_with_its_reason_and_bytes_while_good_input_is_committed()
    {
        var ingestor = Ingestor(UnknownDevicePolicy.Reject);

        await ingestor.IngestAsync(
            [
                Item("city/aq/aq-1", """{"pm25": 12.5, "no2": 40}"""),
                Item("city/aq/aq-1", """{"pm25": """),
                Item("city/aq/stranger", """{"pm25": 1}"""),
                Item("elsewhere/aq-1", """{"pm25": 1}"""),
                Item("city/aq/aq-1", """{"pm25": "high"}"""),
            ],
            CancellationToken);

        Assert.Equal(2, ingestor.ReadingsIngested);
        Assert.Equal(4, ingestor.DeadLettered);
        var deadLetters = await _buffer.ListDeadLettersAsync(0, 10, CancellationToken);
        Assert.Equal(["malformed-json", "unknown-device", "topic-mismatch", "no-metrics"], deadLetters.Select(d => d.Entry.Reason));
        Assert.Equal("""{"pm25": """, Encoding.UTF8.GetString(deadLetters[0].Entry.Raw.Span));
        var rows = await _buffer.ReadBatchAsync(10, 1 << 20, CancellationToken);
        Assert.Equal(["pm25", "no2"], rows.Select(r => ReadingSerializer.Deserialize(r.Payload.Span).Metric));

        // Each cause is logged once, however many messages share it.
        await ingestor.IngestAsync([Item("city/aq/aq-1", "{"), Item("city/aq/aq-1", "[")], CancellationToken);
        Assert.Single(Logs.Entries, e => e.Message.Contains("malformed-json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_dead_letters_of_one_group_share_a_commit_instead_of_waiting_a_commit_interval_each()
    {
        // A flood of bad input must not slow ingest to one dead letter per commit interval.
        const int bad = 40;
        var slowCommits = new BufferOptions { Path = _directory.File("slow.db"), CommitInterval = TimeSpan.FromSeconds(1) };
        await using var buffer = new ReadingBuffer(slowCommits, TimeProvider.System, LoggerFactory.CreateLogger<ReadingBuffer>());
        var ingestor = new ReadingIngestor(
            new ContextEnricher(_registry, Options.Create(new ContextOptions())), buffer, new DeviceSequencer(), TimeProvider.System, LoggerFactory.CreateLogger<ReadingIngestor>());

        var ingest = ingestor.IngestAsync([.. Enumerable.Range(0, bad).Select(i => Item("city/aq/aq-1", $"{{\"pm25\": {i}"))], CancellationToken);

        // One after the other they would take 40 s; grouped, about one interval.
        await Eventually.WithinAsync(ingest, $"{bad} dead letters committed", TimeSpan.FromSeconds(15));
        Assert.Equal(bad, ingestor.DeadLettered);
        Assert.Equal(bad, (await buffer.ListDeadLettersAsync(0, 100, CancellationToken)).Count);
    }
}
