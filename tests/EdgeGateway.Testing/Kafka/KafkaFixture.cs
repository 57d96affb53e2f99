using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using EdgeGateway.Kafka.Native;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Testing.Kafka;

/// <summary>
/// A Kafka cluster for one test (or one test class): librdkafka's mock cluster on 127.0.0.1, with
/// fault injection, a producer helper and readers that return everything a topic holds. Reading uses a
/// consumer assigned to every partition from its first offset, never a consumer group (a mock group join
/// takes about 3 s), and never creates the topic it reads. Every Confluent client it creates is disposed by the time the call returns,
/// except the shared producer, which is disposed with the fixture.
/// </summary>
public sealed class KafkaFixture : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MetadataRetryInterval = TimeSpan.FromMilliseconds(20);
    private readonly Lock _gate = new();
    private readonly HashSet<string> _producerTopics = [];
    private IProducer<byte[]?, byte[]?>? _producer;
    private bool _disposed;

    private KafkaFixture(MockKafkaCluster cluster) => Cluster = cluster;

    /// <summary>The mock cluster itself, for what the fixture does not pass through.</summary>
    public MockKafkaCluster Cluster { get; }

    /// <summary>The brokers' <c>127.0.0.1:port</c> list, usable by this process and by others (kcat).</summary>
    public string BootstrapServers => Cluster.BootstrapServers;

    /// <summary>The number of brokers (ids 1..<see cref="BrokerCount"/>).</summary>
    public int BrokerCount => Cluster.BrokerCount;

    /// <summary>Loads librdkafka for Confluent.Kafka and starts a mock cluster of <paramref name="brokers"/> brokers.</summary>
    public static KafkaFixture Start(int brokers = 1)
    {
        LibRdKafka.EnsureLoaded();
        return new KafkaFixture(MockKafkaCluster.Start(brokers));
    }

    /// <summary>Creates a topic named <paramref name="name"/>.</summary>
    public void CreateTopic(string name, int partitions = 1, int replicationFactor = 1) =>
        Cluster.CreateTopic(name, partitions, replicationFactor);

    /// <summary>Creates a topic whose name starts with <paramref name="prefix"/> and is unique, and returns the name.</summary>
    public string CreateUniqueTopic(string prefix = "test", int partitions = 1, int replicationFactor = 1)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        Cluster.CreateTopic(name, partitions, replicationFactor);
        return name;
    }

    /// <inheritdoc cref="MockKafkaCluster.SetBrokerDown"/>
    public void SetBrokerDown(int brokerId) => Cluster.SetBrokerDown(brokerId);

    /// <inheritdoc cref="MockKafkaCluster.SetBrokerUp"/>
    public void SetBrokerUp(int brokerId) => Cluster.SetBrokerUp(brokerId);

    /// <inheritdoc cref="MockKafkaCluster.PushRequestErrors"/>
    public void PushRequestErrors(KafkaApiKey apiKey, params ReadOnlySpan<KafkaErrorCode> errors) => Cluster.PushRequestErrors(apiKey, errors);

    /// <inheritdoc cref="MockKafkaCluster.ClearRequestErrors"/>
    public void ClearRequestErrors(KafkaApiKey apiKey) => Cluster.ClearRequestErrors(apiKey);

    /// <summary>
    /// A producer configuration for this cluster tuned for tests: acks=all, no linger, fast retries
    /// and reconnects, and deliveries that fail within <see cref="TestTimeouts.Default"/> instead of 5 minutes.
    /// </summary>
    public ProducerConfig CreateProducerConfig() => new()
    {
        BootstrapServers = BootstrapServers,
        Acks = Acks.All,
        LingerMs = 0,
        RetryBackoffMs = 10,
        ReconnectBackoffMs = 10,
        ReconnectBackoffMaxMs = 100,
        MessageTimeoutMs = (int)TestTimeouts.Default.TotalMilliseconds,
    };

    /// <summary>
    /// Builds a producer (the caller disposes it) whose log lines and errors go to the test output and
    /// to the optional callbacks, which librdkafka calls on its own threads.
    /// </summary>
    public IProducer<byte[]?, byte[]?> CreateProducer(ProducerConfig? config = null, Action<Error>? onError = null, Action<LogMessage>? onLog = null)
    {
        var output = TestContext.Current.TestOutputHelper;
        return new ProducerBuilder<byte[]?, byte[]?>(config ?? CreateProducerConfig())
            .SetLogHandler((_, log) =>
            {
                Write(output, $"[kafka producer log] {log.Level} {log.Facility}: {log.Message}");
                onLog?.Invoke(log);
            })
            .SetErrorHandler((_, error) =>
            {
                Write(output, $"[kafka producer error] {error.Code}: {error.Reason}");
                onError?.Invoke(error);
            })
            .Build();
    }

    /// <summary>
    /// Makes <paramref name="client"/> learn <paramref name="topic"/>'s partitions now. A producer that
    /// meets a topic for the first time in <c>ProduceAsync</c> otherwise waits for librdkafka 2.0.2's next
    /// one-second metadata tick (up to 1 s) before it sends anything. Creates the topic if it is missing,
    /// as producing to it would.
    /// </summary>
    public static void LoadTopicMetadata(IClient client, string topic)
    {
        ArgumentNullException.ThrowIfNull(client);

        // Disposed at once: a DependentAdminClient kept alive spins a core (confluent-kafka-dotnet #1762).
        using var admin = new DependentAdminClientBuilder(client.Handle).Build();
        _ = admin.GetMetadata(topic, TestTimeouts.Brief);
    }

    /// <summary>Produces a record with UTF-8 key, value and headers and waits for its delivery.</summary>
    /// <returns>The record as written (with its partition, offset and timestamp).</returns>
    /// <exception cref="ProduceException{TKey, TValue}">The delivery failed.</exception>
    public Task<KafkaRecord> ProduceAsync(
        string topic,
        string? key,
        string? value,
        IEnumerable<KeyValuePair<string, string>>? headers = null,
        int? partition = null,
        CancellationToken cancellationToken = default) =>
        ProduceBytesAsync(
            topic,
            key is null ? null : Encoding.UTF8.GetBytes(key),
            value is null ? null : Encoding.UTF8.GetBytes(value),
            headers?.Select(h => new KafkaHeader(h.Key, Encoding.UTF8.GetBytes(h.Value))),
            partition,
            cancellationToken);

    /// <summary>
    /// Produces a record through the fixture's shared producer (acks=all) and waits for its delivery;
    /// without <paramref name="partition"/> the default partitioner picks one from the key.
    /// </summary>
    /// <returns>The record as written (with its partition, offset and timestamp).</returns>
    /// <exception cref="ProduceException{TKey, TValue}">The delivery failed.</exception>
    public async Task<KafkaRecord> ProduceBytesAsync(
        string topic,
        byte[]? key,
        byte[]? value,
        IEnumerable<KafkaHeader>? headers = null,
        int? partition = null,
        CancellationToken cancellationToken = default)
    {
        // The timestamp is set here because the mock's delivery reports carry a fake LogAppendTime
        // (1234 ms after the epoch); the record itself stores this create time, which readers see.
        var message = new Message<byte[]?, byte[]?>
        {
            Key = key,
            Value = value,
            Headers = [],
            Timestamp = new Timestamp(DateTimeOffset.UtcNow),
        };
        foreach (var header in headers ?? [])
        {
            message.Headers.Add(header.Key, header.Value);
        }

        var producer = SharedProducer(topic);
        var result = partition is int chosen
            ? await producer.ProduceAsync(new TopicPartition(topic, new Partition(chosen)), message, cancellationToken)
            : await producer.ProduceAsync(topic, message, cancellationToken);
        return ToRecord(result.Topic, result.Partition, result.Offset, message.Timestamp, message);
    }

    /// <summary>
    /// Reads <paramref name="topic"/> from the beginning of every partition until
    /// <paramref name="expectedCount"/> records have been read, and returns them ordered by partition and
    /// offset. Waits for the topic to exist. More records may exist; use <see cref="ReadAvailableAsync"/>
    /// to check there are no others.
    /// </summary>
    /// <exception cref="TimeoutException">Fewer records arrived in time; the message lists those read.</exception>
    public Task<IReadOnlyList<KafkaRecord>> ReadAllAsync(string topic, int expectedCount, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedCount);
        return ReadAsync(topic, expectedCount, timeout, cancellationToken);
    }

    /// <summary>
    /// Reads every record <paramref name="topic"/> holds now: from the beginning of every partition up to
    /// the high watermark each partition had when the read started. Ordered by partition and offset.
    /// </summary>
    /// <exception cref="TimeoutException">The topic does not exist, or could not be read to its end in time.</exception>
    public Task<IReadOnlyList<KafkaRecord>> ReadAvailableAsync(string topic, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        ReadAsync(topic, expectedCount: null, timeout, cancellationToken);

    /// <summary>The cluster's metadata for <paramref name="topic"/>: partitions, leaders, replicas.</summary>
    public TopicMetadata GetTopicMetadata(string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        return admin.GetMetadata(topic, TestTimeouts.Brief).Topics.Single(t => t.Topic == topic);
    }

    /// <summary>Disposes the shared producer, then stops the brokers.</summary>
    public void Dispose()
    {
        IProducer<byte[]?, byte[]?>? producer;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            producer = _producer;
            _producer = null;
        }

        producer?.Dispose();
        Cluster.Dispose();
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static KafkaRecord ToRecord(string topic, int partition, long offset, Timestamp timestamp, Message<byte[]?, byte[]?> message) =>
        new(
            topic,
            partition,
            offset,
            message.Key,
            message.Value,
            message.Headers is null ? [] : [.. message.Headers.Select(h => new KafkaHeader(h.Key, h.GetValueBytes()))],
            DateTimeOffset.FromUnixTimeMilliseconds(timestamp.UnixTimestampMs));

    private static void Write(ITestOutputHelper? output, string line)
    {
        try
        {
            output?.WriteLine($"[{DateTime.UtcNow:HH:mm:ss.fff}] {line}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; xunit no longer takes output for it.
        }
    }

    private IProducer<byte[]?, byte[]?> SharedProducer(string topic)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _producer ??= CreateProducer();
            if (_producerTopics.Add(topic))
            {
                try
                {
                    LoadTopicMetadata(_producer, topic);
                }
                catch (KafkaException)
                {
                    // Only a speed-up (e.g. the brokers are down): the produce itself still waits for the topic.
                }
            }

            return _producer;
        }
    }

    private Task<IReadOnlyList<KafkaRecord>> ReadAsync(string topic, int? expectedCount, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var limit = timeout ?? TestTimeouts.Default;
        var output = TestContext.Current.TestOutputHelper;

        // Confluent's Consume blocks its thread: give the read a thread of its own.
        return Task.Factory.StartNew(
            () => Read(topic, expectedCount, limit, output, cancellationToken),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    private IReadOnlyList<KafkaRecord> Read(string topic, int? expectedCount, TimeSpan timeout, ITestOutputHelper? output, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var consumer = CreateReader(output);
        var partitions = WaitForPartitions(consumer, topic, timeout, clock, cancellationToken);

        // Each partition is assigned at its first offset, not at Offset.Beginning: that logical offset
        // makes librdkafka 2.0.2 look the offset up, and when it asks before the partition's leader is
        // known it retries only after 500 ms. ReadAvailable also reads up to the ends seen here.
        Dictionary<int, long> starts = [];
        Dictionary<int, long> ends = [];
        HashSet<int> unfinished = [];
        foreach (var partition in partitions)
        {
            var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, new Partition(partition)), TestTimeouts.Brief);
            starts[partition] = watermarks.Low.Value;
            if (expectedCount is null)
            {
                ends[partition] = watermarks.High.Value;
                if (watermarks.High.Value > watermarks.Low.Value)
                {
                    unfinished.Add(partition);
                }
            }
        }

        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, new Partition(p), new Offset(starts[p]))));
        var records = new List<KafkaRecord>();
        string? lastError = null;
        while (expectedCount is int expected ? records.Count < expected : unfinished.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException(DescribeShortfall(topic, partitions.Count, expectedCount, ends, unfinished, records, timeout, lastError));
            }

            ConsumeResult<byte[]?, byte[]?>? result;
            try
            {
                result = consumer.Consume(remaining < PollSlice ? remaining : PollSlice);
            }
            catch (ConsumeException error)
            {
                // Transient while brokers are down or errors are injected: keep reading until the deadline.
                lastError = $"{error.Error.Code}: {error.Error.Reason}";
                Write(output, $"[kafka reader] consume error {lastError}");
                continue;
            }

            if (result is null)
            {
                continue;
            }

            var at = result.Partition.Value;
            if (!result.IsPartitionEOF)
            {
                records.Add(ToRecord(result.Topic, at, result.Offset.Value, result.Message.Timestamp, result.Message));
            }

            var next = result.IsPartitionEOF ? result.Offset.Value : result.Offset.Value + 1;
            if (ends.TryGetValue(at, out var end) && next >= end)
            {
                unfinished.Remove(at);
            }
        }

        return [.. records.OrderBy(r => r.Partition).ThenBy(r => r.Offset)];
    }

    private IConsumer<byte[]?, byte[]?> CreateReader(ITestOutputHelper? output)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,

            // Confluent.Kafka 1.9.3 insists on a group id; Assign never joins the group and nothing is committed.
            GroupId = $"edgegw-test-reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest, // should the first offset move on before the assignment starts
            EnablePartitionEof = true,

            // The mock broker holds every fetch that finds nothing new for the whole wait: keep it short.
            FetchWaitMaxMs = 10,
            ReconnectBackoffMs = 10,
            ReconnectBackoffMaxMs = 100,
        };
        return new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetLogHandler((_, log) => Write(output, $"[kafka reader log] {log.Level} {log.Facility}: {log.Message}"))
            .SetErrorHandler((_, error) => Write(output, $"[kafka reader error] {error.Code}: {error.Reason}"))
            .Build();
    }

    private static List<int> WaitForPartitions(IConsumer<byte[]?, byte[]?> consumer, string topic, TimeSpan timeout, Stopwatch clock, CancellationToken cancellationToken)
    {
        while (true)
        {
            string problem;

            // Disposed at once: a DependentAdminClient kept alive spins a core (confluent-kafka-dotnet #1762).
            using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
            {
                try
                {
                    var wait = timeout - clock.Elapsed;
                    // All topics, not just this one: librdkafka asks the mock for a single topic with a
                    // Metadata version that predates "allow auto-creation", so the mock would create it.
                    var metadata = admin.GetMetadata(wait < PollSlice ? PollSlice : wait);
                    var found = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
                    if (found is { Error.IsError: false, Partitions.Count: > 0 })
                    {
                        return [.. found.Partitions.Select(p => p.PartitionId).Order()];
                    }

                    problem = found is null ? "not in the metadata" : found.Error.IsError ? $"{found.Error.Code}: {found.Error.Reason}" : "no partitions";
                }
                catch (KafkaException error)
                {
                    problem = $"{error.Error.Code}: {error.Error.Reason}";
                }
            }

            if (clock.Elapsed >= timeout)
            {
                throw new TimeoutException($"Topic '{topic}' could not be read within {timeout.TotalSeconds:0.#} s: {problem}.");
            }

            cancellationToken.WaitHandle.WaitOne(MetadataRetryInterval);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static string DescribeShortfall(
        string topic,
        int partitionCount,
        int? expectedCount,
        Dictionary<int, long> ends,
        HashSet<int> unfinished,
        List<KafkaRecord> records,
        TimeSpan timeout,
        string? lastError)
    {
        var goal = expectedCount is int expected
            ? $"{expected} records"
            : $"the end of partitions {string.Join(", ", unfinished.Order().Select(p => $"{p} (offset {ends[p]})"))}";
        var read = records.Count == 0 ? " none" : "\n  " + string.Join("\n  ", records.OrderBy(r => r.Partition).ThenBy(r => r.Offset));
        return $"Timed out after {timeout.TotalSeconds:0.#} s reading topic '{topic}' ({partitionCount} partitions): wanted {goal}, "
            + $"read {records.Count}{(lastError is null ? string.Empty : $" (last error {lastError})")}. Records read:{read}";
    }
}
