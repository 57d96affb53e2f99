using System.Runtime.InteropServices;

namespace EdgeGateway.Kafka.Native;

/// <summary>
/// librdkafka's built-in mock Kafka cluster, owned through the C API: in-process brokers that speak the
/// real Kafka protocol on 127.0.0.1 (random ports, reachable by other processes such as kcat), with
/// fault injection. It stands in for a real broker, which cannot be installed on this project's
/// machines. Does not need Confluent.Kafka.
/// </summary>
/// <remarks>
/// The cluster lives inside a producer handle created only to own it; that handle has no bootstrap
/// servers and never connects anywhere. Dispose the cluster to stop its brokers and free its ports.
/// Thread-safe.
/// </remarks>
public sealed class MockKafkaCluster : IDisposable
{
    private const int ErrorTextSize = 512;
    private readonly Lock _gate = new();
    private IntPtr _handle;
    private IntPtr _cluster;

    private MockKafkaCluster(IntPtr handle, IntPtr cluster, int brokerCount)
    {
        _handle = handle;
        _cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = Marshal.PtrToStringUTF8(NativeMethods.MockClusterBootstraps(cluster)) ?? string.Empty;
    }

    /// <summary>The brokers' addresses, <c>127.0.0.1:port</c> separated by commas.</summary>
    public string BootstrapServers { get; }

    /// <summary>The number of brokers; their ids are 1 to <see cref="BrokerCount"/>.</summary>
    public int BrokerCount { get; }

    /// <summary>Starts a cluster of <paramref name="brokerCount"/> brokers, listening once this returns.</summary>
    /// <exception cref="DllNotFoundException">librdkafka is not installed.</exception>
    /// <exception cref="LibRdKafkaException">librdkafka refused to create the handle or the cluster.</exception>
    public static MockKafkaCluster Start(int brokerCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        LibRdKafka.EnsureNativeLoaded();

        var handle = CreateOwnerHandle();
        var cluster = NativeMethods.MockClusterNew(handle, brokerCount);
        if (cluster == IntPtr.Zero)
        {
            NativeMethods.Destroy(handle);
            throw new LibRdKafkaException($"rd_kafka_mock_cluster_new with {brokerCount} brokers failed (see librdkafka's log on stderr).");
        }

        return new MockKafkaCluster(handle, cluster, brokerCount);
    }

    /// <summary>Creates a topic; the mock picks each partition's leader and replicas among the brokers.</summary>
    /// <remarks>
    /// The counts are checked here because librdkafka 2.0.2 does not: it accepts 0 partitions or
    /// replicas, and aborts the whole process (a failed assertion) on a negative partition count.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 1 partition, or a replication factor outside 1..<see cref="BrokerCount"/>.</exception>
    /// <exception cref="LibRdKafkaException">For example <c>TOPIC_ALREADY_EXISTS</c>.</exception>
    public void CreateTopic(string name, int partitions = 1, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);
        lock (_gate)
        {
            ThrowIfDisposed();
            Check(NativeMethods.MockTopicCreate(_cluster, name, partitions, replicationFactor), $"Creating topic '{name}' ({partitions} partitions, replication factor {replicationFactor})");
        }
    }

    /// <summary>
    /// Takes broker <paramref name="brokerId"/> (1-based) down: its connections are closed and new ones
    /// are refused until <see cref="SetBrokerUp"/>.
    /// </summary>
    /// <exception cref="LibRdKafkaException">The broker id is unknown.</exception>
    public void SetBrokerDown(int brokerId)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            Check(NativeMethods.MockBrokerSetDown(_cluster, brokerId), $"Setting broker {brokerId} down");
        }
    }

    /// <summary>Brings broker <paramref name="brokerId"/> (1-based) back up.</summary>
    /// <exception cref="LibRdKafkaException">The broker id is unknown.</exception>
    public void SetBrokerUp(int brokerId)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            Check(NativeMethods.MockBrokerSetUp(_cluster, brokerId), $"Setting broker {brokerId} up");
        }
    }

    /// <summary>
    /// Makes the next requests of type <paramref name="apiKey"/>, on any broker, fail with
    /// <paramref name="errors"/>, one error per request in order; later requests succeed again.
    /// </summary>
    public unsafe void PushRequestErrors(KafkaApiKey apiKey, params ReadOnlySpan<KafkaErrorCode> errors)
    {
        if (errors.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            fixed (KafkaErrorCode* codes = errors)
            {
                NativeMethods.MockPushRequestErrorsArray(_cluster, checked((short)apiKey), (nuint)errors.Length, (int*)codes);
            }
        }
    }

    /// <summary>Drops the errors pushed for <paramref name="apiKey"/> that no request has consumed yet.</summary>
    public void ClearRequestErrors(KafkaApiKey apiKey)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            NativeMethods.MockClearRequestErrors(_cluster, checked((short)apiKey));
        }
    }

    /// <summary>Stops the brokers (closing their ports), then destroys the handle that owned them.</summary>
    /// <remarks>
    /// Often takes about a second: the ports close at once, but librdkafka 2.0.2 then joins an internal
    /// broker thread that notices the end only at its next one-second tick.
    /// </remarks>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_cluster != IntPtr.Zero)
            {
                NativeMethods.MockClusterDestroy(_cluster);
                _cluster = IntPtr.Zero;
            }

            if (_handle != IntPtr.Zero)
            {
                NativeMethods.Destroy(_handle);
                _handle = IntPtr.Zero;
            }
        }
    }

    /// <summary>librdkafka's name for an error code, e.g. <c>NOT_ENOUGH_REPLICAS</c>.</summary>
    internal static string ErrorName(int error) => Marshal.PtrToStringUTF8(NativeMethods.ErrorToName(error)) ?? error.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static unsafe IntPtr CreateOwnerHandle()
    {
        var errorText = stackalloc byte[ErrorTextSize];
        var conf = NativeMethods.ConfNew();
        try
        {
            // No bootstrap.servers: the owner handle must not connect anywhere, not even to its own cluster.
            // librdkafka notes that at level 5 (CONFWARN) on stderr; level 4 keeps warnings and errors only.
            SetConfig(conf, "client.id", "edgegateway-mock-cluster", errorText);
            SetConfig(conf, "log_level", "4", errorText);
            var handle = NativeMethods.New(NativeMethods.ProducerType, conf, errorText, ErrorTextSize);
            if (handle == IntPtr.Zero)
            {
                throw new LibRdKafkaException($"rd_kafka_new failed: {Marshal.PtrToStringUTF8((IntPtr)errorText)}");
            }

            conf = IntPtr.Zero; // rd_kafka_new took ownership.
            return handle;
        }
        finally
        {
            if (conf != IntPtr.Zero)
            {
                NativeMethods.ConfDestroy(conf);
            }
        }
    }

    private static unsafe void SetConfig(IntPtr conf, string name, string value, byte* errorText)
    {
        if (NativeMethods.ConfSet(conf, name, value, errorText, ErrorTextSize) != NativeMethods.ConfOk)
        {
            throw new LibRdKafkaException($"rd_kafka_conf_set({name}={value}) failed: {Marshal.PtrToStringUTF8((IntPtr)errorText)}");
        }
    }

    private static void Check(int error, string operation)
    {
        if (error != 0)
        {
            throw new LibRdKafkaException(operation, error, ErrorName(error));
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
}
