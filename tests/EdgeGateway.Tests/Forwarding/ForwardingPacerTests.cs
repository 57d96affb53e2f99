using EdgeGateway.Forwarding;
using EdgeGateway.Testing.Time;
using Xunit;

namespace EdgeGateway.Tests.Forwarding;

public sealed class ForwardingPacerTests
{
    [Fact]
    public void Without_a_rate_nothing_ever_waits()
    {
        var time = new FakeTimeProvider();
        var pacer = new ForwardingPacer(0, time);

        pacer.Sent(1_000_000);

        Assert.False(pacer.IsLimited);
        Assert.Equal(TimeSpan.Zero, pacer.Delay);
    }

    [Fact]
    public void Each_batch_pushes_the_next_one_back_by_its_share_of_the_rate()
    {
        var time = new FakeTimeProvider();
        var pacer = new ForwardingPacer(1000, time);

        pacer.Sent(500);
        Assert.Equal(TimeSpan.FromMilliseconds(500), pacer.Delay);

        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(TimeSpan.Zero, pacer.Delay);
        pacer.Sent(250);
        Assert.Equal(TimeSpan.FromMilliseconds(250), pacer.Delay);
    }

    [Fact]
    public void A_backlog_drains_at_the_rate_over_many_batches()
    {
        var time = new FakeTimeProvider();
        var pacer = new ForwardingPacer(2000, time);
        var start = time.GetUtcNow();

        // 100 batches of 100 readings, each sent as soon as the pacer allows.
        for (var batch = 0; batch < 100; batch++)
        {
            time.Advance(pacer.Delay);
            pacer.Sent(100);
        }

        time.Advance(pacer.Delay);
        Assert.Equal(TimeSpan.FromSeconds(5), time.GetUtcNow() - start);
    }

    [Fact]
    public void Idle_time_is_saved_up_for_one_second_at_most()
    {
        var time = new FakeTimeProvider();
        var pacer = new ForwardingPacer(1000, time);

        time.Advance(TimeSpan.FromHours(1));

        // A second's worth goes at once; the next second's worth waits its turn.
        pacer.Sent(1000);
        Assert.Equal(TimeSpan.Zero, pacer.Delay);
        pacer.Sent(1000);
        Assert.Equal(TimeSpan.FromSeconds(1), pacer.Delay);
    }

    [Fact]
    public void A_negative_rate_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ForwardingPacer(-1, new FakeTimeProvider()));

    [Fact]
    public void The_rate_can_be_set_and_lifted_while_running()
    {
        var time = new FakeTimeProvider();
        var pacer = new ForwardingPacer(0, time);

        pacer.SetRate(100);
        pacer.Sent(50);
        Assert.True(pacer.IsLimited);
        Assert.Equal(TimeSpan.FromMilliseconds(500), pacer.Delay);

        pacer.SetRate(0);
        Assert.False(pacer.IsLimited);
        Assert.Equal(TimeSpan.Zero, pacer.Delay);
        Assert.Throws<ArgumentOutOfRangeException>(() => pacer.SetRate(-1));
    }
}
