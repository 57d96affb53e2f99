namespace EdgeGateway.Buffering;

/// <summary>
/// The normal lane's most recently committed rows, kept in memory by the writer loop so that a
/// forwarder keeping up reads them without a query and, with <see cref="BufferEntry.Reading"/>, without
/// decoding them. The file stays the source of truth: this is a copy of its newest rows, never more.
/// </summary>
/// <remarks>
/// Invariant: every normal-lane row in the file with a sequence number at or above <see cref="From"/>
/// is here, in sequence order, and nothing else is. Appending committed rows (always above every row
/// in the file), removing rows whose delete committed, and forgetting the oldest rows (moving
/// <see cref="From"/> up) all keep it; anything that leaves the copy in doubt (a failed transaction)
/// calls <see cref="Clear"/>, after which reads go to the file until new rows are committed.
/// Not thread-safe: the writer loop is its only user.
/// </remarks>
internal sealed class RecentRows
{
    private readonly int _capacity;
    private readonly List<BufferedReading> _rows;
    private int _start;

    /// <summary>Creates an empty copy that keeps at most <paramref name="capacity"/> rows.</summary>
    public RecentRows(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _rows = new List<BufferedReading>(Math.Min(capacity, 1024));
    }

    /// <summary>The lowest sequence number this copy answers for; <see cref="long.MaxValue"/> when it answers for none.</summary>
    public long From { get; private set; } = long.MaxValue;

    /// <summary>The rows held.</summary>
    public int Count => _rows.Count - _start;

    /// <summary>Adds a row whose insert has committed; its sequence number is above every row in the file.</summary>
    public void Add(BufferedReading row)
    {
        if (Count > 0 && row.Sequence <= _rows[^1].Sequence)
        {
            // Cannot happen while sequence numbers only grow; if it did, the copy could not be trusted.
            Clear();
            return;
        }

        if (From == long.MaxValue)
        {
            From = row.Sequence;
        }

        _rows.Add(row);
        if (Count > _capacity)
        {
            // Forget the oldest: the file still has it, and reads below From go to the file.
            From = _rows[_start].Sequence + 1;
            _rows[_start++] = null!;
            Compact();
        }
    }

    /// <summary>Removes the rows from <paramref name="first"/> to <paramref name="last"/> (their delete has committed).</summary>
    public void Remove(long first, long last)
    {
        if (last < From || Count == 0)
        {
            return;
        }

        var from = IndexOf(first);
        var to = IndexOf(last + 1);
        if (from == to)
        {
            return;
        }

        if (from == _start)
        {
            // The usual case: delivered rows leave from the front.
            for (var i = _start; i < to; i++)
            {
                _rows[i] = null!;
            }

            _start = to;
            Compact();
        }
        else
        {
            _rows.RemoveRange(from, to - from);
        }
    }

    /// <summary>Forgets every row; reads go to the file until the next <see cref="Add"/>.</summary>
    public void Clear()
    {
        _rows.Clear();
        _start = 0;
        From = long.MaxValue;
    }

    /// <summary>The rows with sequence numbers at or above <paramref name="from"/>, in order (call only when <paramref name="from"/> ≥ <see cref="From"/>).</summary>
    public IEnumerable<BufferedReading> ReadFrom(long from)
    {
        for (var i = IndexOf(from); i < _rows.Count; i++)
        {
            yield return _rows[i];
        }
    }

    /// <summary>The index of the first row with a sequence number at or above <paramref name="sequence"/> (or the end).</summary>
    private int IndexOf(long sequence)
    {
        int low = _start, high = _rows.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_rows[middle].Sequence < sequence)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private void Compact()
    {
        // Move the live rows down once the dead front is as long as they are: amortised O(1) per row.
        if (_start > 0 && _start >= Count)
        {
            _rows.RemoveRange(0, _start);
            _start = 0;
        }
    }
}
