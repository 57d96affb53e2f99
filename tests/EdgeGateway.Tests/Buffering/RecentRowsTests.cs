using System.Text;
using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Domain;
using Microsoft.Data.Sqlite;
using Xunit;

namespace EdgeGateway.Tests.Buffering;

/// <summary>The in-memory copy of the newest rows: on its own, and through the buffer against the file as the oracle.</summary>
public sealed class RecentRowsTests : BufferTest
{
    // The copy keeps 4,096 rows; the random test goes past that so rows are forgotten and read from the file.
    private const int RecentRowsCapacityAtLeast = 4_096;

    private static readonly DateTimeOffset Now = new(2026, 12, 8, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_copy_answers_from_its_first_row_and_forgets_the_oldest_beyond_its_capacity()
    {
        var recent = new RecentRows(capacity: 3);
        Assert.Equal(long.MaxValue, recent.From);

        for (var sequence = 10L; sequence <= 14; sequence++)
        {
            recent.Add(Row(sequence));
        }

        Assert.Equal(12, recent.From);
        Assert.Equal([12L, 13, 14], recent.ReadFrom(12).Select(r => r.Sequence));
        Assert.Equal([14L], recent.ReadFrom(14).Select(r => r.Sequence));
        Assert.Empty(recent.ReadFrom(15));
    }

    [Fact]
    public void Removed_ranges_leave_the_front_the_middle_or_nothing_and_keep_the_order()
    {
        var recent = new RecentRows(capacity: 100);
        for (var sequence = 1L; sequence <= 10; sequence++)
        {
            recent.Add(Row(sequence));
        }

        recent.Remove(1, 3);
        recent.Remove(6, 7);
        recent.Remove(20, 30);
        recent.Remove(-5, 0);

        Assert.Equal(1, recent.From); // rows 1-3 are gone from the file too: the copy still answers for everything from 1
        Assert.Equal([4L, 5, 8, 9, 10], recent.ReadFrom(1).Select(r => r.Sequence));
        Assert.Equal(5, recent.Count);
        recent.Add(Row(11));
        Assert.Equal([8L, 9, 10, 11], recent.ReadFrom(6).Select(r => r.Sequence));
    }

    [Fact]
    public void Clear_or_a_row_out_of_order_makes_the_copy_answer_for_nothing_until_the_next_row()
    {
        var recent = new RecentRows(capacity: 10);
        recent.Add(Row(5));
        recent.Add(Row(6));

        recent.Add(Row(6));
        Assert.Equal(long.MaxValue, recent.From);
        Assert.Equal(0, recent.Count);

        recent.Add(Row(9));
        Assert.Equal(9, recent.From);
        recent.Clear();
        Assert.Equal(long.MaxValue, recent.From);
    }

    [Fact]
    public async Task A_row_read_while_in_memory_carries_its_reading_and_reads_the_same_as_from_the_file()
    {
        var reading = new Reading(new DeviceId("aq-1"), "pm2_5", 12.5, "ug/m3", null, Now.AddTicks(1234), 7);
        var entry = new BufferEntry(reading.DeviceId, ReadingSerializer.Serialize(reading), reading.ReceivedAt) { Reading = reading };
        var buffer = Open();
        await AppendAsync(buffer, entry);

        var fromMemory = Assert.Single(await buffer.ReadBatchAsync(10, long.MaxValue, CancellationToken));
        await buffer.DisposeAsync();
        var fromFile = Assert.Single(await Open().ReadBatchAsync(10, long.MaxValue, CancellationToken));

        Assert.Same(reading, fromMemory.Reading);
        Assert.Null(fromFile.Reading);
        Assert.Equal((fromFile.Sequence, fromFile.DeviceId, fromFile.Lane, fromFile.ReceivedAt), (fromMemory.Sequence, fromMemory.DeviceId, fromMemory.Lane, fromMemory.ReceivedAt));
        Assert.Equal(fromFile.Payload.ToArray(), fromMemory.Payload.ToArray());
        Assert.Equal(Now, fromMemory.ReceivedAt); // millisecond precision, as stored
    }

    [Fact]
    public async Task A_backlog_larger_than_the_copy_is_read_from_the_file_first_then_from_memory_in_one_order()
    {
        var buffer = Open();
        const int Rows = 6_000;
        for (var first = 0; first < Rows; first += 500)
        {
            await AppendAsync(buffer, [.. Enumerable.Range(first, 500).Select(i => Tagged("dev", $"r{i}"))]);
        }

        var rows = await ReadAllAsync(buffer, batchSize: 700);

        Assert.Equal(Enumerable.Range(1, Rows).Select(i => (long)i), rows.Select(r => r.Sequence));
        Assert.Equal(Enumerable.Range(0, Rows).Select(i => $"r{i}"), rows.Select(Text));
        var fromFile = rows.TakeWhile(r => r.Reading is null).Count();
        Assert.InRange(fromFile, 1, Rows - 1);
        Assert.All(rows.Skip(fromFile), r => Assert.NotNull(r.Reading));
    }

    [Theory]
    [InlineData(BufferFullPolicy.Block, 1)]
    [InlineData(BufferFullPolicy.DropOldest, 2)]
    public async Task Every_batch_is_what_the_file_says_under_random_appends_reads_releases_returns_drops_and_a_restart(BufferFullPolicy policy, int seed)
    {
        // Drop-oldest runs in a buffer that holds about 250 of these rows, so it drops often.
        var options = Options(o =>
        {
            o.FullPolicy = policy;
            o.Synchronous = SqliteSynchronous.Normal;
            if (policy == BufferFullPolicy.DropOldest)
            {
                o.MaxSize = new ByteSize(20 * 1024);
            }
        });
        var buffer = Open(options);
        using var file = OpenIndependentConnection();
        var random = new Random(seed);
        var inFlight = new List<long>();
        var appended = 0;
        int fromMemory = 0, fromFile = 0;
        for (var step = 0; step < 400; step++)
        {
            if (step == 200)
            {
                // A restart: the copy starts empty, and every unreleased row is unsent again.
                await buffer.DisposeAsync();
                buffer = Open(options);
                inFlight.Clear();
            }

            switch (random.Next(10))
            {
                case < 4:
                    var lane = random.Next(8) == 0 ? BufferLane.Priority : BufferLane.Normal;
                    var count = random.Next(1, 80);
                    var result = await AppendAsync(buffer, [.. Enumerable.Range(appended, count).Select(i => Tagged($"d{i % 7}", $"r{i}", lane))]);
                    Assert.True(result.IsCommitted || (policy == BufferFullPolicy.DropOldest && result.Rejection == AppendRejection.Full), $"append {result.Rejection}");
                    appended += count;
                    break;
                case < 7:
                    var size = random.Next(1, 200);
                    var expected = Unsent(file, inFlight, size);
                    var batch = await buffer.ReadBatchAsync(size, long.MaxValue, CancellationToken);
                    Assert.Equal(expected, batch.Select(r => (r.Sequence, Text(r))));
                    Assert.All(batch.Where(r => r.Reading is not null), r => Assert.Equal(Text(r), r.Reading!.Metric));
                    inFlight.AddRange(batch.Select(r => r.Sequence));
                    fromMemory += batch.Count(r => r.Reading is not null);
                    fromFile += batch.Count(r => r.Reading is null && r.Lane == BufferLane.Normal);
                    break;
                case < 9:
                    var released = inFlight.Where(_ => random.Next(3) > 0).ToList();
                    await buffer.ReleaseAsync(released, CancellationToken);
                    inFlight.RemoveAll(released.Contains);
                    break;
                default:
                    var returned = inFlight.Where(_ => random.Next(2) > 0).ToList();
                    await buffer.ReturnAsync(returned, CancellationToken);
                    inFlight.RemoveAll(returned.Contains);
                    break;
            }
        }

        Assert.True(fromMemory > 0 && fromFile > 0, $"normal rows came from both: {fromMemory} from memory, {fromFile} from the file");
        if (policy == BufferFullPolicy.DropOldest)
        {
            Assert.True(buffer.GetStatistics().Drops.FullDropOldest > 0, "drop-oldest dropped rows");
        }
        else
        {
            Assert.True(appended > RecentRowsCapacityAtLeast, "the test appends more rows than the copy could hold");
        }
    }

    /// <summary>The next unsent rows as the file has them: priority lane first, each lane in sequence order, skipping rows handed out.</summary>
    private static List<(long Sequence, string Payload)> Unsent(SqliteConnection file, List<long> inFlight, int limit)
    {
        using var command = file.CreateCommand();
        command.CommandText = "SELECT sequence, payload FROM readings ORDER BY lane DESC, sequence";
        using var reader = command.ExecuteReader();
        var rows = new List<(long, string)>();
        var handedOut = inFlight.ToHashSet();
        while (rows.Count < limit && reader.Read())
        {
            if (!handedOut.Contains(reader.GetInt64(0)))
            {
                rows.Add((reader.GetInt64(0), Encoding.UTF8.GetString((byte[])reader.GetValue(1))));
            }
        }

        return rows;
    }

    /// <summary>An entry whose payload is <paramref name="text"/> and whose reading carries it as its metric, to check the two agree.</summary>
    private static BufferEntry Tagged(string device, string text, BufferLane lane = BufferLane.Normal)
    {
        var reading = new Reading(new DeviceId(device), text, 1, null, null, Now, 0);
        return new BufferEntry(reading.DeviceId, Encoding.UTF8.GetBytes(text), Now, lane) { Reading = reading };
    }

    private static BufferedReading Row(long sequence) => new(sequence, new DeviceId("dev"), BufferLane.Normal, Now, Array.Empty<byte>());
}
