namespace EdgeGateway.Buffering;

/// <summary>
/// A snapshot of the buffer, from <see cref="ReadingBuffer.GetStatistics"/>. Depth, bytes and dead
/// letters describe what is on disk; the counters count since the buffer was opened.
/// </summary>
public sealed record BufferStatistics
{
    /// <summary>Unsent rows in the normal lane (including rows handed out and not yet released).</summary>
    public required long NormalRows { get; init; }

    /// <summary>Unsent rows in the priority lane (including rows handed out and not yet released).</summary>
    public required long PriorityRows { get; init; }

    /// <summary>All unsent rows.</summary>
    public long Rows => NormalRows + PriorityRows;

    /// <summary>Rows handed to the forwarder and neither released nor returned yet.</summary>
    public required long InFlightRows { get; init; }

    /// <summary>The accounted bytes of the unsent rows (payload + device id + a fixed per-row overhead).</summary>
    public required long Bytes { get; init; }

    /// <summary>The most accounted bytes readings may use (<see cref="BufferOptions.MaxSize"/> less the dead-letter share).</summary>
    public required long CapacityBytes { get; init; }

    /// <summary>How long ago the oldest unsent row was received, or null when the buffer is empty.</summary>
    public required TimeSpan? OldestUnsentAge { get; init; }

    /// <summary>True while appends wait for space (policy <c>block</c>).</summary>
    public required bool IsBlocked { get; init; }

    /// <summary>Append requests the writer has taken (each holds one or more rows).</summary>
    public required long AppendRequests { get; init; }

    /// <summary>Rows in those requests, committed or not.</summary>
    public required long AppendedRows { get; init; }

    /// <summary>Rows committed.</summary>
    public required long CommittedRows { get; init; }

    /// <summary>Rows deleted after delivery (<see cref="ReadingBuffer.ReleaseAsync"/>).</summary>
    public required long ReleasedRows { get; init; }

    /// <summary>Transactions that committed appended rows.</summary>
    public required long Commits { get; init; }

    /// <summary>Rows per commit on average (the group commit's effect), or 0 before the first commit.</summary>
    public double AverageRowsPerCommit => Commits == 0 ? 0 : (double)CommittedRows / Commits;

    /// <summary>Rows dropped or refused, by reason.</summary>
    public required BufferDrops Drops { get; init; }

    /// <summary>Dead letters stored.</summary>
    public required long DeadLetters { get; init; }

    /// <summary>The accounted bytes of the stored dead letters.</summary>
    public required long DeadLetterBytes { get; init; }

    /// <summary>Dead letters deleted to stay within their share of the disk bound, or not stored because of the disk guard.</summary>
    public required long DeadLettersDropped { get; init; }
}

/// <summary>Rows the buffer dropped or refused, counted by reason (since it was opened).</summary>
/// <param name="FullDropOldest">Oldest rows deleted to make room (policy <c>drop-oldest</c>).</param>
/// <param name="FullRejectNew">New rows refused because the buffer was full (policy <c>reject-new</c>, or nothing droppable).</param>
/// <param name="Expired">Rows deleted unsent because they were older than <see cref="BufferOptions.MaxAge"/>.</param>
/// <param name="DiskGuard">Rows refused or dropped because free disk space was below <see cref="BufferOptions.MinFreeDisk"/>.</param>
/// <param name="TooLarge">Rows refused because their request alone exceeds the buffer's capacity.</param>
public readonly record struct BufferDrops(long FullDropOldest, long FullRejectNew, long Expired, long DiskGuard, long TooLarge)
{
    /// <summary>All dropped or refused rows.</summary>
    public long Total => FullDropOldest + FullRejectNew + Expired + DiskGuard + TooLarge;
}
