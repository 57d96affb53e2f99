using Microsoft.Data.Sqlite;

namespace EdgeGateway.Buffering;

/// <summary>The writer loop: the only code that touches the database and the state below.</summary>
public sealed partial class ReadingBuffer
{
    // Writer-owned state (no locks: only the writer loop reads or writes it).
    private readonly Dictionary<long, BufferLane> _inFlight = [];
    private readonly long[] _readFrom = new long[2];
    private readonly long?[] _headReceivedMs = new long?[2];
    private readonly RecentRows _recent = new(RecentRowsCapacity);
    private BufferTotals _totals;
    private Queue<Operation> _backlog = new();
    private bool _blocked;
    private bool _blockedByDisk;
    private DateTimeOffset _nextSweep;
    private DateTimeOffset _nextDiskCheck;
    private Pressure _pressure;
    private bool _deadLettersAtLimit;
    private bool _freeSpaceProbeFailed;
    private Task<bool>? _writesWait;
    private Task<bool>? _controlWait;

    /// <summary>Why the buffer refuses, drops or waits, for logging each change once.</summary>
    private enum Pressure
    {
        None,
        Full,
        DiskLow,
    }

    private async Task RunWriterAsync()
    {
        var stop = _stop.Token;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                // Forwarder and operator requests first: a release may be what a blocked append waits for.
                ProcessControl();
                var now = _time.GetUtcNow();
                if (now >= _nextSweep)
                {
                    // One chunk; a large expiry continues on the next turn, after a commit group.
                    SweepExpired(now);
                }

                if (_blockedByDisk && now >= _nextDiskCheck)
                {
                    _blocked = _blockedByDisk = false;
                }

                if (!await CommitGroupAsync(stop))
                {
                    await WaitForWorkAsync(stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (Exception error)
        {
            LogWriterFailed(_logger, error);
            Close(new InvalidOperationException("The reading buffer's writer failed; see the log. Restart the gateway.", error));
            throw new InvalidOperationException("The reading buffer's writer failed.", error);
        }

        Close(new ObjectDisposedException(nameof(ReadingBuffer)));
    }

    /// <summary>Stops accepting work, fails everything still waiting, and closes the file.</summary>
    private void Close(Exception error)
    {
        List<(long Rows, TaskCompletionSource Waiter)> waiters;
        lock (_stateLock)
        {
            _closedError ??= error;
            error = _closedError;
            waiters = [.. _unsentWaiters];
            _unsentWaiters.Clear();
        }

        foreach (var (_, waiter) in waiters)
        {
            waiter.TrySetException(error);
        }

        // Complete the channels first, so nothing can be added after the drain below.
        _writes.Writer.TryComplete();
        _control.Writer.TryComplete();
        foreach (var operation in _backlog)
        {
            operation.Fail(error);
        }

        _backlog.Clear();
        while (_writes.Reader.TryRead(out var operation))
        {
            operation.Fail(error);
        }

        while (_control.Reader.TryRead(out var operation))
        {
            operation.Fail(error);
        }

        _database.Dispose();
    }

    private async Task WaitForWorkAsync(CancellationToken stop)
    {
        _controlWait ??= _control.Reader.WaitToReadAsync(stop).AsTask();
        var waits = new List<Task>(3) { _controlWait };
        if (!_blocked)
        {
            waits.Add(_writesWait ??= _writes.Reader.WaitToReadAsync(stop).AsTask());
        }

        var due = _blockedByDisk && _nextDiskCheck < _nextSweep ? _nextDiskCheck : _nextSweep;
        var delay = due - _time.GetUtcNow();
        if (delay > TimeSpan.Zero)
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(stop);
            waits.Add(Task.Delay(delay, _time, timer.Token));
            await Task.WhenAny(waits);
            await timer.CancelAsync();
        }

        if (_controlWait.IsCompleted)
        {
            _controlWait = null;
        }

        if (_writesWait?.IsCompleted == true)
        {
            _writesWait = null;
        }
    }

    // ---- Control operations (forwarder and operator) ----

    private void ProcessControl()
    {
        while (_control.Reader.TryRead(out var operation))
        {
            if (operation.IsAbandoned)
            {
                continue;
            }

            try
            {
                switch (operation)
                {
                    case WakeOperation:
                        // Something changed that may let a blocked append through (its caller gave up).
                        _blocked = false;
                        break;
                    case ReadOperation read:
                        ReadBatch(read);
                        break;
                    case ReleaseOperation release:
                        Release(release);
                        break;
                    case ReturnOperation returned:
                        Return(returned.Sequences);
                        returned.Complete(true);
                        break;
                    case ListDeadLettersOperation list:
                        list.Complete(_database.ListDeadLetters(list.AfterId, list.Limit));
                        break;
                    case GetDeadLetterOperation get:
                        get.Complete(_database.GetDeadLetter(get.Id));
                        break;
                    case RemoveDeadLetterOperation remove:
                        RemoveDeadLetter(remove);
                        break;
                    default:
                        throw new InvalidOperationException($"Unexpected operation {operation.GetType().Name}.");
                }
            }
            catch (SqliteException error)
            {
                LogOperationFailed(_logger, operation.Name, error);
                operation.Fail(error);
            }
            catch (Exception error)
            {
                operation.Fail(error);
                throw;
            }
        }
    }

    private void ReadBatch(ReadOperation read)
    {
        var batch = new List<BufferedReading>(Math.Min(read.MaxCount, ScanPageRows));
        long bytes = 0;
        long from;
        var done = false;
        foreach (var lane in ReadOrder)
        {
            // _readFrom[lane]: every row of the lane below it is handed out (or gone), so reading starts
            // there; rows at or above it that are in flight (a later batch still out while an earlier
            // one was returned) are skipped.
            from = _readFrom[(int)lane];
            while (!done)
            {
                if (lane == BufferLane.Normal && (from >= _recent.From || _recent.Count == _totals.Normal.Rows))
                {
                    // The rest of the lane is in memory (RecentRows' invariant; or every normal row of the
                    // file is, when the counts agree): no query, and the rows keep their decoded readings.
                    // The usual case for a forwarder that keeps up.
                    foreach (var row in _recent.ReadFrom(from))
                    {
                        if (!Take(row))
                        {
                            done = true;
                            break;
                        }
                    }

                    break;
                }

                var limit = Math.Min(read.MaxCount - batch.Count, ScanPageRows);
                var page = _database.ReadLane(lane, from, limit);
                foreach (var row in page)
                {
                    if (!Take(row))
                    {
                        done = true;
                        break;
                    }
                }

                if (page.Count < limit)
                {
                    break;
                }
            }

            _readFrom[(int)lane] = from;
            if (done)
            {
                break;
            }
        }

        foreach (var row in batch)
        {
            _inFlight.Add(row.Sequence, row.Lane);
        }

        Publish(default);
        if (!read.Complete(batch))
        {
            // The caller gave up before getting the rows: they must not stay handed out until a restart.
            Return(batch.Select(row => row.Sequence));
        }

        // Adds a row unless it is handed out already; false when the batch is complete (the row did not fit, or filled it).
        bool Take(BufferedReading row)
        {
            if (_inFlight.ContainsKey(row.Sequence))
            {
                from = row.Sequence + 1;
                return true;
            }

            if (batch.Count > 0 && bytes + row.Payload.Length > read.MaxBytes)
            {
                return false;
            }

            batch.Add(row);
            bytes += row.Payload.Length;
            from = row.Sequence + 1;
            return batch.Count < read.MaxCount;
        }
    }

    private void Return(IEnumerable<long> sequences)
    {
        foreach (var sequence in sequences)
        {
            if (_inFlight.Remove(sequence, out var lane))
            {
                _readFrom[(int)lane] = Math.Min(_readFrom[(int)lane], sequence);
            }
        }

        Publish(default);
    }

    private void Release(ReleaseOperation release)
    {
        if (release.Sequences.Count == 0)
        {
            release.Complete(true);
            return;
        }

        var deleted = default(DeletedRows);
        var before = _totals;
        var runs = ConsecutiveRuns(release.Sequences);
        try
        {
            // Not flushed by itself: a release lost to a power cut only sends its rows again (at-least-once),
            // and the next group commit's fsync covers it. Saves an fsync per delivered batch.
            using var transaction = _database.BeginRelaxed();
            foreach (var (first, last) in runs)
            {
                _database.DeleteRange(first, last, lane: null, ref deleted);
            }

            _totals.RemoveReadings(deleted);
            _database.WriteTotals(_totals);
            transaction.Commit();
        }
        catch
        {
            // Nothing was deleted: the rows stay handed out, and the forwarder retries or returns them.
            // (The in-memory copy is dropped all the same: cheap, and right even if the commit did happen.)
            _totals = before;
            _recent.Clear();
            throw;
        }

        foreach (var (first, last) in runs)
        {
            _recent.Remove(first, last);
        }

        foreach (var sequence in release.Sequences)
        {
            _inFlight.Remove(sequence);
        }

        AfterRowsDeleted();
        Publish(new Counters { ReleasedRows = deleted.Rows });
        release.Complete(true);
    }

    private void RemoveDeadLetter(RemoveDeadLetterOperation remove)
    {
        var before = _totals;
        long? size;
        try
        {
            using var transaction = _database.Begin();
            size = _database.DeleteDeadLetter(remove.Id);
            if (size is { } bytes)
            {
                _totals.DeadLetters.Remove(new LaneCounts(1, bytes));
                _database.WriteTotals(_totals);
            }

            transaction.Commit();
        }
        catch
        {
            _totals = before;
            throw;
        }

        Publish(default);
        remove.Complete(size is not null);
    }

    // ---- Appends and dead letters: the group commit ----

    /// <summary>
    /// Takes a group of write operations, decides each under the full policy, commits them in one
    /// transaction and only then completes them. Returns false when there was nothing to do.
    /// </summary>
    private async Task<bool> CommitGroupAsync(CancellationToken stop)
    {
        if (_blocked)
        {
            return false;
        }

        var group = await GatherGroupAsync(stop);
        if (group.Count == 0)
        {
            return false;
        }

        var diskLow = IsDiskLow();
        var totalsBefore = _totals;
        var headsBefore = (long?[])_headReceivedMs.Clone();
        var delta = default(Counters);
        var results = new object?[group.Count];
        var waitFrom = group.Count;
        var deleted = false;
        var written = false;
        var started = _time.GetTimestamp();
        try
        {
            using var transaction = _database.Begin();
            for (var i = 0; i < group.Count && waitFrom == group.Count; i++)
            {
                switch (group[i])
                {
                    case { IsAbandoned: true }:
                        break;
                    case AppendOperation append:
                        if (!TryAppend(append, diskLow, ref delta, ref deleted, out results[i]))
                        {
                            // Policy block and no room: this and everything after it wait, in order.
                            waitFrom = i;
                        }

                        break;
                    case DeadLetterOperation deadLetter:
                        results[i] = StoreDeadLetter(deadLetter, diskLow, ref delta);
                        break;
                    default:
                        throw new InvalidOperationException($"Unexpected write operation {group[i].GetType().Name}.");
                }
            }

            // Nothing written (every request refused, or the first one waits): end the transaction
            // without a commit, so a blocked writer woken by each release does not fsync for nothing.
            written = deleted || results.Any(result => result is long or AppendResult { IsCommitted: true });
            if (written)
            {
                _database.WriteTotals(_totals);
                transaction.Commit();
            }
        }
        catch (Exception error)
        {
            // Rolled back: the operations tried fail (their callers must not acknowledge), those not
            // tried yet wait for the next group.
            _totals = totalsBefore;
            headsBefore.CopyTo(_headReceivedMs, 0);
            _recent.Clear();
            for (var i = 0; i < waitFrom; i++)
            {
                group[i].Fail(error);
            }

            Requeue(group, waitFrom);
            if (error is not SqliteException)
            {
                throw;
            }

            LogCommitFailed(_logger, waitFrom, error);
            return true;
        }

        // Committed: from here on, completing a request tells its caller the rows are durable.
        if (delta.CommittedRows > 0)
        {
            delta.Commits = 1;
        }

        if (written)
        {
            _metrics?.Committed(_time.GetElapsedTime(started), delta.CommittedRows);
        }

        if (deleted)
        {
            AfterRowsDeleted();
        }

        Requeue(group, waitFrom);
        if (waitFrom < group.Count)
        {
            _blocked = true;
            _blockedByDisk = diskLow;
            _nextDiskCheck = _time.GetUtcNow() + DiskRecheckInterval;
        }

        Publish(delta);
        for (var i = 0; i < waitFrom; i++)
        {
            switch (group[i], results[i])
            {
                case (AppendOperation append, AppendResult result):
                    Remember(append.Entries, result.Sequences);
                    append.Complete(result);
                    break;
                case (DeadLetterOperation deadLetter, var id):
                    deadLetter.Complete((long?)id);
                    break;
            }
        }

        return true;
    }

    /// <summary>
    /// Takes the oldest waiting write, sleeps until it has waited <see cref="BufferOptions.CommitInterval"/>
    /// (unless enough is queued to fill a group already), then drains what is queued, up to
    /// <see cref="BufferOptions.CommitMaxCount"/> rows (never splitting a request). One timer per
    /// group rather than a wake-up per arriving request: waking per request costs more CPU than the
    /// commit itself at low rates (limits.md, pitfall 3). Under sustained load the queued requests are
    /// already past their deadline, so groups follow each other without sleeping.
    /// </summary>
    private async Task<List<Operation>> GatherGroupAsync(CancellationToken stop)
    {
        var group = new List<Operation>();
        if (!TryTakeWrite(out var first))
        {
            return group;
        }

        group.Add(first);
        var enqueuedAt = ((IWriteOperation)first).EnqueuedAt;
        var remaining = _commitInterval - _time.GetElapsedTime(enqueuedAt);
        while (remaining > TimeSpan.Zero && first.Rows + _backlog.Count + _writes.Reader.Count < _commitMaxCount && !stop.IsCancellationRequested)
        {
            // The forwarder's reads and releases are served while the group fills instead of after
            // its commit: otherwise each of them waits up to a commit interval (most of the latency
            // from publish to Kafka at moderate rates). Neither touches the group, which is not
            // written yet. On disposal the group is committed (its callers are waiting), then the loop stops.
            _controlWait ??= _control.Reader.WaitToReadAsync(stop).AsTask();
            using (var timer = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                var delay = Task.Delay(remaining, _time, timer.Token);
                await Task.WhenAny(_controlWait, delay);
                await timer.CancelAsync();
            }

            if (!_controlWait.IsCompleted)
            {
                break;
            }

            var more = _controlWait.IsCompletedSuccessfully && _controlWait.Result;
            _controlWait = null;
            if (!more)
            {
                break;
            }

            ProcessControl();
            remaining = _commitInterval - _time.GetElapsedTime(enqueuedAt);
        }

        var rows = first.Rows;
        while (rows < _commitMaxCount && TryTakeWrite(out var operation))
        {
            group.Add(operation);
            rows += operation.Rows;
        }

        return group;
    }

    private bool TryTakeWrite(out Operation operation)
    {
        while (_backlog.TryDequeue(out operation!) || _writes.Reader.TryRead(out operation!))
        {
            if (!operation.IsAbandoned)
            {
                return true;
            }
        }

        return false;
    }

    private void Requeue(List<Operation> group, int from)
    {
        if (from < group.Count)
        {
            _backlog = new Queue<Operation>(group.Skip(from).Concat(_backlog));
        }
    }

    /// <summary>
    /// Applies the full policy to one append and inserts its rows. False when it must wait (policy
    /// block); otherwise <paramref name="result"/> is the outcome to report after the commit.
    /// </summary>
    private bool TryAppend(AppendOperation append, bool diskLow, ref Counters delta, ref bool deleted, out object? result)
    {
        var rejection = AppendRejection.None;
        if (append.Bytes > _readingCapacity)
        {
            rejection = AppendRejection.TooLarge;
        }
        else if (diskLow)
        {
            NotePressure(Pressure.DiskLow);
            switch (_fullPolicy)
            {
                case BufferFullPolicy.Block:
                    result = null;
                    return false;
                case BufferFullPolicy.DropOldest when TryDropOldest(append.Bytes, out var dropped):
                    // The freed pages are reused by the new rows, so the file does not grow.
                    delta.Drops = delta.Drops with { DiskGuard = delta.Drops.DiskGuard + dropped };
                    deleted = true;
                    break;
                default:
                    rejection = AppendRejection.DiskGuard;
                    break;
            }
        }
        else if (append.Bytes > _readingCapacity - _totals.ReadingBytes)
        {
            NotePressure(Pressure.Full);
            switch (_fullPolicy)
            {
                case BufferFullPolicy.Block:
                    result = null;
                    return false;
                case BufferFullPolicy.DropOldest when TryDropOldest(append.Bytes - (_readingCapacity - _totals.ReadingBytes), out var dropped):
                    delta.Drops = delta.Drops with { FullDropOldest = delta.Drops.FullDropOldest + dropped };
                    deleted = true;
                    break;
                default:
                    // reject-new, or drop-oldest with nothing it may drop (every row handed out).
                    rejection = AppendRejection.Full;
                    break;
            }
        }
        else if (_pressure == Pressure.DiskLow || _totals.ReadingBytes + append.Bytes < _readingCapacity * 9 / 10)
        {
            // Hysteresis: "full" ends below 90 %, so a buffer hovering at its bound under a steady
            // forwarder logs one line, not two per delivered batch.
            NotePressure(Pressure.None);
        }

        delta.AppendRequests++;
        delta.AppendedRows += append.Rows;
        if (rejection != AppendRejection.None)
        {
            delta.Drops = rejection switch
            {
                AppendRejection.Full => delta.Drops with { FullRejectNew = delta.Drops.FullRejectNew + append.Rows },
                AppendRejection.DiskGuard => delta.Drops with { DiskGuard = delta.Drops.DiskGuard + append.Rows },
                _ => delta.Drops with { TooLarge = delta.Drops.TooLarge + append.Rows },
            };
            result = AppendResult.Rejected(rejection);
            return true;
        }

        var first = _totals.LastSequence + 1;
        foreach (var entry in append.Entries)
        {
            var sequence = ++_totals.LastSequence;
            var size = AccountedBytes(entry);
            _database.InsertReading(sequence, entry, size);
            _totals.AddReading(entry.Lane, size);
            _headReceivedMs[(int)entry.Lane] ??= entry.ReceivedAt.ToUnixTimeMilliseconds();
        }

        delta.CommittedRows += append.Rows;
        result = AppendResult.Committed(new Domain.SequenceRange(first, _totals.LastSequence));
        return true;
    }

    /// <summary>Keeps the normal-lane rows of a committed append in memory for the forwarder's next read.</summary>
    private void Remember(IReadOnlyList<BufferEntry> entries, Domain.SequenceRange? sequences)
    {
        if (sequences is not { } committed)
        {
            return;
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Lane == BufferLane.Normal)
            {
                // Millisecond precision, as the file stores it: a row reads the same from either.
                var receivedAt = DateTimeOffset.FromUnixTimeMilliseconds(entry.ReceivedAt.ToUnixTimeMilliseconds());
                _recent.Add(new BufferedReading(committed.First + i, entry.DeviceId, entry.Lane, receivedAt, entry.Payload) { Reading = entry.Reading });
            }
        }
    }

    /// <summary>
    /// Deletes the oldest rows that are not handed out, normal lane first (priority last), until at
    /// least <paramref name="needed"/> bytes are free. Deletes nothing and returns false when that
    /// much cannot be found.
    /// </summary>
    private bool TryDropOldest(long needed, out long droppedRows)
    {
        var plan = new List<(BufferLane Lane, long First, long Last)>();
        long bytes = 0;
        long rows = 0;
        foreach (var lane in DropOrder)
        {
            if (bytes < needed)
            {
                SelectFromHead(lane, _ => bytes < needed, long.MaxValue, plan, ref bytes, ref rows);
            }
        }

        droppedRows = 0;
        if (bytes < needed)
        {
            return false;
        }

        droppedRows = DeletePlan(plan);
        return true;
    }

    /// <summary>
    /// Walks a lane from its oldest row, skipping rows handed out, and adds rows to
    /// <paramref name="plan"/> (as runs of the lane that no handed-out row interrupts) while
    /// <paramref name="take"/> says so. Reads pages, so memory stays flat however long the lane is.
    /// </summary>
    private void SelectFromHead(
        BufferLane lane, Func<HeadRow, bool> take, long maxRows, List<(BufferLane Lane, long First, long Last)> plan, ref long bytes, ref long rows)
    {
        long from = 0;
        long runFirst = -1;
        long runLast = -1;
        var pageSize = 16; // most drops need a row or two: start small
        var more = true;
        while (more)
        {
            var page = _database.ScanLane(lane, from, pageSize);
            more = page.Count == pageSize;
            foreach (var row in page)
            {
                from = row.Sequence + 1;
                if (_inFlight.ContainsKey(row.Sequence))
                {
                    CloseRun();
                    continue;
                }

                if (rows >= maxRows || !take(row))
                {
                    more = false;
                    break;
                }

                if (runFirst < 0)
                {
                    runFirst = row.Sequence;
                }

                runLast = row.Sequence;
                bytes += row.Size;
                rows++;
            }

            pageSize = Math.Min(pageSize * 4, ScanPageRows);
        }

        CloseRun();

        void CloseRun()
        {
            if (runFirst >= 0)
            {
                plan.Add((lane, runFirst, runLast));
                runFirst = -1;
            }
        }
    }

    /// <summary>Deletes planned runs (inside the caller's transaction) and updates the totals; returns the rows deleted.</summary>
    private long DeletePlan(List<(BufferLane Lane, long First, long Last)> plan)
    {
        // Rare (a full buffer, an expiry): forget the in-memory copy rather than track a delete that may still roll back.
        _recent.Clear();
        var deleted = default(DeletedRows);
        foreach (var (lane, first, last) in plan)
        {
            // The lane condition matters: the other lane's rows may sit between first and last.
            _database.DeleteRange(first, last, lane, ref deleted);
        }

        _totals.RemoveReadings(deleted);
        return deleted.Rows;
    }

    private long? StoreDeadLetter(DeadLetterOperation operation, bool diskLow, ref Counters delta)
    {
        if (diskLow || operation.Bytes > _deadLetterCapacity)
        {
            delta.DeadLettersDropped++;
            // Once per cause and window: when the disk is low, every bad message would otherwise log a line.
            if (_notKeptLog.ShouldLog(operation.Entry.SourceName, $"{operation.Entry.Reason} dead letters not kept"))
            {
                LogDeadLetterNotKept(_logger, operation.Entry.Reason, operation.Entry.SourceName, diskLow ? "free disk space is below the guard" : "it is bigger than the dead-letter share");
            }

            return null;
        }

        var dropped = 0;
        while (_totals.DeadLetters.Bytes + operation.Bytes > _deadLetterCapacity && _database.DeleteOldestDeadLetter() is { } size)
        {
            _totals.DeadLetters.Remove(new LaneCounts(1, size));
            dropped++;
        }

        if (dropped > 0 && !_deadLettersAtLimit)
        {
            LogDeadLettersAtLimit(_logger, _deadLetterCapacity);
        }

        _deadLettersAtLimit = dropped > 0;
        delta.DeadLettersDropped += dropped;
        var id = _database.InsertDeadLetter(operation.Entry, operation.Bytes);
        _totals.DeadLetters.Add(operation.Bytes);
        return id;
    }

    // ---- Age ----

    /// <summary>
    /// Deletes rows older than <see cref="BufferOptions.MaxAge"/>, from the head of each lane (rows
    /// handed out are left to the forwarder). Expiry follows sequence order: a row goes once it and
    /// every older row of its lane (not handed out) are past the age, which is the same as by age while
    /// the clock moves forward, and never deletes a row early when it does not.
    /// </summary>
    private void SweepExpired(DateTimeOffset now)
    {
        var cutoff = (now - _maxAge).ToUnixTimeMilliseconds();
        var plan = new List<(BufferLane Lane, long First, long Last)>();
        long bytes = 0;
        long rows = 0;
        foreach (var lane in DropOrder)
        {
            SelectFromHead(lane, row => row.ReceivedMs < cutoff, SweepChunkRows, plan, ref bytes, ref rows);
        }

        // Next sweep on the fixed grid of sweep intervals, or at once when this chunk was not all.
        var behind = (now - _nextSweep).Ticks / _sweepInterval.Ticks;
        _nextSweep = rows >= SweepChunkRows ? now : _nextSweep + (_sweepInterval * (behind + 1));
        if (plan.Count == 0)
        {
            return;
        }

        var before = _totals;
        long expired;
        try
        {
            using var transaction = _database.Begin();
            expired = DeletePlan(plan);
            _database.WriteTotals(_totals);
            transaction.Commit();
        }
        catch (SqliteException error)
        {
            _totals = before;
            LogOperationFailed(_logger, "age sweep", error);
            return;
        }

        LogExpired(_logger, expired, _maxAge);
        AfterRowsDeleted();
        Publish(new Counters { Drops = new BufferDrops(0, 0, expired, 0, 0) });
    }

    // ---- Helpers ----

    private bool IsDiskLow()
    {
        if (_minFreeDisk == 0)
        {
            return false;
        }

        try
        {
            var available = _freeSpace.GetAvailableBytes(_directory);
            _freeSpaceProbeFailed = false;
            return available < _minFreeDisk;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Unknown is not full: refusing every reading because a probe failed would be worse.
            if (!_freeSpaceProbeFailed)
            {
                LogFreeSpaceUnknown(_logger, _directory, error);
                _freeSpaceProbeFailed = true;
            }

            return false;
        }
    }

    private void AfterRowsDeleted()
    {
        for (var lane = 0; lane < 2; lane++)
        {
            _headReceivedMs[lane] = _database.HeadReceivedMs((BufferLane)lane);
        }

        // Space came back: let a blocked append try again.
        _blocked = false;
    }

    private void NotePressure(Pressure pressure)
    {
        if (pressure == _pressure)
        {
            return;
        }

        var previous = _pressure;
        _pressure = pressure;
        switch (pressure)
        {
            case Pressure.Full:
                LogFull(_logger, _totals.ReadingBytes, _readingCapacity, _fullPolicy);
                break;
            case Pressure.DiskLow:
                LogDiskLow(_logger, _directory, _minFreeDisk, _fullPolicy);
                break;
            default:
                LogPressureRelieved(_logger, previous == Pressure.DiskLow ? "free disk space is back above the guard" : "there is room again");
                break;
        }
    }

    /// <summary>Publishes the writer's state to other threads and wakes forwarders waiting for as many unsent rows as there are now.</summary>
    private void Publish(in Counters delta)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_stateLock)
        {
            _counters.Add(delta);
            _published = PublishedState.Capture(this);
            for (var i = _unsentWaiters.Count - 1; i >= 0; i--)
            {
                if (_unsentWaiters[i].Rows <= _published.UnsentRows)
                {
                    (ready ??= []).Add(_unsentWaiters[i].Waiter);
                    _unsentWaiters.RemoveAt(i);
                }
            }
        }

        if (ready is not null)
        {
            foreach (var waiter in ready)
            {
                waiter.TrySetResult();
            }
        }
    }

    /// <summary>Runs of consecutive numbers in a list of sequence numbers (sorted, duplicates removed).</summary>
    private static List<(long First, long Last)> ConsecutiveRuns(IReadOnlyList<long> sequences)
    {
        var sorted = sequences.ToArray();
        Array.Sort(sorted);
        var runs = new List<(long, long)>();
        for (var i = 0; i < sorted.Length;)
        {
            var first = sorted[i];
            var last = first;
            while (++i < sorted.Length && sorted[i] <= last + 1)
            {
                last = sorted[i];
            }

            runs.Add((first, last));
        }

        return runs;
    }
}
