using EdgeGateway.Buffering;
using EdgeGateway.Forwarding;
using EdgeGateway.Pipeline;
using EdgeGateway.Sources;
using EdgeGateway.Status;

namespace EdgeGateway.Tests.Status;

/// <summary>Hand-set statistics of every stage, for the collector and the writer without a pipeline.</summary>
internal sealed class FakeStatistics
{
    public const string GatewayId = "gw-status";

    private readonly TimeProvider _time;

    public FakeStatistics(TimeProvider time)
    {
        _time = time;
        Mqtt = new MqttSourceStatistics
        {
            Broker = "127.0.0.1:1883",
            ClientId = "edge-gateway-gw-status",
            Subscriptions = 1,
            State = MqttSourceState.Connected,
            StateSince = time.GetUtcNow(),
            MessagesReceived = 105,
            MessagesAcknowledged = 104,
            Connects = 2,
            ConnectionsLost = 1,
            LastError = "Lost the connection to 127.0.0.1:1883: closed",
            LastErrorAt = time.GetUtcNow(),
        };
        Ingest = new IngestStatistics(100, 5, new Dictionary<string, long> { ["unknown-device"] = 2, ["malformed-json"] = 3 });
        Buffer = new BufferStatistics
        {
            NormalRows = 7,
            PriorityRows = 3,
            InFlightRows = 4,
            Bytes = 3 * 1024,
            CapacityBytes = 1024 * 1024,
            OldestUnsentAge = TimeSpan.FromMilliseconds(3250),
            IsBlocked = false,
            AppendRequests = 50,
            AppendedRows = 100,
            CommittedRows = 100,
            ReleasedRows = 90,
            Commits = 20,
            Drops = new BufferDrops(FullDropOldest: 0, FullRejectNew: 0, Expired: 6, DiskGuard: 1, TooLarge: 0),
            DeadLetters = 5,
            DeadLetterBytes = 2048,
            DeadLettersDropped = 0,
        };
        Kafka = new KafkaForwarderStatistics
        {
            BootstrapServers = "k1:9092,k2:9092",
            Topic = "edge.readings",
            Connection = new KafkaConnectionSnapshot(KafkaConnectionState.Connected, time.GetUtcNow(), time.GetUtcNow(), null, null),
            BatchesSent = 9,
            ReadingsForwarded = 90,
            BatchesSplit = 0,
            ReadingsRejected = 0,
            DeliveryRetries = 2,
        };
    }

    public MqttSourceStatistics Mqtt { get; set; }

    public IngestStatistics Ingest { get; set; }

    public BufferStatistics Buffer { get; set; }

    public KafkaForwarderStatistics Kafka { get; set; }

    public GatewayStatusCollector Collector(TimeSpan? interval = null, string? name = "Cabinet 12, Main Street") => new(
        new StatusSources(GatewayId, name, interval ?? TimeSpan.FromSeconds(2), () => Mqtt, () => Ingest, () => Buffer, () => Kafka),
        _time);
}
