using System.Text.Json.Serialization;

namespace EdgeGateway.Status;

/// <summary>
/// A snapshot of the running gateway: who it is, how long it has run, and the state and counters of
/// every stage. Written as JSON to the status file (<c>Gateway:StatusFile</c>) and read by
/// <c>edge-gateway status</c>. Counters count since the gateway started; the buffer's depth, bytes and
/// dead letters describe what is on disk.
/// </summary>
/// <remarks>
/// The JSON form is a contract for scripts: camelCase names, durations in seconds, times in ISO 8601
/// UTC, states in kebab case. Fields are only ever added; a change that breaks readers raises
/// <see cref="SchemaVersion"/>.
/// </remarks>
public sealed record GatewayStatus
{
    /// <summary>The version of this format written by this build.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>The version of the format (<see cref="CurrentSchemaVersion"/> when written by this build).</summary>
    public required int SchemaVersion { get; init; }

    /// <summary>The gateway's id (<c>Gateway:Id</c>, or the host name).</summary>
    public required string GatewayId { get; init; }

    /// <summary>The gateway's human-readable name (<c>Gateway:Name</c>), if set.</summary>
    public string? GatewayName { get; init; }

    /// <summary>The edge-gateway version that wrote the snapshot.</summary>
    public required string Version { get; init; }

    /// <summary>The operating system's id of the gateway process.</summary>
    public required int ProcessId { get; init; }

    /// <summary>Running, or stopped (the last snapshot, written after the pipeline stopped).</summary>
    public required GatewayRunState State { get; init; }

    /// <summary>When the gateway started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Seconds since <see cref="StartedAt"/> when the snapshot was taken.</summary>
    public required double UptimeSeconds { get; init; }

    /// <summary>When the snapshot was taken.</summary>
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>Seconds between snapshots (<c>Gateway:StatusInterval</c>): a reader judges staleness by it.</summary>
    public required double IntervalSeconds { get; init; }

    /// <summary>The sources.</summary>
    public required SourcesStatus Sources { get; init; }

    /// <summary>The ingest path (decode, context, buffer or dead letters).</summary>
    public required IngestStatus Ingest { get; init; }

    /// <summary>The durable buffer.</summary>
    public required BufferStatus Buffer { get; init; }

    /// <summary>The Kafka forwarder.</summary>
    public required KafkaStatus Kafka { get; init; }

    /// <summary>What <c>/readyz</c> would answer when the snapshot was taken, or null (older gateways).</summary>
    public ReadinessStatus? Readiness { get; init; }
}

/// <summary>The gateway's readiness (the checks of <c>/readyz</c>).</summary>
public sealed record ReadinessStatus
{
    /// <summary>True when every readiness check passed.</summary>
    public required bool Ready { get; init; }

    /// <summary>The checks that failed, each as <c>name: why</c>.</summary>
    public required IReadOnlyList<string> Failed { get; init; }
}

/// <summary>Whether the gateway that wrote a snapshot was still running.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GatewayRunState>))]
public enum GatewayRunState
{
    /// <summary>Running: snapshots keep coming every interval.</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>Stopped: the last snapshot, written after the pipeline stopped.</summary>
    [JsonStringEnumMemberName("stopped")]
    Stopped,
}

/// <summary>The state of a connection to a broker.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LinkState>))]
public enum LinkState
{
    /// <summary>Not used (nothing configured that needs it).</summary>
    [JsonStringEnumMemberName("off")]
    Off,

    /// <summary>Connecting, or waiting to try again.</summary>
    [JsonStringEnumMemberName("connecting")]
    Connecting,

    /// <summary>Connected.</summary>
    [JsonStringEnumMemberName("connected")]
    Connected,

    /// <summary>Not connected.</summary>
    [JsonStringEnumMemberName("disconnected")]
    Disconnected,

    /// <summary>Failed for good until the gateway restarts.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}

/// <summary>The sources, one entry per transport.</summary>
public sealed record SourcesStatus
{
    /// <summary>The MQTT source.</summary>
    public required MqttStatus Mqtt { get; init; }

    /// <summary>The GPIO source; absent when no lines are configured (<c>Gpio:Lines</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GpioStatus? Gpio { get; init; }
}

/// <summary>The GPIO source: its chip and each line's counters.</summary>
public sealed record GpioStatus
{
    /// <summary>The chip (<c>Gpio:Chip</c>).</summary>
    public required string Chip { get; init; }

    /// <summary>Whether the chip is open now.</summary>
    public required bool ChipOpen { get; init; }

    /// <summary>The lines, in configuration order.</summary>
    public required IReadOnlyList<GpioLineStatus> Lines { get; init; }
}

/// <summary>One GPIO line.</summary>
public sealed record GpioLineStatus
{
    /// <summary>The line's name.</summary>
    public required string Name { get; init; }

    /// <summary>Its offset on the chip.</summary>
    public required int Offset { get; init; }

    /// <summary><c>counter</c> or <c>contact</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Whether it is requested and watched now.</summary>
    public required bool Open { get; init; }

    /// <summary>Pulses counted (counters).</summary>
    public required long Pulses { get; init; }

    /// <summary>Edges dropped as bounce.</summary>
    public required long Bounces { get; init; }

    /// <summary>Settled changes (contacts).</summary>
    public required long Changes { get; init; }

    /// <summary>A contact's last reported level (true: active).</summary>
    public bool? Level { get; init; }

    /// <summary>Observations handed to the ingest path.</summary>
    public required long Readings { get; init; }

    /// <summary>Why it could not be requested or watched, if so.</summary>
    public string? LastError { get; init; }
}

/// <summary>The MQTT source: its connection and what it received and acknowledged.</summary>
public sealed record MqttStatus
{
    /// <summary>The connection's state (<see cref="LinkState.Off"/> without subscriptions).</summary>
    public required LinkState State { get; init; }

    /// <summary>When the state last changed.</summary>
    public required DateTimeOffset StateSince { get; init; }

    /// <summary>The broker, <c>host:port</c>.</summary>
    public required string Broker { get; init; }

    /// <summary>The client id of the gateway's session.</summary>
    public required string ClientId { get; init; }

    /// <summary>Subscriptions configured.</summary>
    public required int Subscriptions { get; init; }

    /// <summary>Messages the broker delivered (redeliveries count again).</summary>
    public required long Received { get; init; }

    /// <summary>Messages acknowledged to the broker, each after it was durable (readings or dead letters).</summary>
    public required long Acknowledged { get; init; }

    /// <summary>Successful connects (the first and every reconnect).</summary>
    public required long Connects { get; init; }

    /// <summary>Connections lost.</summary>
    public required long ConnectionsLost { get; init; }

    /// <summary>The last connection error, if any.</summary>
    public string? LastError { get; init; }

    /// <summary>When that error happened.</summary>
    public DateTimeOffset? LastErrorAt { get; init; }
}

/// <summary>The ingest path: readings committed and input dead-lettered.</summary>
public sealed record IngestStatus
{
    /// <summary>Readings committed to the buffer.</summary>
    public required long ReadingsIngested { get; init; }

    /// <summary>Messages or readings dead-lettered (undecodable, unknown device under <c>reject</c>, refused by the buffer).</summary>
    public required long DeadLettered { get; init; }

    /// <summary>The same by reason (<c>malformed-json</c>, <c>unknown-device</c>...); the values add up to <see cref="DeadLettered"/>.</summary>
    public required IReadOnlyDictionary<string, long> DeadLetteredByReason { get; init; }
}

/// <summary>The durable buffer: what waits on disk, and what went through it.</summary>
public sealed record BufferStatus
{
    /// <summary>Unsent rows (the depth), both lanes.</summary>
    public required long Rows { get; init; }

    /// <summary>Unsent rows in the normal lane.</summary>
    public required long NormalRows { get; init; }

    /// <summary>Unsent rows in the priority lane.</summary>
    public required long PriorityRows { get; init; }

    /// <summary>Rows handed to the forwarder and not yet released.</summary>
    public required long InFlightRows { get; init; }

    /// <summary>The accounted bytes of the unsent rows.</summary>
    public required long Bytes { get; init; }

    /// <summary>The most bytes readings may use before the full policy applies.</summary>
    public required long CapacityBytes { get; init; }

    /// <summary>Seconds since the oldest unsent row was received, or null when the buffer is empty.</summary>
    public double? OldestUnsentAgeSeconds { get; init; }

    /// <summary>True while appends wait for space (policy <c>block</c>): the gateway stops acknowledging.</summary>
    public required bool Blocked { get; init; }

    /// <summary>Rows committed.</summary>
    public required long CommittedRows { get; init; }

    /// <summary>Rows released after Kafka acknowledged them (forwarded).</summary>
    public required long ReleasedRows { get; init; }

    /// <summary>Rows dropped or refused, by reason.</summary>
    public required BufferDropsStatus Dropped { get; init; }

    /// <summary>Dead letters stored.</summary>
    public required long DeadLetters { get; init; }

    /// <summary>The accounted bytes of the stored dead letters.</summary>
    public required long DeadLetterBytes { get; init; }

    /// <summary>Dead letters deleted (oldest first) to stay within their share of the disk, or not stored because of the disk guard.</summary>
    public required long DeadLettersDropped { get; init; }
}

/// <summary>Rows the buffer dropped or refused, by reason.</summary>
public sealed record BufferDropsStatus
{
    /// <summary>All of them.</summary>
    public required long Total { get; init; }

    /// <summary>Oldest rows deleted to make room (policy <c>drop-oldest</c>).</summary>
    public required long DropOldest { get; init; }

    /// <summary>New rows refused because the buffer was full (policy <c>reject-new</c>).</summary>
    public required long RejectNew { get; init; }

    /// <summary>Rows deleted unsent because they were older than <c>Buffer:MaxAge</c>.</summary>
    public required long Expired { get; init; }

    /// <summary>Rows refused or dropped because free disk space was below <c>Buffer:MinFreeDisk</c>.</summary>
    public required long DiskGuard { get; init; }

    /// <summary>Rows refused because their request alone exceeded the buffer's capacity.</summary>
    public required long TooLarge { get; init; }
}

/// <summary>The Kafka forwarder: its link to the brokers and what it delivered.</summary>
public sealed record KafkaStatus
{
    /// <summary>The link's state, as far as the last delivery or client error said.</summary>
    public required LinkState State { get; init; }

    /// <summary>When the state last changed.</summary>
    public required DateTimeOffset StateSince { get; init; }

    /// <summary>The brokers the producer bootstraps from.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>The topic batches go to.</summary>
    public required string Topic { get; init; }

    /// <summary>Batches the brokers acknowledged.</summary>
    public required long BatchesSent { get; init; }

    /// <summary>Readings in those batches.</summary>
    public required long ReadingsForwarded { get; init; }

    /// <summary>Batches Kafka refused for good and that were split to try again.</summary>
    public required long BatchesSplit { get; init; }

    /// <summary>Single readings Kafka refused for good (dead-lettered).</summary>
    public required long ReadingsRejected { get; init; }

    /// <summary>Deliveries that failed for now and were retried.</summary>
    public required long DeliveryRetries { get; init; }

    /// <summary>When the brokers last acknowledged a batch, if ever.</summary>
    public DateTimeOffset? LastDeliveryAt { get; init; }

    /// <summary>The last error librdkafka reported, if any.</summary>
    public string? LastError { get; init; }

    /// <summary>When that error was reported.</summary>
    public DateTimeOffset? LastErrorAt { get; init; }
}

/// <summary>Source-generated JSON for the status file: indented, camelCase, unknown fields ignored.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(GatewayStatus))]
public sealed partial class StatusJsonContext : JsonSerializerContext;
