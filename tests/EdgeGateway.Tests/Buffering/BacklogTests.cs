using EdgeGateway.Buffering;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Buffering;

/// <summary>
/// Tests that measure the process's managed memory run alone: GC.GetTotalMemory counts every test's
/// allocations, and the suite's parallel tests grew it by 18 MiB once.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ManagedMemoryMeasurements
{
    /// <summary>The collection's name.</summary>
    public const string Name = "managed memory measurements";
}

[Collection(ManagedMemoryMeasurements.Name)]
public sealed class BacklogTests : BufferTest
{
    [Fact]
    public async Task A_backlog_of_200k_rows_drains_in_bounded_batches_with_flat_memory_while_new_rows_arrive()
    {
        const int backlog = 200_000;
        const int requestSize = 5000;
        const int batchSize = 2000;

        // This test is about memory and order, not fsync: synchronous=normal keeps it fast on slow disks.
        var buffer = Open(Options(o =>
        {
            o.CommitMaxCount = 10_000;
            o.Synchronous = SqliteSynchronous.Normal;
        }));
        var payload = new byte[48];
        for (var i = 0; i < backlog / requestSize; i++)
        {
            await buffer.AppendAsync([.. Enumerable.Range(0, requestSize).Select(j => Entry($"dev-{j % 50}", payload.Length))], CancellationToken);
        }

        // New data keeps arriving while the backlog drains.
        using var stopAppending = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        var appended = 0;
        var appender = Task.Run(
            async () =>
            {
                while (!stopAppending.IsCancellationRequested && appended < 20_000)
                {
                    await buffer.AppendAsync([.. Enumerable.Range(0, 100).Select(j => Entry($"dev-{j % 50}", payload.Length))], CancellationToken);
                    Interlocked.Add(ref appended, 100);
                }
            },
            CancellationToken);

        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peakGrowth = 0;
        long expected = 1;
        var batches = 0;
        while (true)
        {
            var batch = await buffer.ReadBatchAsync(batchSize, long.MaxValue, CancellationToken);
            if (batch.Count == 0)
            {
                if (appender.IsCompleted)
                {
                    break;
                }

                await buffer.WaitForDataAsync(CancellationToken).WaitAsync(TestTimeouts.Default, CancellationToken);
                continue;
            }

            Assert.True(batch.Count <= batchSize);
            foreach (var row in batch)
            {
                Assert.Equal(expected++, row.Sequence);
            }

            await buffer.ReleaseAsync([.. batch.Select(r => r.Sequence)], CancellationToken);
            if (++batches % 10 == 0)
            {
                peakGrowth = Math.Max(peakGrowth, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
        }

        await appender;
        TestContext.Current.TestOutputHelper?.WriteLine($"{batches} batches; managed memory grew by at most {peakGrowth / 1024} KiB");
        var statistics = buffer.GetStatistics();
        Assert.Equal(backlog + appended, expected - 1);
        Assert.Equal((0L, 0L, 0L), (statistics.Rows, statistics.Bytes, statistics.InFlightRows));
        Assert.Equal(backlog + appended, statistics.ReleasedRows);
        Assert.True(peakGrowth < 16 << 20, $"managed memory grew by {peakGrowth >> 20} MiB while draining");
    }
}
