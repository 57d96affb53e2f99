using EdgeGateway.Buffering;
using EdgeGateway.Forwarding;
using EdgeGateway.Tests.Buffering;
using Xunit;

namespace EdgeGateway.Tests.Forwarding;

public sealed class BatchLingerTests
{
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(15);

    [Fact]
    public void A_batch_that_is_not_full_waits_what_is_left_of_the_linger_since_its_oldest_reading_arrived()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(11), BatchLinger.WaitBeforeRead(Linger, 500, Buffer(rows: 20, oldest: TimeSpan.FromMilliseconds(4))));
        Assert.Equal(Linger, BatchLinger.WaitBeforeRead(Linger, 500, Buffer(rows: 1, oldest: TimeSpan.Zero)));
    }

    [Theory]
    [InlineData(500, 0, 1)] // a full batch is ready
    [InlineData(800, 0, 1)]
    [InlineData(20, 0, 15)] // the oldest reading has waited the whole linger
    [InlineData(20, 0, 900)]
    [InlineData(20, 500, 1)] // rows in flight: the forwarder is behind
    public void No_wait_for_a_full_batch_an_old_enough_reading_or_a_forwarder_that_is_behind(long rows, long inFlight, int oldestMs)
    {
        Assert.Equal(TimeSpan.Zero, BatchLinger.WaitBeforeRead(Linger, 500, Buffer(rows, TimeSpan.FromMilliseconds(oldestMs), inFlight)));
    }

    [Fact]
    public void No_wait_when_nothing_is_unsent_or_the_linger_is_zero()
    {
        Assert.Equal(TimeSpan.Zero, BatchLinger.WaitBeforeRead(Linger, 500, Buffer(rows: 0, oldest: null)));
        Assert.Equal(TimeSpan.Zero, BatchLinger.WaitBeforeRead(TimeSpan.Zero, 500, Buffer(rows: 3, oldest: TimeSpan.Zero)));
    }

    [Fact]
    public void A_reading_stamped_in_the_future_clock_step_back_waits_no_longer_than_the_linger()
    {
        // OldestUnsentAge is clamped at zero by the buffer; a negative age must not stretch the wait either.
        Assert.Equal(Linger, BatchLinger.WaitBeforeRead(Linger, 500, Buffer(rows: 3, oldest: TimeSpan.FromSeconds(-30))));
    }

    private static BufferStatistics Buffer(long rows, TimeSpan? oldest, long inFlight = 0) =>
        EmptyBufferStatistics.Value with { NormalRows = rows, InFlightRows = inFlight, Bytes = rows * 100, OldestUnsentAge = oldest };
}
