using System.Text.Json;
using Confluent.Kafka;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Pipeline;

/// <summary>
/// The cloud's side, as a test sees it: a Kafka consumer that reads the gateway's topic (one
/// partition, from its first offset) on a thread of its own for as long as the test runs, and turns
/// every MCP batch into the readings it carries, each with the context its batch gave its device.
/// Waiting for N readings polls counters, not the topic, so a long stream costs one read per record.
/// </summary>
internal sealed class BatchConsumer : IDisposable
{
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);
    private readonly Lock _gate = new();
    private readonly List<DeliveredReading> _readings = [];
    private readonly HashSet<(string Device, long Sequence)> _distinct = [];
    private readonly List<string> _problems = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private int _records;

    private BatchConsumer(KafkaFixture kafka, string topic)
    {
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,

            // Confluent.Kafka 1.9.3 insists on a group id; Assign never joins the group and nothing is committed.
            GroupId = $"edgegw-test-consumer-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,

            // The mock broker holds a fetch that finds nothing for the whole wait: keep it short.
            FetchWaitMaxMs = 20,

            // A fetch in flight when a mock broker goes down is otherwise noticed only after the default 60 s.
            SocketTimeoutMs = 2000,
            ReconnectBackoffMs = 10,
            ReconnectBackoffMaxMs = 100,
        }).Build();

        // The topic was created by the test (one partition): its first offset is 0.
        _consumer.Assign(new TopicPartitionOffset(topic, new Partition(0), new Offset(0)));
        _thread = new Thread(Run) { IsBackground = true, Name = "test batch consumer" };
        _thread.Start();
    }

    /// <summary>Records (batches) read so far.</summary>
    public int Records => Volatile.Read(ref _records);

    /// <summary>Readings read so far, duplicates included.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _readings.Count;
            }
        }
    }

    /// <summary>Distinct (device, sequence) pairs read so far.</summary>
    public int DistinctCount
    {
        get
        {
            lock (_gate)
            {
                return _distinct.Count;
            }
        }
    }

    public static BatchConsumer Start(KafkaFixture kafka, string topic) => new(kafka, topic);

    /// <summary>Everything read so far, in topic order.</summary>
    public IReadOnlyList<DeliveredReading> Snapshot()
    {
        lock (_gate)
        {
            Assert.True(_problems.Count == 0, $"Records that are not valid batches:\n{string.Join('\n', _problems)}");
            return [.. _readings];
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> distinct readings were read.</summary>
    public Task WaitForDistinctAsync(int count, TimeSpan? timeout = null) =>
        Eventually.TrueAsync(
            () => DistinctCount >= count,
            $"{count} distinct readings are in Kafka (read {DistinctCount} so far)",
            timeout ?? TimeSpan.FromSeconds(90),
            TestContext.Current.CancellationToken);

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _consumer.Dispose();
        _stop.Dispose();
    }

    private void Run()
    {
        while (!_stop.IsCancellationRequested)
        {
            ConsumeResult<byte[]?, byte[]?>? result;
            try
            {
                result = _consumer.Consume(PollSlice);
            }
            catch (ConsumeException)
            {
                // Transient while a broker is down: keep reading.
                continue;
            }

            if (result?.Message?.Value is { } value)
            {
                Add(result.Offset.Value, value);
            }
        }
    }

    private void Add(long offset, byte[] value)
    {
        List<DeliveredReading> readings = [];
        try
        {
            using var document = JsonDocument.Parse(value);
            var arguments = document.RootElement.GetProperty("params").GetProperty("arguments");
            var batch = arguments.GetProperty("batch");
            var batchId = batch.GetProperty("id").GetString()!;
            var gatewayId = batch.GetProperty("gatewayId").GetString()!;
            var contexts = arguments.GetProperty("devices").EnumerateArray().ToDictionary(
                d => d.GetProperty("id").GetString()!,
                d => new DeliveredContext(
                    d.GetProperty("revision").GetInt64(),
                    d.GetProperty("location").GetProperty("district").GetString(),
                    d.GetProperty("location").TryGetProperty("site", out var site) ? site.GetString() : null));
            foreach (var r in arguments.GetProperty("readings").EnumerateArray())
            {
                var device = r.GetProperty("d").GetString()!;
                readings.Add(new DeliveredReading(
                    device,
                    r.GetProperty("s").GetInt64(),
                    r.GetProperty("v").GetDouble(),
                    contexts.GetValueOrDefault(device),
                    batchId,
                    gatewayId,
                    offset));
            }
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            lock (_gate)
            {
                _problems.Add($"offset {offset}: {error.Message}");
            }

            return;
        }

        lock (_gate)
        {
            foreach (var reading in readings)
            {
                _readings.Add(reading);
                _distinct.Add((reading.Device, reading.Sequence));
            }
        }

        Interlocked.Increment(ref _records);
    }
}

/// <summary>A device's context as a batch carried it.</summary>
internal sealed record DeliveredContext(long Revision, string? District, string? Site);

/// <summary>One reading as it arrived in Kafka, with its batch's context for its device (null when the batch had none).</summary>
internal sealed record DeliveredReading(string Device, long Sequence, double Value, DeliveredContext? Context, string BatchId, string GatewayId, long Offset);
