using System.Globalization;
using System.Runtime.InteropServices;
using EdgeGateway.Domain;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Buffering;

/// <summary>
/// The SQLite side of <see cref="ReadingBuffer"/>: schema, pragmas and prepared statements on one
/// connection. Used by the buffer's writer loop only, so it is not thread-safe and needs no locks.
/// </summary>
/// <remarks>
/// Schema (version 1, kept in <c>PRAGMA user_version</c>):
/// <list type="bullet">
/// <item><c>readings</c>: <c>sequence</c> is the rowid, given by the buffer from
/// <c>buffer_state.last_sequence</c> (so it is never reused, even after the table was emptied).
/// <c>size</c> is the row's accounted bytes (payload + device id + <see cref="ReadingBuffer.RowOverheadBytes"/>),
/// stored so deletes subtract exactly what was added even if the estimate changes in a later version.
/// <c>payload</c> is the last column so the columns before it are read without touching overflow
/// pages. Only the priority lane has an index (a partial one): the normal lane is read in rowid
/// order, which needs none, so a normal insert maintains no index at all.</item>
/// <item><c>dead_letters</c>: AUTOINCREMENT ids, never reused.</item>
/// <item><c>buffer_state</c>: one row with the sequence high-water mark and the row and byte totals
/// per lane, written in the same transaction as every change to them, so opening a buffer of
/// millions of rows reads one row instead of scanning the table.</item>
/// </list>
/// </remarks>
internal sealed class BufferDatabase : IDisposable
{
    /// <summary>The schema version this code writes and reads.</summary>
    public const int SchemaVersion = 1;

    private const string ReadingColumns = "sequence, device_id, received_ms, payload";
    private const string HeadColumns = "sequence, received_ms, size";

    private readonly SqliteConnection _connection;
    private readonly List<SqliteCommand> _commands = [];
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly List<RawStatement> _statements = [];
    private readonly RawStatement _insertReading;
    private readonly RawStatement _deleteRange;
    private readonly RawStatement _deleteLaneRange;
    private readonly RawStatement[] _readLane;
    private readonly SqliteCommand[] _scanLane;
    private readonly SqliteCommand[] _headReceived;
    private readonly SqliteCommand _writeState;
    private readonly SqliteCommand _insertDeadLetter;
    private readonly SqliteCommand _deleteDeadLetter;
    private readonly SqliteCommand _deleteOldestDeadLetter;
    private readonly SqliteCommand _listDeadLetters;
    private readonly SqliteCommand _getDeadLetter;
    private SqliteCommand? _relaxSync;
    private SqliteCommand? _restoreSync;

    private BufferDatabase(SqliteConnection connection)
    {
        _connection = connection;
        _begin = Command("BEGIN IMMEDIATE");
        _commit = Command("COMMIT");
        _rollback = Command("ROLLBACK");
        _insertReading = Statement("INSERT INTO readings (sequence, lane, device_id, received_ms, size, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");

        // Range deletes: one statement per run of consecutive sequence numbers, the cheapest way to
        // release rows (limits.md: ~1 µs per row). RETURNING gives the exact bytes and lanes to account.
        // A row of RETURNING per deleted reading: driven raw, like the insert (one per reading too).
        _deleteRange = Statement("DELETE FROM readings WHERE sequence BETWEEN ?1 AND ?2 RETURNING lane, size");
        _deleteLaneRange = Statement("DELETE FROM readings WHERE sequence BETWEEN ?1 AND ?2 AND lane = ?3 RETURNING lane, size");

        // Per lane, in sequence order from a starting point. The normal lane walks the rowid (skipping
        // the rare priority rows); the priority lane must use its partial index (INDEXED BY makes a
        // plan that cannot use it an error instead of a silent table scan).
        _readLane =
        [
            Statement($"SELECT {ReadingColumns} FROM readings WHERE sequence >= ?1 AND lane = 0 ORDER BY sequence LIMIT ?2"),
            Statement($"SELECT {ReadingColumns} FROM readings INDEXED BY readings_priority WHERE lane = 1 AND sequence >= ?1 ORDER BY sequence LIMIT ?2"),
        ];
        _scanLane =
        [
            Command($"SELECT {HeadColumns} FROM readings WHERE sequence >= $from AND lane = 0 ORDER BY sequence LIMIT $limit", "$from", "$limit"),
            Command($"SELECT {HeadColumns} FROM readings INDEXED BY readings_priority WHERE lane = 1 AND sequence >= $from ORDER BY sequence LIMIT $limit", "$from", "$limit"),
        ];
        _headReceived =
        [
            Command("SELECT received_ms FROM readings WHERE lane = 0 ORDER BY sequence LIMIT 1"),
            Command("SELECT received_ms FROM readings INDEXED BY readings_priority WHERE lane = 1 ORDER BY sequence LIMIT 1"),
        ];
        _writeState = Command(
            """
            UPDATE buffer_state SET last_sequence = $last, normal_rows = $nrows, normal_bytes = $nbytes,
                priority_rows = $prows, priority_bytes = $pbytes, dead_letter_rows = $drows, dead_letter_bytes = $dbytes
            WHERE id = 1
            """,
            "$last", "$nrows", "$nbytes", "$prows", "$pbytes", "$drows", "$dbytes");
        _insertDeadLetter = Command(
            """
            INSERT INTO dead_letters (time_ms, reason, detail, source_kind, source_name, channel, size, raw)
            VALUES ($time, $reason, $detail, $kind, $name, $channel, $size, $raw) RETURNING id
            """,
            "$time", "$reason", "$detail", "$kind", "$name", "$channel", "$size", "$raw");
        _deleteDeadLetter = Command("DELETE FROM dead_letters WHERE id = $id RETURNING size", "$id");
        _deleteOldestDeadLetter = Command("DELETE FROM dead_letters WHERE id = (SELECT min(id) FROM dead_letters) RETURNING size");
        const string deadLetterColumns = "id, time_ms, reason, detail, source_kind, source_name, channel, raw";
        _listDeadLetters = Command($"SELECT {deadLetterColumns} FROM dead_letters WHERE id > $after ORDER BY id LIMIT $limit", "$after", "$limit");
        _getDeadLetter = Command($"SELECT {deadLetterColumns} FROM dead_letters WHERE id = $id", "$id");
    }

    /// <summary>The SQLite library version in use.</summary>
    public string SqliteVersion => _connection.ServerVersion;

    /// <summary>
    /// Opens (creating if needed) the database at <paramref name="path"/>: WAL journal, the given
    /// <c>synchronous</c> level, schema created or checked. Returns it with the stored totals.
    /// </summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer schema, or WAL cannot be used.</exception>
    public static BufferDatabase Open(string path, SqliteSynchronous synchronous, out BufferTotals totals)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,

            // One long-lived connection; pooling would keep the file open after DisposeAsync.
            Pooling = false,
        }.ToString();
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            var database = new BufferDatabase(connection);
            database.Configure(synchronous);
            database.Migrate();
            totals = database.ReadTotals();
            return database;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Starts a write transaction; dispose the result to roll back what was not committed.</summary>
    public Transaction Begin()
    {
        _begin.ExecuteNonQuery();
        return new Transaction(this, relaxed: false);
    }

    /// <summary>
    /// Starts a write transaction whose commit is not flushed to disk by itself (<c>synchronous=NORMAL</c>
    /// for this one transaction): for changes that may be lost on power loss without breaking a
    /// guarantee, such as deleting delivered rows (lost, they are sent again: a duplicate, never a
    /// loss). WAL frames are written in order, so the next durable commit makes it durable too.
    /// </summary>
    public Transaction BeginRelaxed()
    {
        if (_relaxSync is null)
        {
            return Begin();
        }

        _relaxSync.ExecuteNonQuery();
        try
        {
            _begin.ExecuteNonQuery();
        }
        catch
        {
            _restoreSync!.ExecuteNonQuery();
            throw;
        }

        return new Transaction(this, relaxed: true);
    }

    /// <summary>Inserts one reading row.</summary>
    public void InsertReading(long sequence, BufferEntry entry, long size)
    {
        var insert = _insertReading;
        try
        {
            insert.Bind(1, sequence);
            insert.Bind(2, (long)entry.Lane);
            insert.Bind(3, entry.DeviceId.Value);
            insert.Bind(4, entry.ReceivedAt.ToUnixTimeMilliseconds());
            insert.Bind(5, size);
            insert.Bind(6, entry.Payload.Span);
            insert.Step();
        }
        finally
        {
            insert.Reset();
        }
    }

    /// <summary>
    /// Deletes the rows with sequence numbers from <paramref name="first"/> to <paramref name="last"/>
    /// (only those in <paramref name="lane"/> when given), and adds what was deleted to <paramref name="deleted"/>.
    /// </summary>
    public void DeleteRange(long first, long last, BufferLane? lane, ref DeletedRows deleted)
    {
        var delete = _deleteRange;
        try
        {
            if (lane is { } only)
            {
                delete = _deleteLaneRange;
                delete.Bind(3, (long)only);
            }

            delete.Bind(1, first);
            delete.Bind(2, last);
            while (delete.Step())
            {
                deleted.Add((BufferLane)delete.Int64(0), delete.Int64(1));
            }
        }
        finally
        {
            delete.Reset();
        }
    }

    /// <summary>Reads up to <paramref name="limit"/> rows of a lane, with payloads, from sequence <paramref name="from"/> on.</summary>
    public List<BufferedReading> ReadLane(BufferLane lane, long from, int limit)
    {
        var select = _readLane[(int)lane];
        var rows = new List<BufferedReading>(Math.Min(limit, 1024));
        try
        {
            select.Bind(1, from);
            select.Bind(2, limit);
            while (select.Step())
            {
                rows.Add(new BufferedReading(
                    select.Int64(0),
                    new DeviceId(select.Text(1)),
                    lane,
                    DateTimeOffset.FromUnixTimeMilliseconds(select.Int64(2)),
                    select.Blob(3).ToArray()));
            }
        }
        finally
        {
            select.Reset();
        }

        return rows;
    }

    /// <summary>Reads up to <paramref name="limit"/> rows of a lane, without payloads, from sequence <paramref name="from"/> on.</summary>
    public List<HeadRow> ScanLane(BufferLane lane, long from, int limit)
    {
        var command = _scanLane[(int)lane];
        command.Parameters[0].Value = from;
        command.Parameters[1].Value = limit;
        var rows = new List<HeadRow>(Math.Min(limit, 1024));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(new HeadRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return rows;
    }

    /// <summary>The received time (Unix ms) of the first row of a lane, or null when it is empty.</summary>
    public long? HeadReceivedMs(BufferLane lane) => _headReceived[(int)lane].ExecuteScalar() is long value ? value : null;

    /// <summary>Stores the totals (call inside the transaction that changed them).</summary>
    public void WriteTotals(in BufferTotals totals)
    {
        var p = _writeState.Parameters;
        p[0].Value = totals.LastSequence;
        p[1].Value = totals.Normal.Rows;
        p[2].Value = totals.Normal.Bytes;
        p[3].Value = totals.Priority.Rows;
        p[4].Value = totals.Priority.Bytes;
        p[5].Value = totals.DeadLetters.Rows;
        p[6].Value = totals.DeadLetters.Bytes;
        _writeState.ExecuteNonQuery();
    }

    /// <summary>Inserts a dead letter and returns its id.</summary>
    public long InsertDeadLetter(DeadLetterEntry entry, long size)
    {
        var p = _insertDeadLetter.Parameters;
        p[0].Value = entry.Time.ToUnixTimeMilliseconds();
        p[1].Value = entry.Reason;
        p[2].Value = (object?)entry.Detail ?? DBNull.Value;
        p[3].Value = entry.SourceKind;
        p[4].Value = entry.SourceName;
        p[5].Value = entry.Channel;
        p[6].Value = size;
        p[7].Value = Blob(entry.Raw);
        return (long)_insertDeadLetter.ExecuteScalar()!;
    }

    /// <summary>Deletes a dead letter; returns its accounted size, or null when there was none with that id.</summary>
    public long? DeleteDeadLetter(long id)
    {
        _deleteDeadLetter.Parameters[0].Value = id;
        return _deleteDeadLetter.ExecuteScalar() is long size ? size : null;
    }

    /// <summary>Deletes the oldest dead letter; returns its accounted size, or null when there was none.</summary>
    public long? DeleteOldestDeadLetter() => _deleteOldestDeadLetter.ExecuteScalar() is long size ? size : null;

    /// <summary>Lists up to <paramref name="limit"/> dead letters with ids above <paramref name="afterId"/>, oldest first.</summary>
    public List<DeadLetter> ListDeadLetters(long afterId, int limit)
    {
        _listDeadLetters.Parameters[0].Value = afterId;
        _listDeadLetters.Parameters[1].Value = limit;
        return ReadDeadLetters(_listDeadLetters);
    }

    /// <summary>One dead letter, or null.</summary>
    public DeadLetter? GetDeadLetter(long id)
    {
        _getDeadLetter.Parameters[0].Value = id;
        return ReadDeadLetters(_getDeadLetter) is [var letter] ? letter : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var statement in _statements)
        {
            statement.Dispose();
        }

        foreach (var command in _commands)
        {
            command.Dispose();
        }

        // Closing the last connection checkpoints the WAL into the database file and removes it.
        _connection.Dispose();
    }

    /// <summary>
    /// The bytes as an array, which is what Microsoft.Data.Sqlite binds (it has no binding for
    /// <see cref="ReadOnlyMemory{T}"/>); the caller's array itself when the memory is all of one.
    /// </summary>
    private static byte[] Blob(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : bytes.ToArray();

    private static List<DeadLetter> ReadDeadLetters(SqliteCommand command)
    {
        var letters = new List<DeadLetter>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var entry = new DeadLetterEntry(
                reason: reader.GetString(2),
                detail: reader.IsDBNull(3) ? null : reader.GetString(3),
                sourceKind: reader.GetString(4),
                sourceName: reader.GetString(5),
                channel: reader.GetString(6),
                raw: reader.GetFieldValue<byte[]>(7),
                time: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)));
            letters.Add(new DeadLetter(reader.GetInt64(0), entry));
        }

        return letters;
    }

    private void Configure(SqliteSynchronous synchronous)
    {
        // WAL: readers never block the writer and a commit appends to the log instead of rewriting
        // pages; journal_mode is stored in the file, synchronous is per connection.
        var mode = Scalar("PRAGMA journal_mode = WAL") as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"SQLite could not switch the buffer to WAL mode (journal mode is '{mode}').");
        }

        var level = synchronous switch
        {
            SqliteSynchronous.Normal => "NORMAL",
            SqliteSynchronous.Full => "FULL",
            SqliteSynchronous.Extra => "EXTRA",
            _ => throw new ArgumentOutOfRangeException(nameof(synchronous), synchronous, "Only normal, full and extra keep committed readings."),
        };
        Execute($"PRAGMA synchronous = {level}");
        if (synchronous != SqliteSynchronous.Normal)
        {
            _relaxSync = Command("PRAGMA synchronous = NORMAL");
            _restoreSync = Command($"PRAGMA synchronous = {level}");
        }

        // After a checkpoint, cut the WAL back to 64 MiB instead of leaving it at its largest size.
        Execute("PRAGMA journal_size_limit = 67108864");
    }

    private void Migrate()
    {
        var version = Convert.ToInt32(Scalar("PRAGMA user_version"), CultureInfo.InvariantCulture);
        if (version == SchemaVersion)
        {
            return;
        }

        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"The buffer file has schema version {version}, newer than this gateway's {SchemaVersion}; it was written by a newer version.");
        }

        // Version 0: a new (or empty) file. Later versions add steps here, each in its own transaction.
        using var transaction = Begin();
        Execute(
            """
            CREATE TABLE readings (
                sequence    INTEGER PRIMARY KEY,
                lane        INTEGER NOT NULL,
                device_id   TEXT    NOT NULL,
                received_ms INTEGER NOT NULL,
                size        INTEGER NOT NULL,
                payload     BLOB    NOT NULL
            );
            CREATE INDEX readings_priority ON readings (sequence) WHERE lane = 1;
            CREATE TABLE dead_letters (
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                time_ms     INTEGER NOT NULL,
                reason      TEXT    NOT NULL,
                detail      TEXT,
                source_kind TEXT    NOT NULL,
                source_name TEXT    NOT NULL,
                channel     TEXT    NOT NULL,
                size        INTEGER NOT NULL,
                raw         BLOB    NOT NULL
            );
            CREATE TABLE buffer_state (
                id                INTEGER PRIMARY KEY CHECK (id = 1),
                last_sequence     INTEGER NOT NULL,
                normal_rows       INTEGER NOT NULL,
                normal_bytes      INTEGER NOT NULL,
                priority_rows     INTEGER NOT NULL,
                priority_bytes    INTEGER NOT NULL,
                dead_letter_rows  INTEGER NOT NULL,
                dead_letter_bytes INTEGER NOT NULL
            );
            INSERT INTO buffer_state VALUES (1, 0, 0, 0, 0, 0, 0, 0);
            PRAGMA user_version = 1;
            """);
        transaction.Commit();
    }

    private BufferTotals ReadTotals()
    {
        using var command = _connection.CreateCommand();
        command.CommandText =
            """
            SELECT max(last_sequence, (SELECT coalesce(max(sequence), 0) FROM readings)),
                   normal_rows, normal_bytes, priority_rows, priority_bytes, dead_letter_rows, dead_letter_bytes
            FROM buffer_state WHERE id = 1
            """;
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw new InvalidOperationException("The buffer file has no buffer_state row; it is damaged.");
        }

        return new BufferTotals
        {
            LastSequence = reader.GetInt64(0),
            Normal = new LaneCounts(reader.GetInt64(1), reader.GetInt64(2)),
            Priority = new LaneCounts(reader.GetInt64(3), reader.GetInt64(4)),
            DeadLetters = new LaneCounts(reader.GetInt64(5), reader.GetInt64(6)),
        };
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        _commands.Add(command);
        return command;
    }

    private RawStatement Statement(string sql)
    {
        var statement = new RawStatement(_connection, sql);
        _statements.Add(statement);
        return statement;
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private bool InTransaction => SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0;

    /// <summary>A write transaction (<c>BEGIN IMMEDIATE</c>); disposing it without <see cref="Commit"/> rolls back.</summary>
    public sealed class Transaction : IDisposable
    {
        private readonly BufferDatabase _database;
        private bool _relaxed;

        internal Transaction(BufferDatabase database, bool relaxed)
        {
            _database = database;
            _relaxed = relaxed;
        }

        /// <summary>
        /// Commits; when this returns, the changes are durable to the configured <c>synchronous</c> level
        /// (or, for <see cref="BeginRelaxed"/>, written to the WAL and durable with the next durable commit).
        /// </summary>
        public void Commit()
        {
            _database._commit.ExecuteNonQuery();
            Restore();
        }

        /// <inheritdoc />
        public void Dispose()
        {
            // Only roll back a transaction that is still open: after a successful COMMIT there is none,
            // and SQLite itself rolls back after some errors (I/O, disk full) in a failed COMMIT.
            if (_database.InTransaction)
            {
                _database._rollback.ExecuteNonQuery();
            }

            Restore();
        }

        private void Restore()
        {
            if (_relaxed)
            {
                _relaxed = false;
                _database._restoreSync!.ExecuteNonQuery();
            }
        }
    }
}

/// <summary>A row of a lane without its payload: what the age sweep and drop-oldest look at.</summary>
internal readonly record struct HeadRow(long Sequence, long ReceivedMs, long Size);

/// <summary>Rows and accounted bytes.</summary>
internal record struct LaneCounts(long Rows, long Bytes)
{
    public void Add(long bytes)
    {
        Rows++;
        Bytes += bytes;
    }

    public void Remove(LaneCounts removed)
    {
        Rows -= removed.Rows;
        Bytes -= removed.Bytes;
    }
}

/// <summary>Rows deleted from the readings table, per lane.</summary>
internal struct DeletedRows
{
    public LaneCounts Normal;
    public LaneCounts Priority;

    public readonly long Rows => Normal.Rows + Priority.Rows;

    public void Add(BufferLane lane, long bytes)
    {
        if (lane == BufferLane.Priority)
        {
            Priority.Add(bytes);
        }
        else
        {
            Normal.Add(bytes);
        }
    }
}

/// <summary>The stored totals: sequence high-water mark and rows/bytes per lane and for dead letters.</summary>
internal struct BufferTotals
{
    public long LastSequence;
    public LaneCounts Normal;
    public LaneCounts Priority;
    public LaneCounts DeadLetters;

    public readonly long ReadingRows => Normal.Rows + Priority.Rows;

    public readonly long ReadingBytes => Normal.Bytes + Priority.Bytes;

    public void AddReading(BufferLane lane, long bytes)
    {
        if (lane == BufferLane.Priority)
        {
            Priority.Add(bytes);
        }
        else
        {
            Normal.Add(bytes);
        }
    }

    public void RemoveReadings(in DeletedRows deleted)
    {
        Normal.Remove(deleted.Normal);
        Priority.Remove(deleted.Priority);
    }
}
