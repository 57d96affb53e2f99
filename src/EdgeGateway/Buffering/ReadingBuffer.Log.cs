using Microsoft.Extensions.Logging;

namespace EdgeGateway.Buffering;

/// <summary>Log messages of the buffer (event ids 200-219). State changes are logged once each, not once per reading.</summary>
public sealed partial class ReadingBuffer
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information,
        Message = "Buffer {Path} open: {NormalRows} normal and {PriorityRows} priority rows unsent ({Bytes} bytes), {DeadLetters} dead letters; synchronous={Synchronous}, SQLite {SqliteVersion}")]
    private static partial void LogOpened(ILogger logger, string path, long normalRows, long priorityRows, long bytes, long deadLetters, SqliteSynchronous synchronous, string sqliteVersion);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning,
        Message = "Buffer full ({Bytes} of {Capacity} bytes for readings); policy {Policy} applies until there is room")]
    private static partial void LogFull(ILogger logger, long bytes, long capacity, BufferFullPolicy policy);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning,
        Message = "Free disk space where the buffer lives ({Directory}) is below {MinFreeDisk} bytes: the buffer counts as full; policy {Policy} applies")]
    private static partial void LogDiskLow(ILogger logger, string directory, long minFreeDisk, BufferFullPolicy policy);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Buffer accepting readings again: {Why}")]
    private static partial void LogPressureRelieved(ILogger logger, string why);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning,
        Message = "Deleted {Count} unsent readings older than {MaxAge} (not forwarded in time)")]
    private static partial void LogExpired(ILogger logger, long count, TimeSpan maxAge);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning,
        Message = "Dead letters reached their share of the buffer ({Capacity} bytes): the oldest are deleted to keep new ones")]
    private static partial void LogDeadLettersAtLimit(ILogger logger, long capacity);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "Dead letter ({Reason} from {Source}) not kept: {Why}")]
    private static partial void LogDeadLetterNotKept(ILogger logger, string reason, string source, string why);

    [LoggerMessage(EventId = 207, Level = LogLevel.Warning,
        Message = "Cannot read the free disk space of {Directory}; the disk guard is off until it can")]
    private static partial void LogFreeSpaceUnknown(ILogger logger, string directory, Exception error);

    [LoggerMessage(EventId = 208, Level = LogLevel.Information,
        Message = "Buffer closed; since open: committed={Committed} released={Released} dropped-oldest={DropOldest} refused-full={RefusedFull} expired={Expired} disk-guard={DiskGuard} too-large={TooLarge} dead-letters-dropped={DeadLettersDropped}; left unsent: {Rows} rows, {DeadLetters} dead letters")]
    private static partial void LogClosed(
        ILogger logger, long committed, long released, long dropOldest, long refusedFull, long expired, long diskGuard, long tooLarge, long deadLettersDropped, long rows, long deadLetters);

    [LoggerMessage(EventId = 210, Level = LogLevel.Error,
        Message = "Buffer commit of {Requests} requests failed; they are not stored and their callers were told so")]
    private static partial void LogCommitFailed(ILogger logger, int requests, Exception error);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error, Message = "Buffer operation '{Operation}' failed")]
    private static partial void LogOperationFailed(ILogger logger, string operation, Exception error);

    [LoggerMessage(EventId = 212, Level = LogLevel.Critical, Message = "The buffer's writer loop failed; no more readings can be stored")]
    private static partial void LogWriterFailed(ILogger logger, Exception error);
}
