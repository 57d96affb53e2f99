using EdgeGateway.Buffering;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Buffering;

public sealed class DurabilityTests : BufferTest
{
    [Fact]
    public async Task Committed_rows_survive_a_restart_with_their_sequence_device_time_and_payload()
    {
        // Now, to the millisecond (what the file keeps): a fixed date would fall to the age sweep once the real clock is MaxAge past it.
        var receivedAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var first = Open();
        var a = await AppendAsync(first, Entry("aq-1", "one", receivedAt: receivedAt), Entry("aq-2", "two", receivedAt: receivedAt));
        var b = await AppendAsync(first, Entry("aq-1", string.Empty, receivedAt: receivedAt));
        var bytes = first.GetStatistics().Bytes;
        await first.DisposeAsync();

        Assert.True(a.IsCommitted);
        Assert.Equal((1, 2), (a.Sequences!.Value.First, a.Sequences.Value.Last));
        Assert.Equal((3, 3), (b.Sequences!.Value.First, b.Sequences.Value.Last));

        var second = Open();
        var statistics = second.GetStatistics();
        Assert.Equal(3, statistics.NormalRows);
        Assert.Equal(bytes, statistics.Bytes);
        var rows = await ReadAllAsync(second);
        Assert.Equal([1L, 2, 3], rows.Select(r => r.Sequence));
        Assert.Equal(["aq-1", "aq-2", "aq-1"], rows.Select(r => r.DeviceId.Value));
        Assert.Equal(["one", "two", string.Empty], rows.Select(Text));
        Assert.All(rows, row => Assert.Equal(receivedAt, row.ReceivedAt));
    }

    [Fact]
    public async Task Rows_handed_out_but_not_released_are_unsent_again_after_a_restart()
    {
        var first = Open();
        for (var i = 1; i <= 5; i++)
        {
            await AppendAsync(first, Entry("dev", $"r{i}"));
        }

        var batch = await first.ReadBatchAsync(3, long.MaxValue, CancellationToken);
        Assert.Equal([1L, 2, 3], batch.Select(r => r.Sequence));
        await first.ReleaseAsync([1], CancellationToken);
        await first.DisposeAsync();

        var second = Open();
        var rows = await ReadAllAsync(second);
        Assert.Equal([2L, 3, 4, 5], rows.Select(r => r.Sequence));
    }

    [Fact]
    public async Task Sequence_numbers_are_never_reused_even_after_the_buffer_was_emptied_and_reopened()
    {
        var first = Open();
        await AppendAsync(first, Entry("dev"), Entry("dev"));
        var rows = await ReadAllAsync(first);
        await first.ReleaseAsync([.. rows.Select(r => r.Sequence)], CancellationToken);
        Assert.Equal(0, first.GetStatistics().Rows);
        await first.DisposeAsync();

        var second = Open();
        var result = await AppendAsync(second, Entry("dev"));
        Assert.Equal(3, result.Sequences!.Value.First);
    }

    [Fact]
    public async Task Concurrent_appends_share_commits_and_none_completes_before_its_row_is_committed()
    {
        var buffer = Open(Options(o => o.CommitInterval = TimeSpan.FromMilliseconds(20)));
        using var independent = OpenIndependentConnection();
        using var check = new SemaphoreSlim(1);
        const int requests = 200;
        var invisible = 0;

        async Task AppendAndCheckAsync(int i)
        {
            var result = await buffer.AppendAsync([Entry($"dev-{i % 7}", $"r{i}")], CancellationToken);
            await check.WaitAsync(CancellationToken);
            try
            {
                // At completion, another connection must already see the row: it is committed.
                using var command = independent.CreateCommand();
                command.CommandText = "SELECT count(*) FROM readings WHERE sequence = $s";
                command.Parameters.AddWithValue("$s", result.Sequences!.Value.First);
                if ((long)command.ExecuteScalar()! != 1)
                {
                    Interlocked.Increment(ref invisible);
                }
            }
            finally
            {
                check.Release();
            }
        }

        var tasks = Enumerable.Range(0, requests).Select(i => Task.Run(() => AppendAndCheckAsync(i), CancellationToken)).ToArray();
        await Eventually.WithinAsync(Task.WhenAll(tasks), "every append to complete");

        var statistics = buffer.GetStatistics();
        Assert.Equal(0, invisible);
        Assert.Equal(requests, statistics.AppendRequests);
        Assert.Equal(requests, statistics.CommittedRows);
        Assert.True(statistics.Commits <= requests / 4, $"{statistics.Commits} commits for {requests} requests: appends were not grouped");
        Assert.True(statistics.AverageRowsPerCommit >= 4);
    }

    [Fact]
    public async Task A_group_never_exceeds_CommitMaxCount_rows_unless_one_request_is_bigger()
    {
        var buffer = Open(Options(o =>
        {
            o.CommitInterval = TimeSpan.FromMilliseconds(50);
            o.CommitMaxCount = 10;
        }));

        var tasks = Enumerable.Range(0, 50).Select(i => buffer.AppendAsync([Entry("dev", $"r{i}")], CancellationToken)).ToList();
        tasks.Add(buffer.AppendAsync([.. Enumerable.Range(0, 25).Select(i => Entry("big", $"b{i}"))], CancellationToken));
        await Eventually.WithinAsync(Task.WhenAll(tasks), "every append to complete");

        var statistics = buffer.GetStatistics();
        Assert.Equal(75, statistics.CommittedRows);
        Assert.True(statistics.Commits >= 6, $"{statistics.Commits} commits: groups exceeded CommitMaxCount");
    }
}
