using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Operations;

/// <summary>
/// The numbered configuration versions, in a small SQLite file beside the buffer
/// (<c>config-versions.db</c>, in the state directory: the configuration file may sit on a read-only
/// <c>/etc</c> under systemd's <c>ProtectSystem=strict</c>). Version 0 is the configuration file itself;
/// each stored version N ≥ 1 holds who made it, when, why, from which version, the keys it changed,
/// and its overlay: the whole difference from the file (a JSON Merge Patch), so any version can be
/// rebuilt from the file alone and rolled back to. Versions are never changed or deleted.
/// </summary>
public sealed class ConfigurationVersionStore
{
    /// <summary>The file name, in the directory of <c>Buffer:Path</c>.</summary>
    public const string FileName = "config-versions.db";

    private readonly string _connectionString;

    /// <summary>Uses the store at <paramref name="path"/> (created on the first write).</summary>
    public ConfigurationVersionStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString();
    }

    /// <summary>The store's file.</summary>
    public string Path { get; }

    /// <summary>The store of a configuration: <see cref="FileName"/> beside its buffer file.</summary>
    public static ConfigurationVersionStore For(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var bufferPath = configuration.GetSection(BufferOptions.SectionName)[nameof(BufferOptions.Path)] ?? new BufferOptions().Path;
        return new ConfigurationVersionStore(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(bufferPath))!, FileName));
    }

    /// <summary>
    /// The configuration to run with: the file with the latest stored version layered on top. When that
    /// version is no longer valid with the file (the file was changed by hand or by a package upgrade),
    /// the file alone, with the reason in <paramref name="warning"/>.
    /// </summary>
    /// <exception cref="ConfigurationException">The file itself is invalid.</exception>
    public static GatewayConfiguration LoadEffective(string path, out string? warning, System.Collections.IDictionary? environment = null)
    {
        warning = null;
        var file = GatewayConfiguration.Load(path, environment);
        var store = For(file.Root);
        ConfigurationVersion? latest;
        try
        {
            latest = store.Latest();
        }
        catch (SqliteException error)
        {
            warning = $"the configuration versions in {store.Path} cannot be read ({error.Message}); running with the file alone (version 0)";
            return file;
        }

        if (latest is null)
        {
            return file;
        }

        try
        {
            return GatewayConfiguration.LoadVersion(path, latest.Overlay, latest.Version, environment);
        }
        catch (ConfigurationException problem)
        {
            warning = $"configuration version {latest.Version} is not valid with {file.FilePath} any more ({string.Join("; ", problem.Errors.Select(e => $"{e.Key}: {e.Problem}"))}); "
                + "running with the file alone (version 0) until a new version is applied";
            return file;
        }
    }

    /// <summary>The latest stored version, or null when there is none (the file alone, version 0).</summary>
    public ConfigurationVersion? Latest()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"{Select} ORDER BY version DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>One stored version, or null.</summary>
    public ConfigurationVersion? Get(long version)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"{Select} WHERE version = $version";
        command.Parameters.AddWithValue("$version", version);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>Stored versions, newest first, below <paramref name="beforeVersion"/> when given.</summary>
    public IReadOnlyList<ConfigurationVersion> List(long? beforeVersion, int limit)
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"{Select} WHERE version < $before ORDER BY version DESC LIMIT $limit";
        command.Parameters.AddWithValue("$before", beforeVersion ?? long.MaxValue);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var versions = new List<ConfigurationVersion>();
        while (reader.Read())
        {
            versions.Add(Read(reader));
        }

        return versions;
    }

    /// <summary>
    /// Stores <paramref name="version"/>, which must be the next number after the latest (the check and the
    /// insert are one transaction, so two writers cannot both store the same number).
    /// </summary>
    /// <exception cref="InvalidOperationException">Another version was stored meanwhile.</exception>
    public void Append(ConfigurationVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var check = connection.CreateCommand())
        {
            check.Transaction = transaction;
            check.CommandText = "SELECT coalesce(max(version), 0) FROM config_versions";
            var latest = (long)check.ExecuteScalar()!;
            if (latest != version.Version - 1)
            {
                throw new InvalidOperationException($"configuration version {latest} was stored meanwhile; expected {version.Version - 1}");
            }
        }

        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO config_versions (version, created_at, author, reason, action, base_version, changed_keys, overlay)
                VALUES ($version, $created, $author, $reason, $action, $base, $changed, $overlay)
                """;
            insert.Parameters.AddWithValue("$version", version.Version);
            insert.Parameters.AddWithValue("$created", version.CreatedAt.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue("$author", version.Author);
            insert.Parameters.AddWithValue("$reason", (object?)version.Reason ?? DBNull.Value);
            insert.Parameters.AddWithValue("$action", version.Action);
            insert.Parameters.AddWithValue("$base", version.BaseVersion);
            insert.Parameters.AddWithValue("$changed", JsonSerializer.Serialize(version.ChangedKeys, ConfigurationVersionJson.Default.IReadOnlyListString));
            insert.Parameters.AddWithValue("$overlay", version.Overlay.ToJsonString());
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private const string Select = "SELECT version, created_at, author, reason, action, base_version, changed_keys, overlay FROM config_versions";

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA busy_timeout = 5000;
            CREATE TABLE IF NOT EXISTS config_versions (
                version INTEGER PRIMARY KEY,
                created_at INTEGER NOT NULL,
                author TEXT NOT NULL,
                reason TEXT,
                action TEXT NOT NULL,
                base_version INTEGER NOT NULL,
                changed_keys TEXT NOT NULL,
                overlay TEXT NOT NULL
            );
            """;
        command.ExecuteNonQuery();
        return connection;
    }

    private static ConfigurationVersion Read(SqliteDataReader reader) => new()
    {
        Version = reader.GetInt64(0),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
        Author = reader.GetString(2),
        Reason = reader.IsDBNull(3) ? null : reader.GetString(3),
        Action = reader.GetString(4),
        BaseVersion = reader.GetInt64(5),
        ChangedKeys = JsonSerializer.Deserialize(reader.GetString(6), ConfigurationVersionJson.Default.IReadOnlyListString) ?? [],
        Overlay = ConfigurationDocument.Parse(reader.GetString(7)),
    };
}

/// <summary>One stored configuration version.</summary>
public sealed record ConfigurationVersion
{
    /// <summary>Its number (1, 2, …; 0 is the file and is never stored).</summary>
    public required long Version { get; init; }

    /// <summary>When it was applied.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who applied it (the MCP token's name).</summary>
    public required string Author { get; init; }

    /// <summary>Why, as given by the caller.</summary>
    public string? Reason { get; init; }

    /// <summary>The tool that made it: apply_config, rollback_config, add_source, ….</summary>
    public required string Action { get; init; }

    /// <summary>The version it was made from.</summary>
    public required long BaseVersion { get; init; }

    /// <summary>The configuration keys it changed from its base version.</summary>
    public required IReadOnlyList<string> ChangedKeys { get; init; }

    /// <summary>The whole difference from the file (JSON Merge Patch).</summary>
    public required JsonObject Overlay { get; init; }
}

/// <summary>Source-generated JSON for the store's columns.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class ConfigurationVersionJson : System.Text.Json.Serialization.JsonSerializerContext;
