using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Testing.Time;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Buffering;

public sealed class FullPolicyTests : BufferTest
{
    // Rows of 10,000 payload bytes from device "dev": 10,067 accounted bytes; a 1 MiB buffer holds 93 of them.
    private const int Payload = 10_000;
    private const long RowBytes = Payload + 3 + ReadingBuffer.RowOverheadBytes;

    [Fact]
    public async Task Block_makes_appends_wait_until_rows_are_released_and_loses_nothing()
    {
        var buffer = Open(SmallBuffer(BufferFullPolicy.Block));
        var fit = await FillAsync(buffer);

        var blocked = buffer.AppendAsync([Entry("dev", Payload)], CancellationToken);
        var behind = buffer.AppendAsync([Entry("dev", Payload)], CancellationToken);
        await UntilAsync(() => buffer.GetStatistics().IsBlocked, "the buffer to block");
        Assert.False(blocked.IsCompleted);
        Assert.False(behind.IsCompleted);

        var delivered = await buffer.ReadBatchAsync(5, long.MaxValue, CancellationToken);
        await buffer.ReleaseAsync([.. delivered.Select(r => r.Sequence)], CancellationToken);
        var first = await Eventually.WithinAsync(blocked, "the blocked append to complete after a release");
        var second = await Eventually.WithinAsync(behind, "the append queued behind it to complete");

        Assert.Equal(fit + 1, first.Sequences!.Value.First);
        Assert.Equal(fit + 2, second.Sequences!.Value.First);
        var rest = await ReadAllAsync(buffer);
        Assert.Equal(Enumerable.Range(6, fit - 5 + 2).Select(i => (long)i), rest.Select(r => r.Sequence));
        var statistics = buffer.GetStatistics();
        Assert.Equal(0, statistics.Drops.Total);
        Assert.False(statistics.IsBlocked);
    }

    [Fact]
    public async Task A_blocked_append_can_be_cancelled_and_is_then_not_stored()
    {
        var buffer = Open(SmallBuffer(BufferFullPolicy.Block));
        var fit = await FillAsync(buffer);
        using var cancel = new CancellationTokenSource();

        var blocked = buffer.AppendAsync([Entry("dev", Payload)], cancel.Token);
        await UntilAsync(() => buffer.GetStatistics().IsBlocked, "the buffer to block");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked);

        var delivered = await buffer.ReadBatchAsync(1, long.MaxValue, CancellationToken);
        await buffer.ReleaseAsync([delivered[0].Sequence], CancellationToken);
        var next = await AppendAsync(buffer, Entry("dev", Payload));

        Assert.Equal(fit + 1, next.Sequences!.Value.First);
        Assert.Equal(fit + 1, buffer.GetStatistics().CommittedRows);
    }

    [Fact]
    public async Task Drop_oldest_deletes_the_oldest_normal_rows_not_in_flight_and_counts_them()
    {
        var buffer = Open(SmallBuffer(BufferFullPolicy.DropOldest));
        await AppendAsync(buffer, Entry("dev", Payload, BufferLane.Priority));
        var fit = 1 + await FillAsync(buffer, already: 1);
        var inFlight = await buffer.ReadBatchAsync(2, long.MaxValue, CancellationToken);

        for (var i = 0; i < 3; i++)
        {
            Assert.True((await AppendAsync(buffer, Entry("dev", Payload))).IsCommitted);
        }

        await buffer.ReturnAsync([.. inFlight.Select(r => r.Sequence)], CancellationToken);
        var rows = await ReadAllAsync(buffer);
        var statistics = buffer.GetStatistics();

        Assert.Equal([1L, 2], inFlight.Select(r => r.Sequence));
        Assert.Equal(3, statistics.Drops.FullDropOldest);
        Assert.Equal(3, statistics.Drops.Total);
        Assert.Equal(fit, statistics.Rows);
        Assert.Equal([1L, 2, .. Enumerable.Range(6, fit + 3 - 5).Select(i => (long)i)], rows.Select(r => r.Sequence));
        Assert.True(statistics.Bytes <= statistics.CapacityBytes);
    }

    [Fact]
    public async Task Drop_oldest_takes_priority_rows_only_when_no_normal_row_is_left()
    {
        var buffer = Open(SmallBuffer(BufferFullPolicy.DropOldest));
        var fit = await FillAsync(buffer, lane: BufferLane.Priority);

        await AppendAsync(buffer, Entry("dev", Payload));
        var rows = await ReadAllAsync(buffer);

        Assert.Equal(1, buffer.GetStatistics().Drops.FullDropOldest);
        Assert.Equal([.. Enumerable.Range(2, fit - 1).Select(i => (long)i), fit + 1L], rows.Select(r => r.Sequence));
    }

    [Fact]
    public async Task Reject_new_refuses_appends_when_full_counts_them_and_the_refused_rows_can_be_dead_lettered()
    {
        var buffer = Open(SmallBuffer(BufferFullPolicy.RejectNew));
        var fit = await FillAsync(buffer);

        var result = await AppendAsync(buffer, Entry("dev", Payload), Entry("dev", Payload));
        var deadLetter = await buffer.AddDeadLetterAsync(
            new DeadLetterEntry(DeadLetterReasons.For(result.Rejection), "buffer full", "mqtt", "city", "sensors/dev", new byte[Payload], DateTimeOffset.UtcNow),
            CancellationToken);

        Assert.False(result.IsCommitted);
        Assert.Equal(AppendRejection.Full, result.Rejection);
        Assert.Null(result.Sequences);
        var statistics = buffer.GetStatistics();
        Assert.Equal(2, statistics.Drops.FullRejectNew);
        Assert.Equal(fit, statistics.Rows);
        Assert.NotNull(deadLetter);
        Assert.Equal(1, statistics.DeadLetters);
    }

    [Fact]
    public async Task A_request_bigger_than_the_whole_buffer_is_rejected_even_under_block()
    {
        var buffer = Open(SmallBuffer(BufferFullPolicy.Block));

        var result = await AppendAsync(buffer, Entry("dev", 2 * 1024 * 1024));

        Assert.Equal(AppendRejection.TooLarge, result.Rejection);
        Assert.Equal(1, buffer.GetStatistics().Drops.TooLarge);
    }

    [Fact]
    public async Task Disk_guard_rejects_under_reject_new_while_free_space_is_low()
    {
        var disk = new ManualFreeSpace(10L << 20);
        var buffer = Open(Options(o =>
        {
            o.FullPolicy = BufferFullPolicy.RejectNew;
            o.MinFreeDisk = ByteSize.FromMebibytes(100);
        }), freeSpace: disk);

        var refused = await AppendAsync(buffer, Entry("dev"));
        var deadLetter = await buffer.AddDeadLetterAsync(
            new DeadLetterEntry(DeadLetterReasons.DiskGuard, null, "mqtt", "city", "sensors/dev", new byte[10], DateTimeOffset.UtcNow), CancellationToken);
        disk.Available = 1L << 30;
        var accepted = await AppendAsync(buffer, Entry("dev"));

        Assert.Equal(AppendRejection.DiskGuard, refused.Rejection);
        Assert.Null(deadLetter);
        Assert.True(accepted.IsCommitted);
        var statistics = buffer.GetStatistics();
        Assert.Equal(new BufferDrops(0, 0, 0, 1, 0), statistics.Drops);
        Assert.Equal((0, 1), (statistics.DeadLetters, statistics.DeadLettersDropped));
    }

    [Fact]
    public async Task Disk_guard_blocks_under_block_until_free_space_returns()
    {
        var disk = new ManualFreeSpace(0);
        var time = new FakeTimeProvider();
        var buffer = Open(Options(o =>
        {
            o.CommitInterval = TimeSpan.Zero;
            o.MinFreeDisk = ByteSize.FromMebibytes(100);
        }), time, disk);

        var pending = buffer.AppendAsync([Entry("dev")], CancellationToken);
        await UntilAsync(() => buffer.GetStatistics().IsBlocked, "the buffer to block on the disk guard");
        Assert.False(pending.IsCompleted);

        disk.Available = 1L << 30;
        await UntilAsync(
            () =>
            {
                // The writer looks at the free space again every second of its clock.
                time.Advance(TimeSpan.FromSeconds(1));
                return pending.IsCompleted;
            },
            "the append to go through once there is free space");

        Assert.True((await pending).IsCommitted);
        Assert.Equal(0, buffer.GetStatistics().Drops.Total);
    }

    [Fact]
    public async Task Disk_guard_under_drop_oldest_replaces_the_oldest_rows_and_counts_them()
    {
        var disk = new ManualFreeSpace(1L << 30);
        var buffer = Open(Options(o =>
        {
            o.FullPolicy = BufferFullPolicy.DropOldest;
            o.MinFreeDisk = ByteSize.FromMebibytes(100);
        }), freeSpace: disk);
        await AppendAsync(buffer, Entry("dev", "1"), Entry("dev", "2"), Entry("dev", "3"));

        disk.Available = 0;
        var result = await AppendAsync(buffer, Entry("dev", "4"));
        var rows = await ReadAllAsync(buffer);

        Assert.True(result.IsCommitted);
        Assert.Equal(["2", "3", "4"], rows.Select(Text));
        Assert.Equal(new BufferDrops(0, 0, 0, 1, 0), buffer.GetStatistics().Drops);
    }

    [Fact]
    public void The_default_free_space_probe_reads_the_filesystem()
    {
        Assert.True(new FileSystemFreeSpaceProbe().GetAvailableBytes(Temp.Path) > 0);
    }

    private BufferOptions SmallBuffer(BufferFullPolicy policy) => Options(o =>
    {
        o.MaxSize = ByteSize.FromMebibytes(1);
        o.FullPolicy = policy;
    });

    /// <summary>Appends rows of <see cref="RowBytes"/> until the next one would not fit; returns how many it appended.</summary>
    private static async Task<int> FillAsync(ReadingBuffer buffer, int already = 0, BufferLane lane = BufferLane.Normal)
    {
        var fit = (int)(buffer.GetStatistics().CapacityBytes / RowBytes) - already;
        for (var i = 0; i < fit; i++)
        {
            Assert.True((await AppendAsync(buffer, Entry("dev", Payload, lane))).IsCommitted);
        }

        Assert.True(buffer.GetStatistics().CapacityBytes - buffer.GetStatistics().Bytes < RowBytes);
        return fit;
    }
}
