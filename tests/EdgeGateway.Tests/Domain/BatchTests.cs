using EdgeGateway.Domain;
using Xunit;

namespace EdgeGateway.Tests.Domain;

public sealed class BatchTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly DeviceId A = new("aq-1");
    private static readonly DeviceId B = new("aq-2");

    private static Reading R(DeviceId device, long sequence) => new(device, "pm2_5", sequence, "ug/m3", null, Now, sequence);

    [Fact]
    public void Carries_each_device_context_once()
    {
        var batch = new Batch(Guid.NewGuid(), "gw-1", new SequenceRange(10, 13), Now,
            [R(A, 1), R(B, 1), R(A, 2), R(B, 5)],
            [DeviceContext.Provisional(A, Now)]);

        Assert.Equal(4, batch.Readings.Length);
        Assert.Single(batch.Contexts);
        Assert.Equal(4, batch.SequenceRange.Count);
    }

    [Fact]
    public void Rejects_an_empty_batch_and_an_empty_id()
    {
        Assert.Throws<ArgumentException>(() => new Batch(Guid.NewGuid(), "gw-1", new SequenceRange(1, 1), Now, [], []));
        Assert.Throws<ArgumentException>(() => new Batch(Guid.Empty, "gw-1", new SequenceRange(1, 1), Now, [R(A, 1)], []));
    }

    [Fact]
    public void Keeps_readings_in_the_given_order_even_when_a_device_counter_restarts()
    {
        var batch = new Batch(Guid.NewGuid(), "gw-1", new SequenceRange(1, 3), Now, [R(A, 41), R(B, 1), R(A, 0)], []);

        Assert.Equal([41L, 1L, 0L], batch.Readings.Select(r => r.Sequence));
    }

    [Fact]
    public void Rejects_duplicate_or_foreign_contexts()
    {
        Assert.Throws<ArgumentException>(() => new Batch(Guid.NewGuid(), "gw-1", new SequenceRange(1, 1), Now,
            [R(A, 1)], [DeviceContext.Provisional(A, Now), DeviceContext.Provisional(A, Now)]));
        Assert.Throws<ArgumentException>(() => new Batch(Guid.NewGuid(), "gw-1", new SequenceRange(1, 1), Now,
            [R(A, 1)], [DeviceContext.Provisional(B, Now)]));
    }

    [Fact]
    public void Rejects_more_readings_than_the_sequence_range_spans_and_inverted_ranges()
    {
        Assert.Throws<ArgumentException>(() => new Batch(Guid.NewGuid(), "gw-1", new SequenceRange(1, 1), Now, [R(A, 1), R(A, 2)], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceRange(5, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceRange(0, 4));
    }
}
