namespace EdgeGateway.Kafka.Native;

/// <summary>
/// Kafka protocol error codes that a mock broker can be told to answer with
/// (<see cref="MockKafkaCluster.PushRequestErrors"/>). The values are the protocol's, which are also
/// librdkafka's <c>rd_kafka_resp_err_t</c> values (and Confluent.Kafka's <c>ErrorCode</c>); any other
/// protocol code can be passed by casting its number.
/// </summary>
public enum KafkaErrorCode
{
    /// <summary>No error.</summary>
    NoError = 0,

    /// <summary>UNKNOWN (-1): an unexpected server error. Not retriable.</summary>
    UnknownServerError = -1,

    /// <summary>OFFSET_OUT_OF_RANGE (1).</summary>
    OffsetOutOfRange = 1,

    /// <summary>CORRUPT_MESSAGE (2). Retriable.</summary>
    CorruptMessage = 2,

    /// <summary>UNKNOWN_TOPIC_OR_PART (3). Retriable.</summary>
    UnknownTopicOrPartition = 3,

    /// <summary>LEADER_NOT_AVAILABLE (5). Retriable.</summary>
    LeaderNotAvailable = 5,

    /// <summary>NOT_LEADER_FOR_PARTITION (6): the client must refresh metadata. Retriable.</summary>
    NotLeaderForPartition = 6,

    /// <summary>REQUEST_TIMED_OUT (7). Retriable.</summary>
    RequestTimedOut = 7,

    /// <summary>BROKER_NOT_AVAILABLE (8).</summary>
    BrokerNotAvailable = 8,

    /// <summary>MSG_SIZE_TOO_LARGE (10). Not retriable.</summary>
    MessageSizeTooLarge = 10,

    /// <summary>NETWORK_EXCEPTION (13). Retriable.</summary>
    NetworkException = 13,

    /// <summary>COORDINATOR_LOAD_IN_PROGRESS (14). Retriable.</summary>
    CoordinatorLoadInProgress = 14,

    /// <summary>COORDINATOR_NOT_AVAILABLE (15). Retriable.</summary>
    CoordinatorNotAvailable = 15,

    /// <summary>NOT_COORDINATOR (16). Retriable.</summary>
    NotCoordinator = 16,

    /// <summary>TOPIC_EXCEPTION (17): invalid topic. Not retriable.</summary>
    InvalidTopic = 17,

    /// <summary>RECORD_LIST_TOO_LARGE (18). Not retriable.</summary>
    RecordListTooLarge = 18,

    /// <summary>NOT_ENOUGH_REPLICAS (19): fewer in-sync replicas than required for acks=all. Retriable.</summary>
    NotEnoughReplicas = 19,

    /// <summary>NOT_ENOUGH_REPLICAS_AFTER_APPEND (20): written, but not to enough replicas. Retriable.</summary>
    NotEnoughReplicasAfterAppend = 20,

    /// <summary>INVALID_REQUIRED_ACKS (21). Not retriable.</summary>
    InvalidRequiredAcks = 21,

    /// <summary>TOPIC_AUTHORIZATION_FAILED (29). Not retriable.</summary>
    TopicAuthorizationFailed = 29,

    /// <summary>CLUSTER_AUTHORIZATION_FAILED (31). Not retriable.</summary>
    ClusterAuthorizationFailed = 31,

    /// <summary>INVALID_TIMESTAMP (32). Not retriable.</summary>
    InvalidTimestamp = 32,

    /// <summary>OUT_OF_ORDER_SEQUENCE_NUMBER (45): idempotent producer sequence gap.</summary>
    OutOfOrderSequenceNumber = 45,

    /// <summary>DUPLICATE_SEQUENCE_NUMBER (46): idempotent producer resent an old batch.</summary>
    DuplicateSequenceNumber = 46,

    /// <summary>INVALID_PRODUCER_EPOCH (47): the producer was fenced.</summary>
    InvalidProducerEpoch = 47,

    /// <summary>KAFKA_STORAGE_ERROR (56): a disk error on the broker. Retriable.</summary>
    KafkaStorageError = 56,

    /// <summary>UNKNOWN_PRODUCER_ID (59).</summary>
    UnknownProducerId = 59,
}
