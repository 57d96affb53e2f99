using EdgeGateway.Buffering;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Buffering;

public sealed class OrderingTests : BufferTest
{
    [Fact]
    public async Task Priority_rows_are_read_before_normal_rows_each_lane_in_sequence_order()
    {
        var buffer = Open();
        await AppendAsync(buffer, Entry("a", "n1"), Entry("a", "n2"));
        await AppendAsync(buffer, Entry("a", "p1", BufferLane.Priority));
        await AppendAsync(buffer, Entry("b", "n3"));
        await AppendAsync(buffer, Entry("b", "p2", BufferLane.Priority));

        var rows = await buffer.ReadBatchAsync(10, long.MaxValue, CancellationToken);

        Assert.Equal(["p1", "p2", "n1", "n2", "n3"], rows.Select(Text));
        Assert.Equal([3L, 5, 1, 2, 4], rows.Select(r => r.Sequence));
        Assert.Equal([BufferLane.Priority, BufferLane.Priority, BufferLane.Normal, BufferLane.Normal, BufferLane.Normal], rows.Select(r => r.Lane));
    }

    [Fact]
    public async Task A_priority_row_appended_later_is_read_before_the_normal_backlog()
    {
        var buffer = Open();
        await AppendAsync(buffer, [.. Enumerable.Range(0, 10).Select(i => Entry("a", $"n{i}"))]);
        var first = await buffer.ReadBatchAsync(3, long.MaxValue, CancellationToken);
        await AppendAsync(buffer, Entry("a", "alert", BufferLane.Priority));

        var next = await buffer.ReadBatchAsync(3, long.MaxValue, CancellationToken);

        Assert.Equal(["n0", "n1", "n2"], first.Select(Text));
        Assert.Equal(["alert", "n3", "n4"], next.Select(Text));
    }

    [Fact]
    public async Task Returned_rows_are_read_again_first_in_their_original_order()
    {
        var buffer = Open();
        for (var i = 0; i < 10; i++)
        {
            await AppendAsync(buffer, Entry(i % 2 == 0 ? "a" : "b", $"r{i}"));
        }

        var batch1 = await buffer.ReadBatchAsync(4, long.MaxValue, CancellationToken);
        var batch2 = await buffer.ReadBatchAsync(4, long.MaxValue, CancellationToken);

        // Delivery of both failed; they come back in any order of calls.
        await buffer.ReturnAsync([.. batch2.Select(r => r.Sequence)], CancellationToken);
        await buffer.ReturnAsync([.. batch1.Select(r => r.Sequence).Reverse()], CancellationToken);
        var again = await ReadAllAsync(buffer, 3);

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), again.Select(r => r.Sequence));
        foreach (var device in again.GroupBy(r => r.DeviceId))
        {
            Assert.Equal(device.Select(r => r.Sequence).Order(), device.Select(r => r.Sequence));
        }
    }

    [Fact]
    public async Task Rows_still_in_flight_are_skipped_when_an_earlier_batch_is_returned()
    {
        var buffer = Open();
        await AppendAsync(buffer, [.. Enumerable.Range(1, 10).Select(i => Entry("a", $"r{i}"))]);
        var batch1 = await buffer.ReadBatchAsync(4, long.MaxValue, CancellationToken);
        var batch2 = await buffer.ReadBatchAsync(4, long.MaxValue, CancellationToken);

        await buffer.ReturnAsync([.. batch1.Select(r => r.Sequence)], CancellationToken);
        var next = await buffer.ReadBatchAsync(10, long.MaxValue, CancellationToken);

        Assert.Equal([5L, 6, 7, 8], batch2.Select(r => r.Sequence));
        Assert.Equal([1L, 2, 3, 4, 9, 10], next.Select(r => r.Sequence));
        Assert.Equal(10, buffer.GetStatistics().InFlightRows);
    }

    [Fact]
    public async Task Batches_stop_at_the_count_and_before_the_byte_bound_but_a_large_row_still_goes_alone()
    {
        var buffer = Open();
        await AppendAsync(buffer, [.. Enumerable.Range(0, 5).Select(_ => Entry("a", 100))]);
        await AppendAsync(buffer, Entry("a", 1000));

        var byBytes = await buffer.ReadBatchAsync(100, 350, CancellationToken);
        var byCount = await buffer.ReadBatchAsync(1, long.MaxValue, CancellationToken);
        var rest = await buffer.ReadBatchAsync(100, 350, CancellationToken);
        var large = await buffer.ReadBatchAsync(100, 350, CancellationToken);
        var none = await buffer.ReadBatchAsync(100, 350, CancellationToken);

        Assert.Equal([1L, 2, 3], byBytes.Select(r => r.Sequence));
        Assert.Equal([4L], byCount.Select(r => r.Sequence));
        Assert.Equal([5L], rest.Select(r => r.Sequence));
        Assert.Equal([6L], large.Select(r => r.Sequence));
        Assert.Empty(none);
    }

    [Fact]
    public async Task Release_deletes_exactly_the_given_rows_even_across_the_other_lane()
    {
        var buffer = Open();
        await AppendAsync(buffer, Entry("a", "n1"), Entry("a", "p1", BufferLane.Priority), Entry("a", "n2"), Entry("a", "n3"));
        var normal = (await buffer.ReadBatchAsync(10, long.MaxValue, CancellationToken)).Where(r => r.Lane == BufferLane.Normal).ToList();

        await buffer.ReleaseAsync([.. normal.Select(r => r.Sequence)], CancellationToken);
        await buffer.ReturnAsync([2], CancellationToken);
        var left = await ReadAllAsync(buffer);

        Assert.Equal(["p1"], left.Select(Text));
        var statistics = buffer.GetStatistics();
        Assert.Equal((0, 1, 3), (statistics.NormalRows, statistics.PriorityRows, statistics.ReleasedRows));
    }

    [Fact]
    public async Task WaitForData_completes_on_commit_and_on_return_but_not_while_everything_is_in_flight()
    {
        var buffer = Open();
        var empty = buffer.WaitForDataAsync(CancellationToken);
        Assert.False(empty.IsCompleted);

        await AppendAsync(buffer, Entry("a"));
        await Eventually.WithinAsync(empty, "WaitForData after a commit");

        var batch = await buffer.ReadBatchAsync(10, long.MaxValue, CancellationToken);
        var inFlight = buffer.WaitForDataAsync(CancellationToken);
        Assert.False(inFlight.IsCompleted);

        await buffer.ReturnAsync([.. batch.Select(r => r.Sequence)], CancellationToken);
        await Eventually.WithinAsync(inFlight, "WaitForData after a return");
    }

    [Fact]
    public async Task A_cancelled_read_leaves_no_rows_in_flight()
    {
        var buffer = Open();
        await AppendAsync(buffer, Entry("a"), Entry("a"));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => buffer.ReadBatchAsync(10, long.MaxValue, cancelled.Token));
        var rows = await ReadAllAsync(buffer);

        Assert.Equal([1L, 2], rows.Select(r => r.Sequence));
    }
}
