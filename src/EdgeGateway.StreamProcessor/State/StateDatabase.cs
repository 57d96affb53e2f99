using Microsoft.Data.Sqlite;

namespace EdgeGateway.StreamProcessor.State;

/// <summary>
/// The processor's SQLite state file: what it has seen (batch ids, device + sequence + metric), each
/// device's latest context and readings, the window state of every series, alerts, counters, and an
/// outbox of window and alert records not yet acknowledged by Kafka. One transaction per batch keeps
/// them consistent with each other, so a restart (or a second instance on the same file) continues
/// exactly where the last commit left off. WAL mode: several processes may open it.
/// </summary>
internal static class StateDatabase
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS batches(id TEXT PRIMARY KEY, gateway TEXT NOT NULL, at INTEGER NOT NULL, accepted INTEGER NOT NULL, duplicates INTEGER NOT NULL, late INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS batches_at ON batches(at);
        CREATE TABLE IF NOT EXISTS seen(device TEXT NOT NULL, seq INTEGER NOT NULL, metric TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY(device, seq, metric)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS seen_at ON seen(at);
        CREATE TABLE IF NOT EXISTS devices(id TEXT PRIMARY KEY, gateway TEXT NOT NULL, revision INTEGER NOT NULL, context TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS latest(device TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL, unit TEXT, event_time INTEGER NOT NULL, receive_time INTEGER NOT NULL, seq INTEGER NOT NULL, flags TEXT, gateway TEXT NOT NULL, PRIMARY KEY(device, metric)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS series(device TEXT NOT NULL, metric TEXT NOT NULL, watermark INTEGER NOT NULL, closed_through INTEGER NOT NULL, late INTEGER NOT NULL, gateway TEXT NOT NULL, PRIMARY KEY(device, metric)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS windows(device TEXT NOT NULL, metric TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, unit TEXT, count INTEGER NOT NULL, min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL, last REAL NOT NULL, last_time INTEGER NOT NULL, closed INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY(device, metric, start)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS windows_open ON windows(closed, end);
        CREATE TABLE IF NOT EXISTS alerts(device TEXT NOT NULL, metric TEXT NOT NULL, rule TEXT NOT NULL, active INTEGER NOT NULL, value REAL NOT NULL, threshold REAL NOT NULL, event_time INTEGER NOT NULL, changed_at INTEGER NOT NULL, gateway TEXT NOT NULL, PRIMARY KEY(device, metric, rule)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, claimed_until INTEGER NOT NULL DEFAULT 0);
        """;

    /// <summary>Opens (creating if needed) the state file read-write, with the schema in place.</summary>
    public static SqliteConnection Open(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,

            // Another instance may hold the write lock for one batch: wait for it rather than fail.
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;");
        using (var transaction = connection.BeginTransaction())
        {
            Execute(connection, Schema, transaction);
            transaction.Commit();
        }

        return connection;
    }

    /// <summary>Opens the state file read-only (for the MCP tools and the live view); null when it does not exist yet.</summary>
    public static SqliteConnection? OpenReadOnly(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 10,
        }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout=10000;");
        return connection;
    }

    /// <summary>Runs SQL without parameters.</summary>
    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Every counter (batches, accepted, duplicates, late, windows, alerts, ...), 0 when never counted.</summary>
    public static IReadOnlyDictionary<string, long> ReadCounters(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, value FROM counters";
        using var reader = command.ExecuteReader();
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            counters[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counters;
    }
}
