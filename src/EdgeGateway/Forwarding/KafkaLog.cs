using Microsoft.Extensions.Logging;

namespace EdgeGateway.Forwarding;

/// <summary>Log messages of the Kafka client.</summary>
internal static partial class KafkaLog
{
    public static void ClientError(ILogger logger, string error, bool fatal)
    {
        if (fatal)
        {
            Fatal(logger, error);
        }
        else
        {
            Transient(logger, error);
        }
    }

    [LoggerMessage(EventId = 710, Level = LogLevel.Warning, Message = "Kafka client: {Error}")]
    private static partial void Transient(ILogger logger, string error);

    [LoggerMessage(EventId = 711, Level = LogLevel.Critical, Message = "Kafka client fatal error: {Error}")]
    private static partial void Fatal(ILogger logger, string error);
}
