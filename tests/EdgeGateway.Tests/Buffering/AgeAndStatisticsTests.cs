using EdgeGateway.Buffering;
using EdgeGateway.Testing.Time;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Buffering;

public sealed class AgeAndStatisticsTests : BufferTest
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Rows_older_than_MaxAge_are_deleted_by_the_periodic_sweep_and_counted()
    {
        var buffer = OpenWithFakeClock();
        await AppendAsync(buffer, Entry("a", "old", receivedAt: _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromMinutes(9));
        await AppendAsync(buffer, Entry("a", "young", receivedAt: _time.GetUtcNow()));

        _time.Advance(TimeSpan.FromMinutes(6));
        await WaitForExpiredAsync(buffer, 1);
        var rows = await ReadAllAsync(buffer);

        Assert.Equal(["young"], rows.Select(Text));
        Assert.Equal(1, buffer.GetStatistics().Drops.Expired);
        Assert.Contains(Logs.Entries, e => e.EventId.Id == 204);
    }

    [Fact]
    public async Task Rows_handed_out_do_not_expire_until_they_are_returned()
    {
        var buffer = OpenWithFakeClock();
        await AppendAsync(buffer, Entry("a", "sending", receivedAt: _time.GetUtcNow()), Entry("a", "waiting", receivedAt: _time.GetUtcNow()));
        var inFlight = await buffer.ReadBatchAsync(1, long.MaxValue, CancellationToken);

        _time.Advance(TimeSpan.FromMinutes(15));
        await WaitForExpiredAsync(buffer, 1);
        Assert.Equal((1, 1), (buffer.GetStatistics().Rows, buffer.GetStatistics().InFlightRows));

        await buffer.ReturnAsync([inFlight[0].Sequence], CancellationToken);
        _time.Advance(TimeSpan.FromMinutes(1));
        await WaitForExpiredAsync(buffer, 2);
        Assert.Equal(0, buffer.GetStatistics().Rows);
    }

    [Fact]
    public async Task Statistics_report_depth_bytes_age_and_counters()
    {
        var buffer = OpenWithFakeClock();
        var start = _time.GetUtcNow();
        await AppendAsync(buffer, Entry("a", 10, receivedAt: start), Entry("bb", 20, receivedAt: start));
        await AppendAsync(buffer, Entry("a", 30, BufferLane.Priority, receivedAt: start.AddSeconds(1)));
        _time.Advance(TimeSpan.FromSeconds(5));

        var batch = await buffer.ReadBatchAsync(1, long.MaxValue, CancellationToken);
        var afterRead = buffer.GetStatistics();
        await buffer.ReleaseAsync([batch[0].Sequence], CancellationToken);
        var afterRelease = buffer.GetStatistics();

        Assert.Equal((2, 1, 3), (afterRead.NormalRows, afterRead.PriorityRows, afterRead.Rows));
        Assert.Equal(10 + 1 + 20 + 2 + 30 + 1 + (3 * ReadingBuffer.RowOverheadBytes), afterRead.Bytes);
        Assert.Equal(TimeSpan.FromSeconds(5), afterRead.OldestUnsentAge);
        Assert.Equal(1, afterRead.InFlightRows);
        Assert.Equal((2L, 3L, 3L), (afterRead.AppendRequests, afterRead.AppendedRows, afterRead.CommittedRows));
        Assert.Equal(2, afterRead.Commits);
        Assert.Equal(1.5, afterRead.AverageRowsPerCommit);
        Assert.Equal(ByteSizeOf(Options()) - (ByteSizeOf(Options()) * ReadingBuffer.DeadLetterSharePercent / 100), afterRead.CapacityBytes);

        Assert.Equal((2, 0, 0, 1), (afterRelease.NormalRows, afterRelease.PriorityRows, afterRelease.InFlightRows, afterRelease.ReleasedRows));
        Assert.Equal(10 + 1 + 20 + 2 + (2 * ReadingBuffer.RowOverheadBytes), afterRelease.Bytes);
        Assert.Equal(TimeSpan.FromSeconds(5), afterRelease.OldestUnsentAge);
    }

    private static long ByteSizeOf(BufferOptions options) => options.MaxSize.Bytes;

    private ReadingBuffer OpenWithFakeClock() => Open(
        Options(o =>
        {
            o.MaxAge = TimeSpan.FromMinutes(10);
            o.CommitInterval = TimeSpan.Zero; // no timer between append and commit on a clock that only moves by hand
        }),
        _time);

    /// <summary>
    /// Waits for the sweep to have deleted <paramref name="expected"/> rows. The writer schedules its
    /// next sweep on its own thread, so it may miss the end of an Advance: nudge the clock by seconds
    /// (far less than any row's margin in these tests) until it has swept.
    /// </summary>
    private async Task WaitForExpiredAsync(ReadingBuffer buffer, long expected)
    {
        await UntilAsync(
            () =>
            {
                if (buffer.GetStatistics().Drops.Expired >= expected)
                {
                    return true;
                }

                _time.Advance(TimeSpan.FromSeconds(5));
                return false;
            },
            $"{expected} rows to expire");
        Assert.Equal(expected, buffer.GetStatistics().Drops.Expired);
    }
}
