using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;

namespace EdgeGateway.Buffering;

/// <summary>Section <c>Buffer</c>: the durable SQLite buffer between ingest and Kafka.</summary>
public sealed class BufferOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Buffer";

    /// <summary>Path of the SQLite database file.</summary>
    [Required]
    public string Path { get; set; } = "/var/lib/edge-gateway/buffer.db";

    /// <summary>SQLite's <c>synchronous</c> setting. <c>full</c> survives power loss; <c>normal</c> may lose the last commits.</summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Full;

    /// <summary>How long the writer waits to group readings into one commit (bounds the added latency).</summary>
    [DurationRange("0ms", "1s")]
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The most readings in one commit.</summary>
    [Range(1, 100_000)]
    public int CommitMaxCount { get; set; } = 1000;

    /// <summary>The most disk the buffer may use; <see cref="FullPolicy"/> applies beyond it.</summary>
    [SizeRange("1MiB", "1TiB")]
    public ByteSize MaxSize { get; set; } = ByteSize.FromGibibytes(1);

    /// <summary>Readings older than this are dropped (and counted) even if not yet forwarded.</summary>
    [DurationRange("1m", "3650d")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);

    /// <summary>What happens when the buffer is full.</summary>
    public BufferFullPolicy FullPolicy { get; set; } = BufferFullPolicy.Block;

    /// <summary>Free disk space always left to the system; below it the buffer counts as full.</summary>
    [SizeRange("0", "1TiB")]
    public ByteSize MinFreeDisk { get; set; } = ByteSize.FromMebibytes(256);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Synchronous == SqliteSynchronous.Off)
        {
            // Off trades durability for nothing the gateway needs: group commit already makes FULL cheap.
            yield return new ValidationResult("'off' can lose acknowledged readings on power loss; use normal or full", [nameof(Synchronous)]);
        }
    }
}

/// <summary>SQLite <c>PRAGMA synchronous</c> levels.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum SqliteSynchronous
{
    /// <summary>No syncs (rejected by validation; listed so the error can say why).</summary>
    Off,

    /// <summary>Sync at checkpoints; the last commits may be lost on power loss.</summary>
    Normal,

    /// <summary>Sync on every commit.</summary>
    Full,

    /// <summary>Like full, and also sync the directory.</summary>
    Extra,
}

/// <summary>What the buffer does when it reaches its size bound.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum BufferFullPolicy
{
    /// <summary>Stop acknowledging input, so MQTT brokers hold the data (nothing is dropped).</summary>
    Block,

    /// <summary>Drop the oldest unsent readings to make room (counted).</summary>
    DropOldest,

    /// <summary>Refuse new readings (counted and dead-lettered).</summary>
    RejectNew,
}
