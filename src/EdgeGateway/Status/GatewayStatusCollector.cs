using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Forwarding;
using EdgeGateway.Hosting;
using EdgeGateway.Pipeline;
using EdgeGateway.Sources;
using EdgeGateway.Sources.Gpio;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Status;

/// <summary>
/// Assembles a <see cref="GatewayStatus"/> from the components' own statistics: the MQTT source, the
/// ingest path, the buffer and the Kafka forwarder. Every call takes a fresh snapshot; the components'
/// statistics are cheap (counters and a lock each), so this never touches the disk.
/// </summary>
public sealed class GatewayStatusCollector
{
    private readonly StatusSources _sources;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the collector over the running components; the gateway's start is now.</summary>
    public GatewayStatusCollector(
        IOptions<GatewayOptions> gateway,
        MqttSource mqtt,
        ReadingIngestor ingestor,
        ReadingBuffer buffer,
        KafkaForwarder kafka,
        GpioSource gpio,
        TimeProvider timeProvider,
        Observability.GatewayHealth? health = null)
        : this(StatusSources.From(gateway, mqtt, ingestor, buffer, kafka) with { Gpio = GpioStatusOf(gpio), Readiness = health is null ? null : health.CheckReady }, timeProvider)
    {
    }

    /// <summary>Creates a collector over any sources of statistics (tests use fakes).</summary>
    internal GatewayStatusCollector(StatusSources sources, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _sources = sources;
        _timeProvider = timeProvider;
        StartedAt = timeProvider.GetUtcNow();
    }

    /// <summary>When the gateway started (when the collector was created, as the host was built).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Takes a snapshot now.</summary>
    /// <param name="state">Running, or stopped for the last snapshot written after the pipeline stopped.</param>
    public GatewayStatus Collect(GatewayRunState state = GatewayRunState.Running)
    {
        // Downstream first: a counter read later can only have grown, so a snapshot taken while
        // readings flow never shows more forwarded than committed, or more committed than received.
        var kafka = _sources.Kafka();
        var buffer = _sources.Buffer();
        var ingest = _sources.Ingest();
        var mqtt = _sources.Mqtt();
        var now = _timeProvider.GetUtcNow();
        return new GatewayStatus
        {
            SchemaVersion = GatewayStatus.CurrentSchemaVersion,
            GatewayId = _sources.GatewayId,
            GatewayName = _sources.GatewayName,
            Version = ThisAssembly.Version,
            ProcessId = Environment.ProcessId,
            State = state,
            StartedAt = StartedAt,
            UptimeSeconds = Seconds(now - StartedAt),
            GeneratedAt = now,
            IntervalSeconds = _sources.Interval.TotalSeconds,
            Sources = new SourcesStatus { Mqtt = Map(mqtt), Gpio = _sources.Gpio?.Invoke() },
            Ingest = new IngestStatus
            {
                ReadingsIngested = ingest.ReadingsIngested,
                DeadLettered = ingest.DeadLettered,
                DeadLetteredByReason = Sorted(ingest.DeadLetteredByReason),
            },
            Buffer = Map(buffer),
            Kafka = Map(kafka),
            Readiness = _sources.Readiness?.Invoke() is { } ready
                ? new ReadinessStatus { Ready = ready.IsHealthy, Failed = [.. ready.Failures.Select(f => $"{f.Name}: {f.Detail}")] }
                : null,
        };
    }

    private static MqttStatus Map(MqttSourceStatistics mqtt) => new()
    {
        State = mqtt.State switch
        {
            MqttSourceState.Off => LinkState.Off,
            MqttSourceState.Connected => LinkState.Connected,
            MqttSourceState.Disconnected => LinkState.Disconnected,
            _ => LinkState.Connecting,
        },
        StateSince = mqtt.StateSince,
        Broker = mqtt.Broker,
        ClientId = mqtt.ClientId,
        Subscriptions = mqtt.Subscriptions,
        Received = mqtt.MessagesReceived,
        Acknowledged = mqtt.MessagesAcknowledged,
        Connects = mqtt.Connects,
        ConnectionsLost = mqtt.ConnectionsLost,
        LastError = mqtt.LastError,
        LastErrorAt = mqtt.LastErrorAt,
    };

    internal static BufferStatus Map(BufferStatistics buffer) => new()
    {
        Rows = buffer.Rows,
        NormalRows = buffer.NormalRows,
        PriorityRows = buffer.PriorityRows,
        InFlightRows = buffer.InFlightRows,
        Bytes = buffer.Bytes,
        CapacityBytes = buffer.CapacityBytes,
        OldestUnsentAgeSeconds = buffer.OldestUnsentAge is { } age ? Seconds(age) : null,
        Blocked = buffer.IsBlocked,
        CommittedRows = buffer.CommittedRows,
        ReleasedRows = buffer.ReleasedRows,
        Dropped = new BufferDropsStatus
        {
            Total = buffer.Drops.Total,
            DropOldest = buffer.Drops.FullDropOldest,
            RejectNew = buffer.Drops.FullRejectNew,
            Expired = buffer.Drops.Expired,
            DiskGuard = buffer.Drops.DiskGuard,
            TooLarge = buffer.Drops.TooLarge,
        },
        DeadLetters = buffer.DeadLetters,
        DeadLetterBytes = buffer.DeadLetterBytes,
        DeadLettersDropped = buffer.DeadLettersDropped,
    };

    private static KafkaStatus Map(KafkaForwarderStatistics kafka) => new()
    {
        State = kafka.Connection.State switch
        {
            KafkaConnectionState.Connected => LinkState.Connected,
            KafkaConnectionState.Disconnected => LinkState.Disconnected,
            KafkaConnectionState.Failed => LinkState.Failed,
            _ => LinkState.Connecting,
        },
        StateSince = kafka.Connection.Since,
        BootstrapServers = kafka.BootstrapServers,
        Topic = kafka.Topic,
        BatchesSent = kafka.BatchesSent,
        ReadingsForwarded = kafka.ReadingsForwarded,
        BatchesSplit = kafka.BatchesSplit,
        ReadingsRejected = kafka.ReadingsRejected,
        DeliveryRetries = kafka.DeliveryRetries,
        LastDeliveryAt = kafka.Connection.LastDeliveryAt,
        LastError = kafka.Connection.LastError,
        LastErrorAt = kafka.Connection.LastErrorAt,
    };

    private static SortedDictionary<string, long> Sorted(IReadOnlyDictionary<string, long> counts)
    {
        var sorted = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, value) in counts)
        {
            sorted[key] = value;
        }

        return sorted;
    }

    private static Func<GpioStatus?> GpioStatusOf(GpioSource gpio)
    {
        ArgumentNullException.ThrowIfNull(gpio);
        return () => gpio.Lines.Count == 0 ? null : new GpioStatus
        {
            Chip = gpio.Chip,
            ChipOpen = gpio.ChipOpen,
            Lines = [.. gpio.Lines.Select(l => new GpioLineStatus
            {
                Name = l.Name,
                Offset = l.Offset,
                Kind = l.Kind == GpioLineKind.Contact ? "contact" : "counter",
                Open = l.IsOpen,
                Pulses = l.Pulses,
                Bounces = l.Bounces,
                Changes = l.Changes,
                Level = l.Level,
                Readings = l.Readings,
                LastError = l.LastError,
            })],
        };
    }

    // Milliseconds are plenty for an operator and keep the file free of 15-digit fractions.
    private static double Seconds(TimeSpan duration) => Math.Round(Math.Max(0, duration.TotalSeconds), 3);
}

/// <summary>Where a <see cref="GatewayStatusCollector"/> gets its identity and statistics from.</summary>
/// <param name="GatewayId">The gateway's effective id.</param>
/// <param name="GatewayName">Its human-readable name, if any.</param>
/// <param name="Interval">How often snapshots are written.</param>
/// <param name="Mqtt">The MQTT source's statistics.</param>
/// <param name="Ingest">The ingest path's statistics.</param>
/// <param name="Buffer">The buffer's statistics.</param>
/// <param name="Kafka">The forwarder's statistics.</param>
internal sealed record StatusSources(
    string GatewayId,
    string? GatewayName,
    TimeSpan Interval,
    Func<MqttSourceStatistics> Mqtt,
    Func<IngestStatistics> Ingest,
    Func<BufferStatistics> Buffer,
    Func<KafkaForwarderStatistics> Kafka)
{
    /// <summary>The GPIO source's lines, or null (none configured).</summary>
    public Func<GpioStatus?>? Gpio { get; init; }

    /// <summary>The readiness checks (<c>/readyz</c>), or null when not evaluated.</summary>
    public Func<Observability.HealthReport>? Readiness { get; init; }

    public static StatusSources From(IOptions<GatewayOptions> gateway, MqttSource mqtt, ReadingIngestor ingestor, ReadingBuffer buffer, KafkaForwarder kafka)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(ingestor);
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(kafka);
        var options = gateway.Value;
        return new StatusSources(options.EffectiveId, options.Name, options.StatusInterval, mqtt.GetStatistics, ingestor.GetStatistics, buffer.GetStatistics, kafka.GetStatistics);
    }
}
