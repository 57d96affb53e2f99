namespace EdgeGateway.Kafka.Native;

/// <summary>
/// A librdkafka C call returned an error. <see cref="ErrorName"/> is librdkafka's own name for it
/// (<c>rd_kafka_err2name</c>, e.g. <c>TOPIC_ALREADY_EXISTS</c>, or <c>_INVALID_ARG</c> for local errors).
/// </summary>
public sealed class LibRdKafkaException : Exception
{
    /// <summary>Creates an exception with no error code.</summary>
    public LibRdKafkaException()
        : this("A librdkafka call failed.")
    {
    }

    /// <summary>Creates an exception with a message and no error code.</summary>
    public LibRdKafkaException(string message)
        : base(message)
    {
        ErrorName = string.Empty;
    }

    /// <summary>Creates an exception with a message, a cause and no error code.</summary>
    public LibRdKafkaException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrorName = string.Empty;
    }

    /// <summary>Creates an exception for <paramref name="errorCode"/> returned by <paramref name="operation"/>.</summary>
    public LibRdKafkaException(string operation, int errorCode, string errorName)
        : base($"{operation} failed: {errorName} ({errorCode}).")
    {
        ErrorCode = errorCode;
        ErrorName = errorName;
    }

    /// <summary>librdkafka's <c>rd_kafka_resp_err_t</c> value (negative for client-local errors).</summary>
    public int ErrorCode { get; }

    /// <summary>librdkafka's name for <see cref="ErrorCode"/>.</summary>
    public string ErrorName { get; }
}
