using EdgeGateway.Buffering;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Buffering;

/// <summary>The forwarder's requests while a commit group waits for its interval (latency from publish to Kafka).</summary>
public sealed class CommitWaitTests : BufferTest
{
    [Fact]
    public async Task Reads_and_releases_are_served_while_a_commit_group_waits_for_its_interval()
    {
        var time = new LongTimerSignal(TimeSpan.FromMinutes(5));
        var buffer = Open(
            Options(o =>
            {
                o.CommitInterval = TimeSpan.FromMinutes(10);
                o.CommitMaxCount = 2;
            }),
            time);

        // Two rows fill a group: committed at once. The third waits for the (long) interval.
        await AppendAsync(buffer, Entry("dev", "a"), Entry("dev", "b"));
        var pending = buffer.AppendAsync([Entry("dev", "c")], CancellationToken);
        await Eventually.WithinAsync(time.Created, "the group to wait for its commit interval");

        var read = await Eventually.WithinAsync(buffer.ReadBatchAsync(10, long.MaxValue, CancellationToken), "a read while the group waits");
        await Eventually.WithinAsync(buffer.ReleaseAsync([.. read.Select(r => r.Sequence)], CancellationToken), "a release while the group waits");

        Assert.Equal(["a", "b"], read.Select(Text));
        Assert.False(pending.IsCompleted);
        Assert.Equal(0, buffer.GetStatistics().Rows);

        // Disposing commits the waiting group (its caller is waiting for it).
        await buffer.DisposeAsync();
        Assert.True((await pending).IsCommitted);
    }

    /// <summary>The system clock, which signals when a timer of at least <c>threshold</c> is created.</summary>
    private sealed class LongTimerSignal(TimeSpan threshold) : TimeProvider
    {
        private readonly TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Created => _created.Task;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime >= threshold && dueTime != Timeout.InfiniteTimeSpan)
            {
                _created.TrySetResult();
            }

            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
