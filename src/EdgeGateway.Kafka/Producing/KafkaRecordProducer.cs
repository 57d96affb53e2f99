using Confluent.Kafka;
using EdgeGateway.Kafka.Native;

namespace EdgeGateway.Kafka.Producing;

/// <summary>
/// One long-lived idempotent Kafka producer (acks=all, ordered retries) over Debian's librdkafka. It
/// reports each record as delivered, to retry later, or rejected for good; the caller's durable
/// buffer stays the source of truth, since librdkafka's queue lives only in memory.
/// </summary>
public sealed class KafkaRecordProducer : IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private int _disposed;

    /// <summary>Creates the producer (no connection is made until the first produce or <see cref="WarmUp"/>).</summary>
    /// <param name="settings">Where and how to produce.</param>
    /// <param name="onError">Called with client-level errors (informational unless <c>isFatal</c>).</param>
    public KafkaRecordProducer(KafkaProducerSettings settings, Action<string, bool>? onError = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        LibRdKafka.EnsureLoaded();
        var config = new ProducerConfig
        {
            BootstrapServers = settings.BootstrapServers,
            ClientId = settings.ClientId,
            Acks = Acks.All,
            EnableIdempotence = true,

            // Idempotence keeps order across retries with up to 5 requests in flight per connection.
            MaxInFlight = 5,
            LingerMs = settings.Linger.TotalMilliseconds,
            MessageTimeoutMs = (int)settings.DeliveryTimeout.TotalMilliseconds,
            MessageMaxBytes = settings.MaximumRecordBytes,
            CompressionType = settings.Compression switch
            {
                "none" => CompressionType.None,
                "gzip" => CompressionType.Gzip,
                "snappy" => CompressionType.Snappy,
                "zstd" => CompressionType.Zstd,
                _ => CompressionType.Lz4,
            },
            ReconnectBackoffMs = 100,
            ReconnectBackoffMaxMs = 10_000,
            DeliveryReportFields = "key,status",
        };
        Security.KafkaClientProperties.Apply(config, settings.Security, settings.Extra);

        _producer = new ProducerBuilder<byte[], byte[]>(config)
            .SetErrorHandler((_, error) => onError?.Invoke($"{error.Code}: {error.Reason}", error.IsFatal))
            .Build();
    }

    /// <summary>
    /// Fetches metadata for <paramref name="topic"/> now: the first produce to a topic otherwise waits
    /// for librdkafka's next metadata refresh (about a second).
    /// </summary>
    /// <returns>True when a broker answered within <paramref name="timeout"/>; false when none did (the producer keeps trying by itself).</returns>
    public bool WarmUp(string topic, TimeSpan timeout)
    {
        using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
        try
        {
            admin.GetMetadata(topic, timeout);
            return true;
        }
        catch (KafkaException)
        {
            // Brokers not reachable yet: the producer connects by itself later.
            return false;
        }
    }

    /// <summary>Produces one record and waits for the brokers' verdict.</summary>
    public async Task<KafkaDeliveryOutcome> ProduceAsync(
        string topic,
        byte[] key,
        byte[] value,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var message = new Message<byte[], byte[]> { Key = key, Value = value, Headers = [] };
        foreach (var (name, text) in headers)
        {
            message.Headers.Add(name, System.Text.Encoding.UTF8.GetBytes(text));
        }

        try
        {
            var result = await _producer.ProduceAsync(topic, message, cancellationToken);
            return new KafkaDeliveryOutcome(KafkaDeliveryStatus.Delivered, result.Partition.Value, result.Offset.Value);
        }
        catch (ProduceException<byte[], byte[]> error)
        {
            return Classify(error.Error);
        }
        catch (KafkaException error)
        {
            return Classify(error.Error);
        }
    }

    /// <summary>
    /// Whether an error means this record can never be delivered as it is (split it or dead-letter it).
    /// A missing topic is not: it is a configuration problem that stalls every record alike, so the
    /// records wait for it to be fixed.
    /// </summary>
    public static bool IsPermanent(ErrorCode code) => code is
        ErrorCode.MsgSizeTooLarge or ErrorCode.InvalidMsg or ErrorCode.InvalidMsgSize
        or ErrorCode.TopicAuthorizationFailed or ErrorCode.ClusterAuthorizationFailed or ErrorCode.TopicException
        or ErrorCode.Local_InvalidArg or ErrorCode.InvalidRecord;

    /// <summary>Waits for outstanding deliveries (on shutdown), then releases the producer.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _producer.Flush(TimeSpan.FromSeconds(10));
        _producer.Dispose();
    }

    private static KafkaDeliveryOutcome Classify(Error error) =>
        new(IsPermanent(error.Code) ? KafkaDeliveryStatus.Rejected : KafkaDeliveryStatus.RetryLater, Error: $"{error.Code}: {error.Reason}");
}
