using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Testing.Waiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace EdgeGateway.Tests.Buffering;

public sealed class LifecycleTests : BufferTest
{
    [Fact]
    public async Task Disposing_fails_waiting_appends_and_waits_instead_of_leaving_them_forever()
    {
        var buffer = Open(Options(o =>
        {
            o.MaxSize = ByteSize.FromMebibytes(1);
            o.FullPolicy = BufferFullPolicy.Block;
        }));
        await AppendAsync(buffer, Entry("dev", 900_000));
        var blocked = Enumerable.Range(0, 3).Select(_ => buffer.AppendAsync([Entry("dev", 100_000)], CancellationToken)).ToList();
        await buffer.ReadBatchAsync(10, long.MaxValue, CancellationToken);
        var waitForData = buffer.WaitForDataAsync(CancellationToken);
        await UntilAsync(() => buffer.GetStatistics().IsBlocked, "the buffer to block");

        await buffer.DisposeAsync();

        foreach (var append in blocked)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => Eventually.WithinAsync(append, "a blocked append to fail"));
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(() => Eventually.WithinAsync(waitForData, "WaitForData to fail"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => AppendAsync(buffer, Entry("dev")));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => buffer.ReadBatchAsync(1, 1, CancellationToken));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => buffer.WaitForDataAsync(CancellationToken));
        await buffer.Completion;
    }

    [Fact]
    public async Task Disposing_while_appends_stream_in_completes_or_fails_each_and_every_completed_one_is_stored()
    {
        var buffer = Open(Options(o => o.CommitInterval = TimeSpan.FromMilliseconds(1)));
        var committed = new System.Collections.Concurrent.ConcurrentBag<long>();
        using var started = new SemaphoreSlim(0);

        async Task AppendUntilDisposedAsync(int writer)
        {
            for (var i = 0; ; i++)
            {
                try
                {
                    var result = await buffer.AppendAsync([Entry($"dev-{writer}", $"{i}")], CancellationToken);
                    committed.Add(result.Sequences!.Value.First);
                    if (i == 10)
                    {
                        started.Release();
                    }
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        }

        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(() => AppendUntilDisposedAsync(w), CancellationToken)).ToArray();
        for (var i = 0; i < writers.Length; i++)
        {
            await started.WaitAsync(TestTimeouts.Default, CancellationToken);
        }

        await buffer.DisposeAsync();
        await Eventually.WithinAsync(Task.WhenAll(writers), "every writer to see the buffer disposed");

        var reopened = Open();
        var stored = (await ReadAllAsync(reopened, 1000)).Select(r => r.Sequence).ToHashSet();
        Assert.NotEmpty(committed);
        Assert.All(committed, sequence => Assert.Contains(sequence, stored));
    }

    [Fact]
    public async Task A_file_from_a_newer_schema_is_refused()
    {
        await Open().DisposeAsync();
        using (var connection = OpenIndependentConnection())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<InvalidOperationException>(() => Open());
        Assert.Contains("newer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_file_uses_WAL_and_the_configured_synchronous_level()
    {
        var buffer = Open(Options(o => o.Synchronous = SqliteSynchronous.Normal));
        await AppendAsync(buffer, Entry("dev"));

        using var connection = OpenIndependentConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "PRAGMA user_version";
        Assert.Equal(1L, command.ExecuteScalar());
        Assert.Throws<ArgumentOutOfRangeException>(() => Open(Options(o =>
        {
            o.Path = Temp.File("other.db");
            o.Synchronous = SqliteSynchronous.Off;
        })));
    }

    [Fact]
    public async Task AddReadingBuffer_opens_the_buffer_from_options_and_disposes_it_with_the_provider()
    {
        var services = new ServiceCollection();
        services.AddSingleton(LoggerFactory);
        services.AddLogging();
        services.AddSingleton<IOptions<BufferOptions>>(Microsoft.Extensions.Options.Options.Create(Options()));
        services.AddReadingBuffer();

        var provider = services.BuildServiceProvider();
        await using (provider)
        {
            var buffer = provider.GetRequiredService<ReadingBuffer>();
            Assert.Same(buffer, provider.GetRequiredService<ReadingBuffer>());
            Assert.True((await AppendAsync(buffer, Entry("dev"))).IsCommitted);
        }

        var reopened = Open();
        Assert.Equal(1, reopened.GetStatistics().Rows);
    }
}
