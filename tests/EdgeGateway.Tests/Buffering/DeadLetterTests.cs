using System.Text;
using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Domain;
using Xunit;

namespace EdgeGateway.Tests.Buffering;

public sealed class DeadLetterTests : BufferTest
{
    [Fact]
    public async Task Dead_letters_round_trip_with_raw_bytes_intact_and_survive_a_restart()
    {
        var raw = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var time = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_456);
        var message = new RawMessage(SourceKind.Serial, "uart0", "/dev/ttyAMA0", raw, time);
        var first = Open();

        var a = await first.AddDeadLetterAsync(DeadLetterEntry.FromRawMessage(message, DeadLetterReasons.Undecodable, "bad frame checksum", time), CancellationToken);
        var b = await first.AddDeadLetterAsync(new DeadLetterEntry(DeadLetterReasons.RejectedBatch, null, "forwarder", "kafka", "edge.readings", Array.Empty<byte>(), time), CancellationToken);
        var c = await first.AddDeadLetterAsync(new DeadLetterEntry("undecodable", "x", "mqtt", "city", "sensors/a", Encoding.UTF8.GetBytes("{"), time), CancellationToken);
        Assert.Equal(3, first.DeadLetterCount);
        await first.DisposeAsync();

        var second = Open();
        var page1 = await second.ListDeadLettersAsync(0, 2, CancellationToken);
        var page2 = await second.ListDeadLettersAsync(page1[^1].Id, 2, CancellationToken);
        var single = await second.GetDeadLetterAsync(a!.Value, CancellationToken);

        Assert.Equal([a.Value, b!.Value], page1.Select(l => l.Id));
        Assert.Equal([c!.Value], page2.Select(l => l.Id));
        Assert.NotNull(single);
        Assert.Equal(raw, single.Entry.Raw.ToArray());
        Assert.Equal(("undecodable", "bad frame checksum", "serial", "uart0", "/dev/ttyAMA0", time),
            (single.Entry.Reason, single.Entry.Detail, single.Entry.SourceKind, single.Entry.SourceName, single.Entry.Channel, single.Entry.Time));
        Assert.Null(page1[1].Entry.Detail);
        Assert.Empty(page1[1].Entry.Raw.ToArray());

        Assert.True(await second.RemoveDeadLetterAsync(a.Value, CancellationToken));
        Assert.False(await second.RemoveDeadLetterAsync(a.Value, CancellationToken));
        Assert.Null(await second.GetDeadLetterAsync(a.Value, CancellationToken));
        Assert.Equal(2, second.DeadLetterCount);
        Assert.Equal(2, second.GetStatistics().DeadLetters);
    }

    [Fact]
    public async Task Dead_letters_stay_within_their_share_of_MaxSize_by_deleting_the_oldest_and_counting()
    {
        var buffer = Open(Options(o => o.MaxSize = ByteSize.FromMebibytes(1)));
        var ids = new List<long>();
        for (var i = 0; i < 30; i++)
        {
            ids.Add((await buffer.AddDeadLetterAsync(Letter(10_000), CancellationToken))!.Value);
        }

        var kept = await buffer.ListDeadLettersAsync(0, 100, CancellationToken);
        var statistics = buffer.GetStatistics();

        Assert.InRange(kept.Count, 5, 10);
        Assert.Equal(ids[^kept.Count..], kept.Select(l => l.Id));
        Assert.Equal(30 - kept.Count, statistics.DeadLettersDropped);
        Assert.True(statistics.DeadLetterBytes <= ByteSize.FromMebibytes(1).Bytes * ReadingBuffer.DeadLetterSharePercent / 100);
        Assert.Contains(Logs.Entries, e => e.EventId.Id == 205);
    }

    [Fact]
    public async Task A_dead_letter_bigger_than_the_whole_share_is_counted_not_stored()
    {
        var buffer = Open(Options(o => o.MaxSize = ByteSize.FromMebibytes(1)));

        var id = await buffer.AddDeadLetterAsync(Letter(200_000), CancellationToken);

        Assert.Null(id);
        Assert.Equal((0, 1), (buffer.DeadLetterCount, buffer.GetStatistics().DeadLettersDropped));
    }

    private static DeadLetterEntry Letter(int bytes) =>
        new(DeadLetterReasons.Undecodable, null, "mqtt", "city", "sensors/x", new byte[bytes], DateTimeOffset.UtcNow);
}
