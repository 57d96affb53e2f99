using EdgeGateway.Buffering;
using EdgeGateway.Domain;
using EdgeGateway.Forwarding;
using EdgeGateway.Testing.Time;
using EdgeGateway.Tests.Buffering;
using Xunit;

namespace EdgeGateway.Tests.Forwarding;

public sealed class BatchLingerTests
{
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(15);
    private static readonly TimeSpan Twenty = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(200); // 200 ms, or two lingers when longer

    [Fact]
    public void A_batch_that_is_not_full_waits_what_is_left_of_the_linger_since_its_oldest_reading_arrived()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(11), BatchLinger.Remaining(Linger, 500, Buffer(rows: 20, oldest: TimeSpan.FromMilliseconds(4))));
        Assert.Equal(Linger, BatchLinger.Remaining(Linger, 500, Buffer(rows: 1, oldest: TimeSpan.Zero)));
    }

    [Theory]
    [InlineData(500, 0, 1)] // a full batch is ready
    [InlineData(800, 0, 1)]
    [InlineData(20, 0, 15)] // the oldest reading has waited the whole linger
    [InlineData(20, 0, 900)]
    [InlineData(20, 500, 1)] // rows in flight: the forwarder is behind
    public void No_wait_for_a_full_batch_an_old_enough_reading_or_a_forwarder_that_is_behind(long rows, long inFlight, int oldestMs)
    {
        Assert.Equal(TimeSpan.Zero, BatchLinger.Remaining(Linger, 500, Buffer(rows, TimeSpan.FromMilliseconds(oldestMs), inFlight)));
    }

    [Fact]
    public void No_wait_when_nothing_is_unsent_or_the_linger_is_zero()
    {
        Assert.Equal(TimeSpan.Zero, BatchLinger.Remaining(Linger, 500, Buffer(rows: 0, oldest: null)));
        Assert.Equal(TimeSpan.Zero, BatchLinger.Remaining(TimeSpan.Zero, 500, Buffer(rows: 3, oldest: TimeSpan.Zero)));
    }

    [Fact]
    public void A_reading_stamped_in_the_future_clock_step_back_waits_no_longer_than_the_linger()
    {
        // OldestUnsentAge is clamped at zero by the buffer; a negative age must not stretch the wait either.
        Assert.Equal(Linger, BatchLinger.Remaining(Linger, 500, Buffer(rows: 3, oldest: TimeSpan.FromSeconds(-30))));
    }

    [Fact]
    public void The_linger_is_waited_until_a_window_has_measured_the_arrival_rate()
    {
        var time = new FakeTimeProvider();
        var linger = new BatchLinger(time);
        linger.Forwarding(BatchFrom(Devices(100)));

        Assert.Equal(Linger, linger.WaitBeforeRead(Linger, 500, Buffer(rows: 3, oldest: TimeSpan.Zero, committed: 0)));
        time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.Equal(Linger, linger.WaitBeforeRead(Linger, 500, Buffer(rows: 3, oldest: TimeSpan.Zero, committed: 750)));
    }

    [Fact]
    public void No_wait_when_the_linger_would_gather_about_one_reading_per_device_at_the_recent_rate()
    {
        // 5,000 readings/s from 100 devices: a 20 ms linger gathers 100 readings, one per device, so a
        // batch of them carries as many contexts as readings: waiting would only add latency.
        var time = new FakeTimeProvider();
        var linger = new BatchLinger(time);
        Assert.Equal(Twenty, linger.WaitBeforeRead(Twenty, 500, JustArrived(committed: 0)));
        linger.Forwarding(BatchFrom(Devices(100)));
        time.Advance(Window);

        Assert.Equal(TimeSpan.Zero, linger.WaitBeforeRead(Twenty, 500, Buffer(rows: 10, oldest: TimeSpan.FromMilliseconds(2), committed: 1_000)));
    }

    [Fact]
    public void The_linger_is_waited_when_devices_report_at_least_twice_within_it()
    {
        // 25,000 readings/s from the same 100 devices: 20 ms gathers 500 readings, five per device.
        var time = new FakeTimeProvider();
        var linger = new BatchLinger(time);
        linger.WaitBeforeRead(Twenty, 500, JustArrived(committed: 0));
        linger.Forwarding(BatchFrom(Devices(100)));
        time.Advance(Window);

        Assert.Equal(TimeSpan.FromMilliseconds(18), linger.WaitBeforeRead(Twenty, 500, Buffer(rows: 10, oldest: TimeSpan.FromMilliseconds(2), committed: 5_000)));
    }

    [Fact]
    public void Devices_not_forwarded_within_the_window_no_longer_count()
    {
        // 100 devices reported once, then only one keeps reporting, 150 readings/s: a 20 ms linger gathers
        // three readings of it, which pays once the 99 silent devices are forgotten.
        var time = new FakeTimeProvider();
        var linger = new BatchLinger(time);
        linger.WaitBeforeRead(Twenty, 500, JustArrived(committed: 0));
        linger.Forwarding(BatchFrom(Devices(100)));
        time.Advance(Window / 2);
        linger.Forwarding(BatchFrom(Devices(1)));
        time.Advance(Window / 2);
        Assert.Equal(TimeSpan.Zero, linger.WaitBeforeRead(Twenty, 500, JustArrived(committed: 30)));

        time.Advance(Window);
        linger.Forwarding(BatchFrom(Devices(1)));
        Assert.Equal(Twenty, linger.WaitBeforeRead(Twenty, 500, JustArrived(committed: 60)));
    }

    [Fact]
    public void After_an_idle_spell_the_first_window_sends_at_once_then_the_rate_is_measured_again()
    {
        var time = new FakeTimeProvider();
        var linger = new BatchLinger(time);
        linger.WaitBeforeRead(Twenty, 500, JustArrived(committed: 0));
        linger.Forwarding(BatchFrom(Devices(100)));
        time.Advance(Window);
        Assert.Equal(Twenty, linger.WaitBeforeRead(Twenty, 500, JustArrived(committed: 5_000)));

        time.Advance(TimeSpan.FromMinutes(10));
        linger.Forwarding(BatchFrom(Devices(100)));
        Assert.Equal(TimeSpan.Zero, linger.WaitBeforeRead(Twenty, 500, JustArrived(committed: 5_100)));
        time.Advance(Window);
        linger.Forwarding(BatchFrom(Devices(100)));
        Assert.Equal(Twenty, linger.WaitBeforeRead(Twenty, 500, JustArrived(committed: 10_100)));
    }

    [Fact]
    public void A_long_linger_measures_over_at_least_two_lingers()
    {
        // One device, 2 readings/s, a 5 s linger: ten readings per linger. The window is 10 s: with one
        // second it would have judged at 9 s, before the readings were counted.
        var time = new FakeTimeProvider();
        var linger = new BatchLinger(time);
        var wait = TimeSpan.FromSeconds(5);
        linger.WaitBeforeRead(wait, 500, JustArrived(committed: 0));
        linger.Forwarding(BatchFrom(Devices(1)));
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(wait, linger.WaitBeforeRead(wait, 500, JustArrived(committed: 0)));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(wait, linger.WaitBeforeRead(wait, 500, JustArrived(committed: 20)));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.Zero, linger.WaitBeforeRead(wait, 500, JustArrived(committed: 23)));
    }

    private static IEnumerable<DeviceId> Devices(int count) => Enumerable.Range(0, count).Select(i => new DeviceId($"aq-{i:000}"));

    private static Batch BatchFrom(IEnumerable<DeviceId> devices)
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var readings = devices.Select(d => new Reading(d, "pm2_5", 1.5, "ug/m3", now, now, 0, ReadingQuality.None, 1)).ToList();
        return new Batch(Guid.NewGuid(), "gw-linger", new SequenceRange(1, readings.Count), now, readings, []);
    }

    /// <summary>One unsent reading that has just arrived, <paramref name="committed"/> rows committed so far.</summary>
    private static BufferStatistics JustArrived(long committed) => Buffer(rows: 1, oldest: TimeSpan.Zero, committed: committed);

    private static BufferStatistics Buffer(long rows, TimeSpan? oldest, long inFlight = 0, long committed = 0) =>
        EmptyBufferStatistics.Value with { NormalRows = rows, InFlightRows = inFlight, Bytes = rows * 100, OldestUnsentAge = oldest, CommittedRows = committed };
}
