using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace EdgeGateway.Buffering;

/// <summary>
/// One prepared statement driven through SQLitePCL directly (bind, step, reset), for the buffer's
/// per-reading statements. Microsoft.Data.Sqlite re-binds every parameter from boxed values and
/// builds a data reader on each execution, which cost more CPU than SQLite's own insert (perf, tests/bench/README.md).
/// Errors surface as <see cref="SqliteException"/>, as from Microsoft.Data.Sqlite. Not thread-safe.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly string _sql;
    private sqlite3_stmt? _prepared;

    /// <summary>A statement for <paramref name="sql"/> on the connection (open), prepared on first use (the schema may not exist yet).</summary>
    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        _sql = sql;
    }

    private sqlite3_stmt Handle => _prepared ?? Prepare();

    /// <summary>Binds an integer to the 1-based parameter <paramref name="index"/>.</summary>
    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(Handle, index, value));

    /// <summary>Binds text (encoded on the stack when short: SQLite copies it).</summary>
    public void Bind(int index, string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> utf8 = max <= 512 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(value, utf8);
        Check(raw.sqlite3_bind_text(Handle, index, utf8[..length]));
    }

    /// <summary>Binds a blob (an empty one is a zero-length blob, not NULL).</summary>
    public void Bind(int index, ReadOnlySpan<byte> value) =>
        Check(value.IsEmpty ? raw.sqlite3_bind_zeroblob(Handle, index, 0) : raw.sqlite3_bind_blob(Handle, index, value));

    /// <summary>Runs the statement to its next row: true when there is one, false when done.</summary>
    /// <exception cref="SqliteException">SQLite reported an error (call <see cref="Reset"/> before running it again).</exception>
    public bool Step()
    {
        var rc = raw.sqlite3_step(Handle);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        return false;
    }

    /// <summary>Makes the statement ready to run again (bindings are kept until re-bound).</summary>
    public void Reset()
    {
        if (_prepared is not null)
        {
            raw.sqlite3_reset(_prepared);
        }
    }

    /// <summary>An integer column of the current row (0-based).</summary>
    public long Int64(int column) => raw.sqlite3_column_int64(Handle, column);

    /// <summary>A text column of the current row.</summary>
    public string Text(int column) => raw.sqlite3_column_text(Handle, column).utf8_to_string();

    /// <summary>A blob column of the current row, valid until the next step or reset.</summary>
    public ReadOnlySpan<byte> Blob(int column) => raw.sqlite3_column_blob(Handle, column);

    /// <inheritdoc />
    public void Dispose() => _prepared?.Dispose();

    private sqlite3_stmt Prepare()
    {
        Check(raw.sqlite3_prepare_v2(_db, _sql, out var statement));
        _prepared = statement;
        return statement;
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
