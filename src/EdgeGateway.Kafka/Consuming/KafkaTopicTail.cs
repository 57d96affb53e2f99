using System.Diagnostics;
using System.Threading.Channels;
using Confluent.Kafka;
using EdgeGateway.Kafka.Native;

namespace EdgeGateway.Kafka.Consuming;

/// <summary>One record read by <see cref="KafkaTopicTail"/>.</summary>
/// <param name="Partition">Its partition.</param>
/// <param name="Offset">Its offset.</param>
/// <param name="Key">Its key (null when it has none).</param>
/// <param name="Value">Its value (empty when it has none).</param>
/// <param name="Headers">Its headers, as UTF-8 text.</param>
public sealed record KafkaInboundRecord(int Partition, long Offset, byte[]? Key, byte[] Value, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>The last value of header <paramref name="name"/>, or null.</summary>
    public string? Header(string name)
    {
        for (var i = Headers.Count - 1; i >= 0; i--)
        {
            if (string.Equals(Headers[i].Key, name, StringComparison.Ordinal))
            {
                return Headers[i].Value;
            }
        }

        return null;
    }
}

/// <summary>What <see cref="KafkaTopicTail"/> needs.</summary>
public sealed record KafkaTopicTailSettings
{
    /// <summary><c>host:port[,host:port]</c>.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>The topic to follow.</summary>
    public required string Topic { get; init; }

    /// <summary>When set, only records with exactly this key are passed on; the others are skipped unread.</summary>
    public byte[]? Key { get; init; }

    /// <summary>
    /// librdkafka <c>fetch.wait.max.ms</c>: how long a broker may hold a fetch that finds nothing. Real
    /// brokers answer as soon as data arrives; librdkafka's mock cluster always waits this long.
    /// </summary>
    public TimeSpan FetchWait { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How many records may wait to be read before the tail stops fetching.</summary>
    public int Capacity { get; init; } = 256;

    /// <summary>Client id shown to the brokers.</summary>
    public string ClientId { get; init; } = "edge-gateway";

    /// <summary>TLS and SASL towards the brokers (plaintext by default).</summary>
    public EdgeGateway.Kafka.Security.KafkaClientSecurity Security { get; init; } = EdgeGateway.Kafka.Security.KafkaClientSecurity.None;

    /// <summary>Extra librdkafka properties (tuning), applied last.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Follows one topic from its end: every partition is assigned at the high watermark it has when
/// <see cref="Start"/> returns, without a consumer group (no join delay, no rebalance, nothing
/// committed), so each reader sees every new record of the topic and none from before. That is what
/// request/response traffic needs: a request older than the reader was meant for someone else's
/// lifetime, and several readers (gateways, clients) each need all records to pick out their own.
/// Records go through a bounded channel; a reader that does not keep up stops the fetching.
/// </summary>
public sealed class KafkaTopicTail : IDisposable
{
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MetadataRetry = TimeSpan.FromMilliseconds(50);
    private readonly KafkaTopicTailSettings _settings;
    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly Channel<KafkaInboundRecord> _records;
    private readonly CancellationTokenSource _stop = new();
    private readonly Action<string>? _onError;
    private Thread? _thread;
    private int _disposed;

    private KafkaTopicTail(KafkaTopicTailSettings settings, Action<string>? onError)
    {
        _settings = settings;
        _onError = onError;
        _records = Channel.CreateBounded<KafkaInboundRecord>(new BoundedChannelOptions(Math.Max(1, settings.Capacity))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var config = new ConsumerConfig
        {
            BootstrapServers = settings.BootstrapServers,
            ClientId = settings.ClientId,

            // Confluent.Kafka 1.9.3 insists on a group id; Assign never joins it and nothing is committed.
            GroupId = $"{settings.ClientId}-tail-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Latest,
            FetchWaitMaxMs = Math.Max(1, (int)settings.FetchWait.TotalMilliseconds),
            ReconnectBackoffMs = 100,
            ReconnectBackoffMaxMs = 10_000,
        };
        Security.KafkaClientProperties.Apply(config, settings.Security, settings.Extra);

        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetErrorHandler((_, error) => _onError?.Invoke($"{error.Code}: {error.Reason}"))
            .SetLogHandler((_, _) => { })
            .Build();
    }

    /// <summary>The records read, in order per partition. Completes when the tail is disposed.</summary>
    public ChannelReader<KafkaInboundRecord> Records => _records.Reader;

    /// <summary>The partitions followed.</summary>
    public IReadOnlyList<int> Partitions { get; private set; } = [];

    /// <summary>
    /// Looks the topic's partitions up (waiting up to <paramref name="timeout"/> for the topic and a
    /// broker), assigns each at its current end, and starts reading on a thread of its own. Records
    /// produced after this returns are seen.
    /// </summary>
    /// <param name="settings">Where and what to follow.</param>
    /// <param name="timeout">How long the brokers may take to answer.</param>
    /// <param name="onError">Called with client-level errors (informational: the client keeps trying).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="TimeoutException">The topic's partitions or ends could not be learnt in time.</exception>
    public static KafkaTopicTail Start(KafkaTopicTailSettings settings, TimeSpan timeout, Action<string>? onError = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrWhiteSpace(settings.Topic);
        LibRdKafka.EnsureLoaded();
        var tail = new KafkaTopicTail(settings, onError);
        try
        {
            tail.Assign(timeout, cancellationToken);
            tail._thread = new Thread(tail.Run) { IsBackground = true, Name = $"kafka-tail {settings.Topic}" };
            tail._thread.Start();
            return tail;
        }
        catch
        {
            tail.Dispose();
            throw;
        }
    }

    /// <summary>Stops reading, completes <see cref="Records"/> and closes the consumer.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        if (_thread is not null && _thread != Thread.CurrentThread)
        {
            // Consume wakes within a poll slice; a thread blocked on a full channel sees the cancellation.
            _thread.Join();
        }

        _records.Writer.TryComplete();
        _consumer.Close();
        _consumer.Dispose();
        _stop.Dispose();
    }

    private void Assign(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var topic = _settings.Topic;
        List<int> partitions;
        while (true)
        {
            string problem;

            // Disposed at once: a DependentAdminClient kept alive spins a core (confluent-kafka-dotnet #1762).
            using (var admin = new DependentAdminClientBuilder(_consumer.Handle).Build())
            {
                try
                {
                    var metadata = admin.GetMetadata(topic, Remaining(timeout, clock));
                    var found = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
                    if (found is { Error.IsError: false, Partitions.Count: > 0 })
                    {
                        partitions = [.. found.Partitions.Select(p => p.PartitionId).Order()];
                        break;
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
                throw new TimeoutException($"Kafka topic '{topic}' could not be found within {timeout.TotalSeconds:0.#} s ({problem}).");
            }

            cancellationToken.WaitHandle.WaitOne(MetadataRetry);
            cancellationToken.ThrowIfCancellationRequested();
        }

        var assignment = new List<TopicPartitionOffset>(partitions.Count);
        foreach (var partition in partitions)
        {
            WatermarkOffsets watermarks;
            try
            {
                watermarks = _consumer.QueryWatermarkOffsets(new TopicPartition(topic, new Partition(partition)), Remaining(timeout, clock));
            }
            catch (KafkaException error)
            {
                throw new TimeoutException($"The end of Kafka topic '{topic}' partition {partition} could not be learnt: {error.Error.Reason}.", error);
            }

            // The explicit end, not Offset.End: a logical offset is resolved at the first fetch, and what
            // was produced between now and then would be skipped.
            assignment.Add(new TopicPartitionOffset(topic, new Partition(partition), watermarks.High));
        }

        _consumer.Assign(assignment);
        Partitions = partitions;
    }

    private static TimeSpan Remaining(TimeSpan timeout, Stopwatch clock)
    {
        var left = timeout - clock.Elapsed;
        return left < PollSlice ? PollSlice : left;
    }

    private void Run()
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                ConsumeResult<byte[]?, byte[]?>? result;
                try
                {
                    result = _consumer.Consume(PollSlice);
                }
                catch (ConsumeException error)
                {
                    // Transient (brokers down, a partition moving): librdkafka keeps trying by itself.
                    _onError?.Invoke($"{error.Error.Code}: {error.Error.Reason}");
                    continue;
                }

                if (result is null || result.IsPartitionEOF)
                {
                    continue;
                }

                var message = result.Message;
                if (_settings.Key is { } wanted && (message.Key is null || !wanted.AsSpan().SequenceEqual(message.Key)))
                {
                    continue;
                }

                var headers = message.Headers is null
                    ? []
                    : message.Headers.Select(h => new KeyValuePair<string, string>(h.Key, System.Text.Encoding.UTF8.GetString(h.GetValueBytes() ?? []))).ToList();
                var record = new KafkaInboundRecord(result.Partition.Value, result.Offset.Value, message.Key, message.Value ?? [], headers);
                while (!_records.Writer.TryWrite(record))
                {
                    // Full: wait for the reader (this is the back-pressure), or for the stop.
                    if (!_records.Writer.WaitToWriteAsync(token).AsTask().GetAwaiter().GetResult())
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while consuming.
        }
        finally
        {
            _records.Writer.TryComplete();
        }
    }
}
