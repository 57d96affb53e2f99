namespace EdgeGateway.Buffering;

/// <summary>The requests callers hand to the writer loop through its channels.</summary>
public sealed partial class ReadingBuffer
{
    /// <summary>A request to the writer loop.</summary>
    private abstract class Operation
    {
        /// <summary>Rows it adds to a commit group.</summary>
        public virtual int Rows => 0;

        /// <summary>A name for log lines.</summary>
        public abstract string Name { get; }

        /// <summary>True once its caller no longer waits for it (cancelled, or completed already).</summary>
        public abstract bool IsAbandoned { get; }

        public abstract void Fail(Exception error);
    }

    /// <summary>A request whose caller awaits a result.</summary>
    private abstract class Operation<T> : Operation
    {
        // Continuations run on the thread pool, never inline on the writer loop.
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _completion.Task;

        public override bool IsAbandoned => _completion.Task.IsCompleted;

        public bool Complete(T result) => _completion.TrySetResult(result);

        public bool Cancel(CancellationToken cancellationToken) => _completion.TrySetCanceled(cancellationToken);

        public override void Fail(Exception error) => _completion.TrySetException(error);
    }

    /// <summary>A write that joins a commit group.</summary>
    private interface IWriteOperation
    {
        /// <summary>When it was submitted (<see cref="TimeProvider.GetTimestamp"/>): the commit interval counts from here.</summary>
        long EnqueuedAt { get; }
    }

    private sealed class AppendOperation(IReadOnlyList<BufferEntry> entries, long bytes, long enqueuedAt) : Operation<AppendResult>, IWriteOperation
    {
        public long EnqueuedAt { get; } = enqueuedAt;

        public IReadOnlyList<BufferEntry> Entries { get; } = entries;

        public long Bytes { get; } = bytes;

        public override int Rows => Entries.Count;

        public override string Name => "append";
    }

    private sealed class DeadLetterOperation(DeadLetterEntry entry, long bytes, long enqueuedAt) : Operation<long?>, IWriteOperation
    {
        public long EnqueuedAt { get; } = enqueuedAt;

        public DeadLetterEntry Entry { get; } = entry;

        public long Bytes { get; } = bytes;

        public override int Rows => 1;

        public override string Name => "add dead letter";
    }

    private sealed class ReadOperation(int maxCount, long maxBytes) : Operation<IReadOnlyList<BufferedReading>>
    {
        public int MaxCount { get; } = maxCount;

        public long MaxBytes { get; } = maxBytes;

        public override string Name => "read batch";
    }

    private sealed class ReleaseOperation(IReadOnlyList<long> sequences) : Operation<bool>
    {
        public IReadOnlyList<long> Sequences { get; } = sequences;

        public override string Name => "release";
    }

    private sealed class ReturnOperation(IReadOnlyList<long> sequences) : Operation<bool>
    {
        public IReadOnlyList<long> Sequences { get; } = sequences;

        public override string Name => "return";
    }

    private sealed class ListDeadLettersOperation(long afterId, int limit) : Operation<IReadOnlyList<DeadLetter>>
    {
        public long AfterId { get; } = afterId;

        public int Limit { get; } = limit;

        public override string Name => "list dead letters";
    }

    private sealed class GetDeadLetterOperation(long id) : Operation<DeadLetter?>
    {
        public long Id { get; } = id;

        public override string Name => "get dead letter";
    }

    private sealed class RemoveDeadLetterOperation(long id) : Operation<bool>
    {
        public long Id { get; } = id;

        public override string Name => "remove dead letter";
    }

    /// <summary>Wakes the writer to look at its blocked queue again (a caller cancelled).</summary>
    private sealed class WakeOperation : Operation
    {
        public static readonly WakeOperation Instance = new();

        public override string Name => "wake";

        public override bool IsAbandoned => false;

        public override void Fail(Exception error)
        {
        }
    }
}
