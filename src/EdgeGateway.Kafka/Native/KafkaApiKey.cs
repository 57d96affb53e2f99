namespace EdgeGateway.Kafka.Native;

/// <summary>
/// Kafka protocol request types (API keys) that tests commonly inject errors into with
/// <see cref="MockKafkaCluster.PushRequestErrors"/>. Values are the protocol's numbers.
/// </summary>
public enum KafkaApiKey
{
    /// <summary>Produce (0): writing record batches.</summary>
    Produce = 0,

    /// <summary>Fetch (1): reading record batches.</summary>
    Fetch = 1,

    /// <summary>ListOffsets (2): watermarks and offsets by time.</summary>
    ListOffsets = 2,

    /// <summary>Metadata (3): brokers, topics, partition leaders.</summary>
    Metadata = 3,

    /// <summary>OffsetCommit (8): a consumer group committing positions.</summary>
    OffsetCommit = 8,

    /// <summary>OffsetFetch (9): a consumer group reading committed positions.</summary>
    OffsetFetch = 9,

    /// <summary>FindCoordinator (10): locating a group or transaction coordinator.</summary>
    FindCoordinator = 10,

    /// <summary>JoinGroup (11).</summary>
    JoinGroup = 11,

    /// <summary>Heartbeat (12).</summary>
    Heartbeat = 12,

    /// <summary>SyncGroup (14).</summary>
    SyncGroup = 14,

    /// <summary>ApiVersions (18): the first request on every connection.</summary>
    ApiVersions = 18,

    /// <summary>InitProducerId (22): idempotent and transactional producers get their producer id.</summary>
    InitProducerId = 22,

    /// <summary>AddPartitionsToTxn (24).</summary>
    AddPartitionsToTxn = 24,

    /// <summary>EndTxn (26): commit or abort of a transaction.</summary>
    EndTxn = 26,
}
