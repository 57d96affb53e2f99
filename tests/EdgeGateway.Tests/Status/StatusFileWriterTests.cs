using System.Text.Json;
using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Status;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Time;
using EdgeGateway.Testing.Waiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;

namespace EdgeGateway.Tests.Status;

public sealed class StatusFileWriterTests : LoggedTest
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private readonly TempDirectory _directory = TempDirectory.Create("status");
    private readonly FakeTimeProvider _time = new();

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    private StatusFileWriter Writer(FakeStatistics stats, string? statusFile = null) => new(
        stats.Collector(Interval),
        Options.Create(new GatewayOptions { StatusFile = statusFile, StatusInterval = Interval }),
        Options.Create(new BufferOptions { Path = _directory.File("data/buffer.db") }),
        _time,
        LoggerFactory.CreateLogger<StatusFileWriter>());

    private static GatewayStatus? TryRead(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), StatusJsonContext.Default.GatewayStatus);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    [Fact]
    public async Task By_default_the_file_lies_next_to_the_buffer_and_is_rewritten_every_interval_and_once_at_stop()
    {
        var stats = new FakeStatistics(_time);
        using var writer = Writer(stats);
        Assert.Equal(_directory.File("data/status.json"), writer.FilePath);

        await writer.StartAsync(CancellationToken);
        await Eventually.TrueAsync(() => TryRead(writer.FilePath) is not null, "the first snapshot is written", cancellationToken: CancellationToken);
        Assert.Equal(_time.GetUtcNow(), TryRead(writer.FilePath)!.GeneratedAt);

        stats.Ingest = stats.Ingest with { ReadingsIngested = 150 };
        _time.Advance(Interval);
        var second = _time.GetUtcNow();
        await Eventually.TrueAsync(() => TryRead(writer.FilePath)?.GeneratedAt == second, "the next snapshot is written one interval later", cancellationToken: CancellationToken);
        Assert.Equal(150, TryRead(writer.FilePath)!.Ingest.ReadingsIngested);

        stats.Ingest = stats.Ingest with { ReadingsIngested = 160 };
        _time.Advance(TimeSpan.FromMilliseconds(500));
        await writer.StopAsync(CancellationToken);

        var last = TryRead(writer.FilePath)!;
        Assert.Equal(GatewayRunState.Stopped, last.State);
        Assert.Equal(160, last.Ingest.ReadingsIngested);
        Assert.Equal(_time.GetUtcNow(), last.GeneratedAt);
        Assert.Equal(["status.json"], Directory.GetFiles(_directory.File("data")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_file_that_cannot_be_written_is_logged_once_and_the_gateway_runs_on()
    {
        // A regular file where the status file's directory should be: every write fails the same way.
        var blocker = _directory.WriteFile("blocker", "not a directory");
        var stats = new FakeStatistics(_time);
        using var writer = Writer(stats, Path.Combine(blocker, "status.json"));

        await writer.StartAsync(CancellationToken);
        await Eventually.TrueAsync(() => Logs.Entries.Count > 0, "the writer's loop tried its first write", cancellationToken: CancellationToken);
        Assert.False(await writer.WriteAsync(GatewayRunState.Running, CancellationToken));
        _time.Advance(Interval * 3);
        Assert.False(await writer.WriteAsync(GatewayRunState.Running, CancellationToken));
        await writer.StopAsync(CancellationToken);

        Assert.Null(writer.ExecuteTask!.Exception);
        Assert.True(writer.ExecuteTask.IsCompletedSuccessfully, writer.ExecuteTask.Status.ToString());
        Assert.Single(Logs.Entries, e => e.Message.Contains("Cannot write the status file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Writing_resumes_when_the_cause_is_gone()
    {
        var stats = new FakeStatistics(_time);
        var blocker = _directory.WriteFile("later", "not a directory yet");
        using var writer = Writer(stats, Path.Combine(blocker, "status.json"));

        Assert.False(await writer.WriteAsync(GatewayRunState.Running, CancellationToken));
        File.Delete(blocker);
        Assert.True(await writer.WriteAsync(GatewayRunState.Running, CancellationToken));

        Assert.NotNull(TryRead(writer.FilePath));
        Assert.Single(Logs.Entries, e => e.Message.Contains("is written again", StringComparison.Ordinal));
    }
}
