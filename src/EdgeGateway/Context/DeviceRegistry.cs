using System.Collections.Concurrent;
using System.Text.Json;
using EdgeGateway.Domain;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Context;

/// <summary>
/// The device registry: the current context record of every known device, kept in memory for the
/// ingest path and in SQLite with every past revision, so the revision a reading carries can always
/// be resolved. Every change produces a new revision; revisions of a device never repeat, even after
/// it is removed and added again.
/// </summary>
public sealed partial class DeviceRegistry : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<DeviceId, DeviceContext> _current = new();
    private long _dataVersion;

    private DeviceRegistry(SqliteConnection connection, TimeProvider timeProvider, ILogger logger)
    {
        _connection = connection;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Raised after a device was added, changed or removed (with the new record, or null when removed).</summary>
    public event EventHandler<DeviceChange>? Changed;

    /// <summary>How many devices are known.</summary>
    public int Count => _current.Count;

    /// <summary>Every current record.</summary>
    public IReadOnlyCollection<DeviceContext> All => [.. _current.Values.OrderBy(c => c.DeviceId)];

    /// <summary>Opens (creating if needed) the registry database at <paramref name="path"/>.</summary>
    public static async Task<DeviceRegistry> OpenAsync(string path, TimeProvider timeProvider, ILogger<DeviceRegistry> logger, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        var registry = new DeviceRegistry(connection, timeProvider, logger);
        try
        {
            await registry.InitializeAsync(cancellationToken);
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }

        return registry;
    }

    /// <summary>The current record of a device, or null when unknown. Lock-free: for the ingest path.</summary>
    public DeviceContext? Find(DeviceId deviceId) => _current.GetValueOrDefault(deviceId);

    /// <summary>A past (or the current) revision of a device, or null when there is no such revision.</summary>
    public async Task<DeviceContext?> GetRevisionAsync(DeviceId deviceId, long revision, CancellationToken cancellationToken = default)
    {
        if (_current.TryGetValue(deviceId, out var current) && current.Revision == revision)
        {
            return current;
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT document, updated_at FROM device_revisions WHERE device_id = $id AND revision = $revision";
            command.Parameters.AddWithValue("$id", deviceId.Value);
            command.Parameters.AddWithValue("$revision", revision);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken)
                ? Parse(reader.GetString(0), revision, reader.GetInt64(1))
                : null;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Adds or changes a device. A document identical to the current record changes nothing (same
    /// revision); anything else becomes a new revision.
    /// </summary>
    /// <exception cref="DeviceDocumentException">The document is invalid; nothing is changed.</exception>
    public async Task<DeviceContext> UpsertAsync(DeviceDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var now = _timeProvider.GetUtcNow();

        // Validate before taking the lock or touching the database.
        var candidate = DeviceDocumentMapper.ToContext(document with { Revision = null, UpdatedAt = null }, 1, now);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (_current.TryGetValue(candidate.DeviceId, out var existing) && DeviceDocumentMapper.SameContent(existing, candidate))
            {
                return existing;
            }

            var revision = await NextRevisionAsync(candidate.DeviceId, cancellationToken);
            var record = DeviceDocumentMapper.ToContext(document with { Revision = null, UpdatedAt = null }, revision, now);
            await using (var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken))
            {
                using var insert = _connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = """
                    INSERT INTO device_revisions (device_id, revision, document, updated_at) VALUES ($id, $revision, $document, $updated);
                    INSERT INTO devices (device_id, revision) VALUES ($id, $revision)
                        ON CONFLICT (device_id) DO UPDATE SET revision = excluded.revision;
                    """;
                insert.Parameters.AddWithValue("$id", record.DeviceId.Value);
                insert.Parameters.AddWithValue("$revision", revision);
                insert.Parameters.AddWithValue("$document", Serialize(record));
                insert.Parameters.AddWithValue("$updated", now.ToUnixTimeMilliseconds());
                await insert.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            _current[record.DeviceId] = record;
            LogChanged(_logger, record.DeviceId.Value, revision);
            Changed?.Invoke(this, new DeviceChange(record.DeviceId, record));
            return record;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Registers a device the gateway did not know, with a minimal provisional record (revision continues any history).</summary>
    public async Task<DeviceContext> RegisterProvisionalAsync(DeviceId deviceId, CancellationToken cancellationToken = default)
    {
        if (_current.TryGetValue(deviceId, out var known))
        {
            return known;
        }

        return await UpsertAsync(new DeviceDocument { Id = deviceId.Value, Type = "unknown", Provisional = true }, cancellationToken);
    }

    /// <summary>Removes a device; its history stays so past revisions still resolve. False when it was unknown.</summary>
    public async Task<bool> RemoveAsync(DeviceId deviceId, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            using var delete = _connection.CreateCommand();
            delete.CommandText = "DELETE FROM devices WHERE device_id = $id";
            delete.Parameters.AddWithValue("$id", deviceId.Value);
            var removed = await delete.ExecuteNonQueryAsync(cancellationToken) > 0;
            _current.TryRemove(deviceId, out _);
            if (removed)
            {
                LogRemoved(_logger, deviceId.Value);
                Changed?.Invoke(this, new DeviceChange(deviceId, null));
            }

            return removed;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Applies a devices file: new devices are added, changed ones get a new revision, identical ones
    /// are left alone. Devices missing from the file are kept (they may have been added at runtime).
    /// </summary>
    /// <exception cref="DevicesFileException">The file is invalid; nothing is changed.</exception>
    public async Task<DevicesFileLoadResult> LoadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var documents = DevicesFile.Load(path);
        int added = 0, changed = 0, unchanged = 0;
        foreach (var document in documents)
        {
            var before = Find(new DeviceId(document.Id!));
            var after = await UpsertAsync(document, cancellationToken);
            if (before is null)
            {
                added++;
            }
            else if (before.Revision == after.Revision)
            {
                unchanged++;
            }
            else
            {
                changed++;
            }
        }

        LogFileLoaded(_logger, path, added, changed, unchanged);
        return new DevicesFileLoadResult(added, changed, unchanged);
    }

    /// <summary>
    /// Picks up changes another process committed to the same file (<c>edge-gateway mcp</c> over stdio
    /// beside the service): when SQLite's <c>data_version</c> moved, the current records are read again
    /// and <see cref="Changed"/> is raised for each device that differs. Returns how many differed.
    /// </summary>
    public async Task<int> ReloadIfChangedAsync(CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var version = await DataVersionAsync(cancellationToken);
            if (version == _dataVersion)
            {
                return 0;
            }

            _dataVersion = version;
            var fresh = await LoadCurrentAsync(cancellationToken);
            var changes = new List<DeviceChange>();
            foreach (var record in fresh.Values)
            {
                if (!_current.TryGetValue(record.DeviceId, out var known) || known.Revision != record.Revision)
                {
                    _current[record.DeviceId] = record;
                    changes.Add(new DeviceChange(record.DeviceId, record));
                }
            }

            foreach (var gone in _current.Keys.Where(id => !fresh.ContainsKey(id)).ToList())
            {
                _current.TryRemove(gone, out _);
                changes.Add(new DeviceChange(gone, null));
            }

            foreach (var change in changes)
            {
                LogReloaded(_logger, change.DeviceId.Value, change.Current?.Revision);
                Changed?.Invoke(this, change);
            }

            return changes.Count;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _writeLock.Dispose();
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        using (var setup = _connection.CreateCommand())
        {
            setup.CommandText = """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = FULL;
                CREATE TABLE IF NOT EXISTS device_revisions (
                    device_id TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    document TEXT NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (device_id, revision)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS devices (
                    device_id TEXT PRIMARY KEY,
                    revision INTEGER NOT NULL) WITHOUT ROWID;
                """;
            await setup.ExecuteNonQueryAsync(cancellationToken);
        }

        _dataVersion = await DataVersionAsync(cancellationToken);
        foreach (var record in (await LoadCurrentAsync(cancellationToken)).Values)
        {
            _current[record.DeviceId] = record;
        }
    }

    private async Task<Dictionary<DeviceId, DeviceContext>> LoadCurrentAsync(CancellationToken cancellationToken)
    {
        var records = new Dictionary<DeviceId, DeviceContext>();
        using var load = _connection.CreateCommand();
        load.CommandText = """
            SELECT r.document, r.revision, r.updated_at
            FROM devices d JOIN device_revisions r ON r.device_id = d.device_id AND r.revision = d.revision
            """;
        await using var reader = await load.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var record = Parse(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
            records[record.DeviceId] = record;
        }

        return records;
    }

    private async Task<long> DataVersionAsync(CancellationToken cancellationToken)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "PRAGMA data_version";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<long> NextRevisionAsync(DeviceId deviceId, CancellationToken cancellationToken)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(revision), 0) + 1 FROM device_revisions WHERE device_id = $id";
        command.Parameters.AddWithValue("$id", deviceId.Value);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string Serialize(DeviceContext record) =>
        JsonSerializer.Serialize(DeviceDocumentMapper.ToDocument(record) with { Revision = null, UpdatedAt = null }, ContextJsonContext.Default.DeviceDocument);

    private static DeviceContext Parse(string json, long revision, long updatedAtMilliseconds) =>
        DeviceDocumentMapper.ToContext(
            JsonSerializer.Deserialize(json, ContextJsonContext.Default.DeviceDocument)!,
            revision,
            DateTimeOffset.FromUnixTimeMilliseconds(updatedAtMilliseconds));

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Device {DeviceId} is now at revision {Revision}")]
    private static partial void LogChanged(ILogger logger, string deviceId, long revision);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Device {DeviceId} removed")]
    private static partial void LogRemoved(ILogger logger, string deviceId);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "Device {DeviceId} changed by another process (edge-gateway mcp): now at revision {Revision}")]
    private static partial void LogReloaded(ILogger logger, string deviceId, long? revision);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Devices file {Path}: {Added} added, {Changed} changed, {Unchanged} unchanged")]
    private static partial void LogFileLoaded(ILogger logger, string path, int added, int changed, int unchanged);
}

/// <summary>A change in the registry.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Current">The new record, or null when the device was removed.</param>
public sealed record DeviceChange(DeviceId DeviceId, DeviceContext? Current);

/// <summary>What loading a devices file did.</summary>
/// <param name="Added">New devices.</param>
/// <param name="Changed">Devices that got a new revision.</param>
/// <param name="Unchanged">Devices whose record was already identical.</param>
public sealed record DevicesFileLoadResult(int Added, int Changed, int Unchanged);
