using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Buffering;

/// <summary>Waiting for a number of unsent rows (the forwarder's wait for a full batch).</summary>
public sealed class UnsentWaitTests : BufferTest
{
    [Fact]
    public async Task A_wait_for_three_unsent_rows_completes_with_the_commit_of_the_third()
    {
        var buffer = Open();
        var wait = buffer.WaitForUnsentAsync(3, CancellationToken);
        var sameThreshold = buffer.WaitForUnsentAsync(3, CancellationToken);
        var one = buffer.WaitForUnsentAsync(1, CancellationToken);

        await AppendAsync(buffer, Entry("dev", "a"), Entry("dev", "b"));

        // The state is published before an append completes, so the wait for three cannot be about to complete.
        await Eventually.WithinAsync(one, "the wait for one row");
        Assert.False(wait.IsCompleted);
        await AppendAsync(buffer, Entry("dev", "c"));
        await Eventually.WithinAsync(Task.WhenAll(wait, sameThreshold), "the wait for three rows");
        Assert.True(buffer.WaitForUnsentAsync(3, CancellationToken).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Rows_handed_out_do_not_count()
    {
        var buffer = Open();
        await AppendAsync(buffer, Entry("dev", "a"), Entry("dev", "b"));
        var batch = await buffer.ReadBatchAsync(2, long.MaxValue, CancellationToken);
        Assert.Equal(2, batch.Count);

        var wait = buffer.WaitForUnsentAsync(2, CancellationToken);
        await AppendAsync(buffer, Entry("dev", "c"));
        Assert.False(wait.IsCompleted);
        await AppendAsync(buffer, Entry("dev", "d"));
        await Eventually.WithinAsync(wait, "the wait for two rows not handed out");
    }

    [Fact]
    public async Task Disposing_fails_a_waiter_and_a_cancelled_wait_ends_cancelled()
    {
        var buffer = Open();
        using var cancel = new CancellationTokenSource();
        var cancelled = buffer.WaitForUnsentAsync(5, cancel.Token);
        var waiting = buffer.WaitForUnsentAsync(5, CancellationToken);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        await buffer.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => buffer.WaitForUnsentAsync(1, CancellationToken));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = buffer.WaitForUnsentAsync(0, CancellationToken); });
    }
}
