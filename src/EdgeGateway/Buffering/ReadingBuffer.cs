using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Buffering;

/// <summary>
/// The durable buffer between ingest and Kafka: a SQLite file in WAL mode that is the single source
/// of truth for every reading not yet delivered.
/// </summary>
/// <remarks>
/// <para><b>Durability.</b> <see cref="AppendAsync"/> completes only after the transaction holding
/// its entries has committed (fsync'd under <c>synchronous=full</c>), so a source may acknowledge its
/// input when the call returns and not before. One writer loop owns the only connection: it takes
/// append requests from a bounded channel, waits up to <see cref="BufferOptions.CommitInterval"/> for
/// more (or until <see cref="BufferOptions.CommitMaxCount"/> rows), commits them in one transaction
/// and then completes every request of the group (group commit: one fsync for many readings).</para>
/// <para><b>Ordering.</b> Requests are committed in the order they were submitted, and every row
/// gets the next sequence number (never reused). <see cref="ReadBatchAsync"/> hands rows out priority
/// lane first, then normal, each in sequence order, so a device's readings keep their order within a
/// lane (an alert overtakes normal readings by design). Rows handed out stay in the file until
/// <see cref="ReleaseAsync"/>; <see cref="ReturnAsync"/> makes them the next ones read again; after a
/// restart every unreleased row is unsent again (at-least-once).</para>
/// <para><b>Bounds.</b> Bytes are accounted logically: payload + device id +
/// <see cref="RowOverheadBytes"/> per row (persisted with the rows, so opening is O(1)). The file
/// itself can be larger (page slack, freed pages kept for reuse, the WAL), which is what
/// <see cref="BufferOptions.MinFreeDisk"/> guards against. Readings may use
/// <see cref="BufferOptions.MaxSize"/> less <see cref="DeadLetterSharePercent"/>%; beyond it
/// <see cref="BufferOptions.FullPolicy"/> applies. Rows older than <see cref="BufferOptions.MaxAge"/>
/// are deleted by a periodic sweep. Every drop is counted in <see cref="GetStatistics"/>.</para>
/// <para><b>Threads.</b> All members are thread-safe; everything that touches SQLite runs on the
/// writer loop, so the buffer's state has one owner and needs no locks beyond the published
/// statistics.</para>
/// </remarks>
public sealed partial class ReadingBuffer : IAsyncDisposable
{
    /// <summary>The bytes accounted per row on top of payload and device id: record header, key and b-tree cell, estimated.</summary>
    public const int RowOverheadBytes = 64;

    /// <summary>
    /// The share of <see cref="BufferOptions.MaxSize"/> reserved for dead letters, in percent. Kept
    /// apart from the readings' share so a full buffer under <c>reject-new</c> can still dead-letter
    /// what it refuses; beyond it the oldest dead letters are deleted (and counted).
    /// </summary>
    public const int DeadLetterSharePercent = 10;

    /// <summary>The fewest append requests that may wait for the writer before callers of <see cref="AppendAsync"/> wait to enqueue.</summary>
    private const int MinWriteQueueCapacity = 1024;

    /// <summary>Rows read per query when walking a lane (flat memory, whatever the backlog).</summary>
    private const int ScanPageRows = 1000;

    /// <summary>
    /// The newest normal-lane rows kept in memory for the forwarder (<see cref="RecentRows"/>): several
    /// batches' worth, so a forwarder that keeps up never queries the file, at about 1-2 MB.
    /// </summary>
    private const int RecentRowsCapacity = 4096;

    /// <summary>The most rows one age-sweep transaction deletes, so a large expiry does not stall appends.</summary>
    private const int SweepChunkRows = 10_000;

    /// <summary>How often a writer blocked by the disk guard looks at the free space again.</summary>
    private static readonly TimeSpan DiskRecheckInterval = TimeSpan.FromSeconds(1);

    private static readonly BufferLane[] ReadOrder = [BufferLane.Priority, BufferLane.Normal];
    private static readonly BufferLane[] DropOrder = [BufferLane.Normal, BufferLane.Priority];

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BufferMetrics? _metrics;
    private readonly Logging.BadInputLog _notKeptLog;
    private readonly IFreeSpaceProbe _freeSpace;
    private readonly string _path;
    private readonly string _directory;
    private readonly TimeSpan _commitInterval;
    private readonly int _commitMaxCount;
    private readonly long _readingCapacity;
    private readonly long _deadLetterCapacity;
    private readonly TimeSpan _maxAge;
    private readonly TimeSpan _sweepInterval;
    private readonly BufferFullPolicy _fullPolicy;
    private readonly long _minFreeDisk;

    private readonly BufferDatabase _database;
    private readonly Channel<Operation> _writes;
    private readonly Channel<Operation> _control;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;

    // Published state: written by the writer loop, read by any thread, guarded by _stateLock.
    private readonly Lock _stateLock = new();
    private PublishedState _published;
    private Counters _counters;

    // Forwarders waiting for unsent rows, by how many they wait for (one task per threshold).
    private readonly List<(long Rows, TaskCompletionSource Waiter)> _unsentWaiters = [];
    private Exception? _closedError;
    private int _disposed;
    private int _summaryLogged;

    /// <summary>Opens (or creates) the buffer file and starts its writer loop.</summary>
    /// <param name="options">The buffer settings (read once; later changes have no effect).</param>
    /// <param name="timeProvider">The clock for ages, the commit interval and the sweep.</param>
    /// <param name="logger">Where state changes and failures are logged.</param>
    /// <param name="freeSpace">How free disk space is measured; the filesystem by default.</param>
    /// <param name="badInputWindow">How long repeats of a dead letter that cannot be kept are only counted (<c>Logging:BadInputWindow</c>; a minute by default).</param>
    /// <param name="metrics">The buffer's instruments, when metrics are collected.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">The file is from a newer version or cannot use WAL.</exception>
    /// <exception cref="Microsoft.Data.Sqlite.SqliteException">SQLite cannot open the file.</exception>
    public ReadingBuffer(
        BufferOptions options, TimeProvider timeProvider, ILogger<ReadingBuffer> logger, IFreeSpaceProbe? freeSpace = null, TimeSpan? badInputWindow = null, BufferMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CommitInterval, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CommitMaxCount, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSize.Bytes, 1024, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.MaxAge, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MinFreeDisk.Bytes, 0, nameof(options));
        if (!Enum.IsDefined(options.FullPolicy))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FullPolicy, "Unknown full policy.");
        }

        _time = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _notKeptLog = new Logging.BadInputLog(badInputWindow ?? TimeSpan.FromMinutes(1), timeProvider, logger);
        _freeSpace = freeSpace ?? new FileSystemFreeSpaceProbe();
        _path = Path.GetFullPath(options.Path);
        _directory = Path.GetDirectoryName(_path)!;
        _commitInterval = options.CommitInterval;
        _commitMaxCount = options.CommitMaxCount;
        _deadLetterCapacity = options.MaxSize.Bytes * DeadLetterSharePercent / 100;
        _readingCapacity = options.MaxSize.Bytes - _deadLetterCapacity;
        _maxAge = options.MaxAge;

        // Sweep often enough that a row outlives MaxAge by at most a tenth of it (and by at most a minute).
        _sweepInterval = TimeSpan.FromTicks(Math.Clamp(options.MaxAge.Ticks / 10, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        _fullPolicy = options.FullPolicy;
        _minFreeDisk = options.MinFreeDisk.Bytes;

        Directory.CreateDirectory(_directory);
        _database = BufferDatabase.Open(_path, options.Synchronous, out _totals);
        for (var lane = 0; lane < 2; lane++)
        {
            _headReceivedMs[lane] = _database.HeadReceivedMs((BufferLane)lane);
        }

        _nextSweep = _time.GetUtcNow();
        _published = PublishedState.Capture(this);
        LogOpened(_logger, _path, _totals.Normal.Rows, _totals.Priority.Rows, _totals.ReadingBytes, _totals.DeadLetters.Rows, options.Synchronous, _database.SqliteVersion);

        // Bounded: when the writer falls behind (or blocks on a full buffer), AppendAsync waits to
        // enqueue, which is the back-pressure that stops sources from acknowledging.
        // Room for two full groups of single-row requests, so the writer always has the next group
        // queued while it commits one.
        _writes = Channel.CreateBounded<Operation>(new BoundedChannelOptions(Math.Max(MinWriteQueueCapacity, 2 * _commitMaxCount))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        // Unbounded: forwarder and operator requests are few, and must get through while appends wait.
        _control = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
        _writer = Task.Run(RunWriterAsync);
        metrics?.Observe(GetStatistics);
    }

    /// <summary>
    /// Completes when the buffer is disposed; faults if the writer loop failed, after which every call
    /// fails (a critical failure: the host should stop and let the service manager restart it).
    /// </summary>
    public Task Completion => _writer;

    /// <summary>The dead letters stored.</summary>
    public long DeadLetterCount
    {
        get
        {
            lock (_stateLock)
            {
                return _published.Totals.DeadLetters.Rows;
            }
        }
    }

    /// <summary>
    /// Appends entries as one request and completes once they are committed, or refused by the full
    /// policy. All entries of a request get consecutive sequence numbers in the order given and share
    /// one outcome. Under <c>block</c> a full buffer makes this wait (no polling) until rows are
    /// released or expire; cancelling gives up waiting (the request is then not committed, unless its
    /// commit was already under way: a source that did not acknowledge may see a duplicate, never a loss).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="entries"/> is empty or holds a null.</exception>
    /// <exception cref="ObjectDisposedException">The buffer was disposed (also for requests still waiting then).</exception>
    /// <exception cref="Microsoft.Data.Sqlite.SqliteException">The commit failed; nothing of the request is stored.</exception>
    public Task<AppendResult> AppendAsync(IReadOnlyList<BufferEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            throw new ArgumentException("An append needs at least one entry.", nameof(entries));
        }

        long bytes = 0;
        foreach (var entry in entries)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(entries));
            bytes += AccountedBytes(entry);
        }

        return SubmitAsync(_writes, new AppendOperation(entries, bytes, _time.GetTimestamp()), cancellationToken);
    }

    /// <summary>
    /// Returns the next unsent rows without removing them: priority lane first, then normal, each in
    /// sequence order, skipping rows already handed out and not yet released or returned. Stops at
    /// <paramref name="maxCount"/> rows or before the payloads exceed <paramref name="maxBytes"/> (a
    /// single bigger row is still returned alone). Empty when nothing is unsent; see <see cref="WaitForDataAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound below 1.</exception>
    public Task<IReadOnlyList<BufferedReading>> ReadBatchAsync(int maxCount, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        return SubmitAsync(_control, new ReadOperation(maxCount, maxBytes), cancellationToken);
    }

    /// <summary>
    /// Deletes delivered rows (call on the broker's delivery report, never before). Runs of
    /// consecutive sequence numbers are deleted with one range statement each (the cheapest delete),
    /// in a transaction of their own that is not flushed by itself (a release lost to a power cut only
    /// sends its rows again; the next group commit's fsync covers it), so delivery reports neither wait
    /// for the appends' commit interval nor cost an fsync each. Unknown or already
    /// deleted sequence numbers are ignored. If it fails, the rows stay handed out (retry, or return them).
    /// </summary>
    public Task ReleaseAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        return SubmitAsync(_control, new ReleaseOperation(sequences), cancellationToken);
    }

    /// <summary>
    /// Puts handed-out rows back (delivery failed): they are the next rows read, in their original
    /// order. A forwarder with several batches in flight returns every later batch too, or a device's
    /// readings could leave out of order.
    /// </summary>
    public Task ReturnAsync(IReadOnlyList<long> sequences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        return SubmitAsync(_control, new ReturnOperation(sequences), cancellationToken);
    }

    /// <summary>Completes when at least one row is unsent and not handed out (at once if there is one already).</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public Task WaitForDataAsync(CancellationToken cancellationToken = default) => WaitForUnsentAsync(1, cancellationToken);

    /// <summary>
    /// Completes when at least <paramref name="rows"/> rows are unsent and not handed out (at once if
    /// there are already): a forwarder waiting for a full batch.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is below 1.</exception>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public Task WaitForUnsentAsync(long rows, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        Task? wait = null;
        lock (_stateLock)
        {
            if (_closedError is { } error)
            {
                return Task.FromException(error);
            }

            if (_published.UnsentRows >= rows)
            {
                return Task.CompletedTask;
            }

            foreach (var (threshold, waiter) in _unsentWaiters)
            {
                if (threshold == rows)
                {
                    wait = waiter.Task;
                    break;
                }
            }

            if (wait is null)
            {
                var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _unsentWaiters.Add((rows, waiter));
                wait = waiter.Task;
            }
        }

        return wait.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Stores a dead letter (grouped into the next commit with the appends) and returns its id, or
    /// null when it could not be kept: bigger than the dead-letter share on its own, or free disk below
    /// the guard (counted in <see cref="BufferStatistics.DeadLettersDropped"/>). To stay within their
    /// share, the oldest dead letters are deleted (and counted). Dead letters do not expire. They share
    /// the appends' queue and commits, so under <c>block</c> with a full buffer they wait with the appends.
    /// </summary>
    public Task<long?> AddDeadLetterAsync(DeadLetterEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return SubmitAsync(_writes, new DeadLetterOperation(entry, AccountedBytes(entry), _time.GetTimestamp()), cancellationToken);
    }

    /// <summary>Lists up to <paramref name="limit"/> dead letters with ids above <paramref name="afterId"/>, oldest first (page by the last id seen).</summary>
    public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(long afterId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return SubmitAsync(_control, new ListDeadLettersOperation(afterId, limit), cancellationToken);
    }

    /// <summary>
    /// One dead letter, or null. To replay: get it, feed its raw bytes to the pipeline again, and
    /// remove it only once that succeeded (so a crash in between replays it twice, never zero times).
    /// </summary>
    public Task<DeadLetter?> GetDeadLetterAsync(long id, CancellationToken cancellationToken = default) =>
        SubmitAsync(_control, new GetDeadLetterOperation(id), cancellationToken);

    /// <summary>Deletes a dead letter; false when there was none with that id.</summary>
    public Task<bool> RemoveDeadLetterAsync(long id, CancellationToken cancellationToken = default) =>
        SubmitAsync(_control, new RemoveDeadLetterOperation(id), cancellationToken);

    /// <summary>A snapshot of depth, bytes, age and counters.</summary>
    public BufferStatistics GetStatistics()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_stateLock)
        {
            var state = _published;
            var counters = _counters;
            return new BufferStatistics
            {
                NormalRows = state.Totals.Normal.Rows,
                PriorityRows = state.Totals.Priority.Rows,
                InFlightRows = state.InFlightRows,
                Bytes = state.Totals.ReadingBytes,
                CapacityBytes = _readingCapacity,
                OldestUnsentAge = state.OldestReceivedMs is { } oldest ? TimeSpan.FromMilliseconds(Math.Max(0, now - oldest)) : null,
                IsBlocked = state.IsBlocked,
                AppendRequests = counters.AppendRequests,
                AppendedRows = counters.AppendedRows,
                CommittedRows = counters.CommittedRows,
                ReleasedRows = counters.ReleasedRows,
                Commits = counters.Commits,
                Drops = counters.Drops,
                DeadLetters = state.Totals.DeadLetters.Rows,
                DeadLetterBytes = state.Totals.DeadLetters.Bytes,
                DeadLettersDropped = counters.DeadLettersDropped,
            };
        }
    }

    /// <summary>
    /// Stops the writer after the transaction under way (if any), fails every request still waiting
    /// with <see cref="ObjectDisposedException"/> (nothing is left waiting forever), and closes the
    /// file. Rows handed out and not released are unsent again at the next open. Logs the counters
    /// of this run once (event 208: rows committed and released, drops by reason), since they are
    /// not kept in the file.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            lock (_stateLock)
            {
                _closedError ??= new ObjectDisposedException(nameof(ReadingBuffer));
            }

            await _stop.CancelAsync();
        }

        try
        {
            await _writer;
        }
        catch (InvalidOperationException)
        {
            // The writer failed earlier; that was logged and reported through Completion.
        }

        _stop.Dispose();
        _notKeptLog.Dispose();
        if (Interlocked.Exchange(ref _summaryLogged, 1) == 0)
        {
            // What an operator (or a test) needs after a stop: every drop of this run, by reason.
            var statistics = GetStatistics();
            var drops = statistics.Drops;
            LogClosed(
                _logger, statistics.CommittedRows, statistics.ReleasedRows, drops.FullDropOldest, drops.FullRejectNew, drops.Expired, drops.DiskGuard,
                drops.TooLarge, statistics.DeadLettersDropped, statistics.Rows, statistics.DeadLetters);
        }
    }

    private static long AccountedBytes(BufferEntry entry) => entry.Payload.Length + entry.DeviceId.Value.Length + RowOverheadBytes;

    private static long AccountedBytes(DeadLetterEntry entry) =>
        entry.Raw.Length + entry.Reason.Length + (entry.Detail?.Length ?? 0) + entry.SourceKind.Length
        + entry.SourceName.Length + entry.Channel.Length + RowOverheadBytes;

    private async Task<T> SubmitAsync<T>(Channel<Operation> channel, Operation<T> operation, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfClosed();

        // Cancelling completes the caller's task at once; the writer skips the operation when it gets
        // to it (and is woken, in case it holds it as the head of a blocked queue).
        using var registration = cancellationToken.Register(
            static (state, token) =>
            {
                var (buffer, op) = ((ReadingBuffer, Operation<T>))state!;
                if (op.Cancel(token))
                {
                    buffer.Wake();
                }
            },
            (this, operation));
        try
        {
            await channel.Writer.WriteAsync(operation, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            ThrowIfClosed();
            throw;
        }

        return await operation.Task;
    }

    private void ThrowIfClosed()
    {
        lock (_stateLock)
        {
            if (_closedError is { } error)
            {
                throw error is ObjectDisposedException ? new ObjectDisposedException(nameof(ReadingBuffer)) : new InvalidOperationException(error.Message, error.InnerException);
            }
        }
    }

    private void Wake() => _control.Writer.TryWrite(WakeOperation.Instance);

    /// <summary>What other threads may read of the writer's state (a copy, taken under the lock).</summary>
    private readonly record struct PublishedState(BufferTotals Totals, long InFlightRows, long? OldestReceivedMs, bool IsBlocked)
    {
        public long UnsentRows => Totals.ReadingRows - InFlightRows;

        public static PublishedState Capture(ReadingBuffer buffer)
        {
            long? oldest = null;
            foreach (var head in buffer._headReceivedMs)
            {
                if (head is { } value && (oldest is null || value < oldest))
                {
                    oldest = value;
                }
            }

            return new PublishedState(buffer._totals, buffer._inFlight.Count, oldest, buffer._blocked);
        }
    }

    /// <summary>Counters since open (or a delta to add to them).</summary>
    private struct Counters
    {
        public long AppendRequests;
        public long AppendedRows;
        public long CommittedRows;
        public long ReleasedRows;
        public long Commits;
        public BufferDrops Drops;
        public long DeadLettersDropped;

        public void Add(in Counters delta)
        {
            AppendRequests += delta.AppendRequests;
            AppendedRows += delta.AppendedRows;
            CommittedRows += delta.CommittedRows;
            ReleasedRows += delta.ReleasedRows;
            Commits += delta.Commits;
            Drops = new BufferDrops(
                Drops.FullDropOldest + delta.Drops.FullDropOldest,
                Drops.FullRejectNew + delta.Drops.FullRejectNew,
                Drops.Expired + delta.Drops.Expired,
                Drops.DiskGuard + delta.Drops.DiskGuard,
                Drops.TooLarge + delta.Drops.TooLarge);
            DeadLettersDropped += delta.DeadLettersDropped;
        }
    }
}
