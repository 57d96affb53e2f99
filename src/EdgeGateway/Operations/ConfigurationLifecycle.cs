using System.Text.Json.Nodes;
using EdgeGateway.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace EdgeGateway.Operations;

/// <summary>
/// The configuration lifecycle behind <c>validate_config</c>, <c>apply_config</c>, <c>rollback_config</c> and
/// the source tools, after Greengrass and Kura: every change is validated as a whole before anything is
/// touched; only keys some <see cref="ILiveReconfigurable"/> takes while running may change (the others are
/// refused: they need a restart); the change is applied live (no restart, the buffer untouched), then stored
/// as the next numbered version with who, when and why. If a component fails to apply it, every component
/// gets the previous configuration back and nothing is stored. Changes name the version they are based on;
/// a stale one is refused (optimistic concurrency). One change at a time.
/// </summary>
public sealed partial class ConfigurationLifecycle : IDisposable
{
    private readonly IReadOnlyList<ILiveReconfigurable> _participants;
    private readonly IReadOnlyList<IConfiguredSourceKind> _sourceKinds;
    private readonly McpAudit _audit;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile GatewayConfiguration _current;

    /// <summary>Creates the lifecycle over the configuration the process started with.</summary>
    /// <param name="initial">The configuration the process runs with (the file, with the latest stored version on top).</param>
    /// <param name="participants">The components that take keys while running.</param>
    /// <param name="sourceKinds">The kinds of sources kept as configuration lists.</param>
    /// <param name="isLive">False in <c>edge-gateway mcp</c> (stdio), which can read versions but not apply them: the service owns the components.</param>
    /// <param name="audit">The audit log.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="logger">The log.</param>
    public ConfigurationLifecycle(
        GatewayConfiguration initial,
        IEnumerable<ILiveReconfigurable> participants,
        IEnumerable<IConfiguredSourceKind> sourceKinds,
        bool isLive,
        McpAudit audit,
        TimeProvider timeProvider,
        ILogger<ConfigurationLifecycle> logger)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _current = initial;
        _participants = [.. participants];
        _sourceKinds = [.. sourceKinds];
        IsLive = isLive;
        _audit = audit;
        _timeProvider = timeProvider;
        _logger = logger;
        Store = ConfigurationVersionStore.For(initial.Root);
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();

    /// <summary>The configuration in force.</summary>
    public GatewayConfiguration Current => _current;

    /// <summary>Where versions are stored.</summary>
    public ConfigurationVersionStore Store { get; }

    /// <summary>True in the gateway service, where changes can be applied.</summary>
    public bool IsLive { get; }

    /// <summary>The keys that can change while running.</summary>
    public IReadOnlyList<string> LiveKeys => [.. _participants.SelectMany(p => p.Keys)];

    /// <summary>The kinds of sources kept as configuration lists.</summary>
    public IReadOnlyList<IConfiguredSourceKind> SourceKinds => _sourceKinds;

    /// <summary>The document in force (file with the current version's overlay; environment overrides not included; secrets not redacted).</summary>
    public JsonObject CurrentDocument()
    {
        var current = _current;
        return ConfigurationDocument.Apply(ConfigurationDocument.ReadFile(current.FilePath), current.Overlay);
    }

    /// <summary>
    /// Validates, applies and stores a change. <paramref name="change"/> gets the document in force (raw)
    /// and returns the proposed document. With <paramref name="dryRun"/> only validates.
    /// </summary>
    /// <exception cref="McpProtocolException">Stale base version, invalid, needs a restart, or failed to apply (then rolled back).</exception>
    public async Task<ConfigurationChangeResult> ChangeAsync(
        Func<JsonObject, JsonObject> change,
        long? baseVersion,
        string author,
        string? reason,
        string action,
        bool dryRun,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var current = _current;
            if (baseVersion is { } expected && expected != current.Version)
            {
                var latest = Store.Latest();
                throw Refused(
                    $"baseVersion: stale: the gateway is at configuration version {current.Version}"
                    + (latest is null ? string.Empty : $" (made by {latest.Author} at {latest.CreatedAt:O} with {latest.Action})")
                    + $", not {expected}; read it again (get_config, list_config_versions) and retry on version {current.Version}");
            }

            var file = ConfigurationDocument.ReadFile(current.FilePath);
            var now = ConfigurationDocument.Apply(file, current.Overlay);
            var proposed = change(now);
            ConfigurationDocument.RestoreMasked(proposed, now);
            var overlay = ConfigurationDocument.Diff(file, proposed);
            var next = current.Version + 1;
            var (candidate, errors) = Validate(current, overlay, next);
            if (errors.Count > 0)
            {
                return dryRun
                    ? new ConfigurationChangeResult { Version = current.Version, Valid = false, Errors = errors }
                    : throw Refused($"invalid configuration, nothing changed:{string.Concat(errors.Select(e => $"\n  {e.Key}: {e.Problem}"))}");
            }

            var changedKeys = ConfigurationDocument.ChangedKeys(current.Root, candidate!.Root);
            var needRestart = changedKeys.Where(k => !IsLiveKey(k)).ToList();
            if (needRestart.Count > 0)
            {
                var message = $"needs a restart: {Summarize(needRestart)} cannot change while the gateway runs (live keys: {string.Join(", ", LiveKeys)}); "
                    + $"change the configuration file and restart the service instead. Nothing changed.";
                return dryRun
                    ? new ConfigurationChangeResult { Version = current.Version, Valid = true, ChangedKeys = Compress(changedKeys), NeedsRestart = needRestart, Message = message }
                    : throw Refused(message);
            }

            var changed = Compress(changedKeys);
            if (dryRun || changed.Count == 0)
            {
                return new ConfigurationChangeResult { Version = current.Version, Valid = true, ChangedKeys = changed, Message = changed.Count == 0 ? "no change" : null };
            }

            if (!IsLive)
            {
                throw Refused("the configuration can be changed only in the running service: use its HTTP endpoint (Mcp:Http), not 'edge-gateway mcp'");
            }

            await ApplyAsync(current, candidate, changedKeys, author, action, cancellationToken);
            var version = new ConfigurationVersion
            {
                Version = next,
                CreatedAt = _timeProvider.GetUtcNow(),
                Author = author,
                Reason = string.IsNullOrWhiteSpace(reason) ? null : reason,
                Action = action,
                BaseVersion = current.Version,
                ChangedKeys = changed,
                Overlay = overlay,
            };
            try
            {
                Store.Append(version);
            }
            catch (Exception error) when (error is InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
            {
                await RollBackAsync(current, _participants.Where(p => Touches(p, changedKeys)).ToList(), cancellationToken);
                LogNotStored(_logger, next, error.Message);
                throw Refused($"the change was applied but could not be stored as version {next} ({error.Message}); rolled back to version {current.Version}");
            }

            _current = candidate;
            var why = string.IsNullOrWhiteSpace(reason) ? string.Empty : $" ({(reason.Length <= 200 ? reason : $"{reason[..200]}...")})";
            var keys = string.Join(", ", changed);
            _audit.Changed(author, action, $"configuration version {next}", $"from version {current.Version}: {keys}{why}");
            LogApplied(_logger, next, current.Version, keys);
            return new ConfigurationChangeResult { Version = next, PreviousVersion = current.Version, Valid = true, Applied = true, ChangedKeys = changed };
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The overlay of a version (0: the file alone, an empty overlay).</summary>
    /// <exception cref="McpProtocolException">There is no such version.</exception>
    public JsonObject OverlayOf(long version)
    {
        if (version == 0)
        {
            return [];
        }

        return Store.Get(version)?.Overlay
            ?? throw new McpProtocolException($"version: there is no configuration version {version} (latest: {_current.Version})", McpErrorCode.InvalidParams);
    }

    private async Task ApplyAsync(GatewayConfiguration current, GatewayConfiguration candidate, IReadOnlyList<string> changedKeys, string author, string action, CancellationToken cancellationToken)
    {
        var applied = new List<ILiveReconfigurable>();
        foreach (var participant in _participants.Where(p => Touches(p, changedKeys)))
        {
            applied.Add(participant);
            try
            {
                await participant.ApplyAsync(candidate.Root, cancellationToken);
            }
            catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogApplyFailed(_logger, participant.Name, candidate.Version, error.Message);
                await RollBackAsync(current, applied, CancellationToken.None);
                _audit.Changed(author, action, $"configuration version {candidate.Version}", $"failed in {participant.Name} ({error.Message}); rolled back to version {current.Version}");
                throw Refused($"applying failed in {participant.Name}: {error.Message}; rolled back automatically to version {current.Version}, nothing stored");
            }
        }
    }

    private async Task RollBackAsync(GatewayConfiguration previous, List<ILiveReconfigurable> applied, CancellationToken cancellationToken)
    {
        for (var i = applied.Count - 1; i >= 0; i--)
        {
            try
            {
                await applied[i].ApplyAsync(previous.Root, cancellationToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogRollbackFailed(_logger, applied[i].Name, previous.Version, error.Message);
            }
        }
    }

    private (GatewayConfiguration? Candidate, IReadOnlyList<ConfigurationError> Errors) Validate(GatewayConfiguration current, JsonObject overlay, long version)
    {
        var errors = new List<ConfigurationError>();
        GatewayConfiguration? candidate = null;
        IConfiguration root;
        try
        {
            candidate = GatewayConfiguration.LoadVersion(current.FilePath, overlay, version);
            root = candidate.Root;
        }
        catch (ConfigurationException problem)
        {
            errors.AddRange(problem.Errors.Count > 0 ? problem.Errors : [new ConfigurationError(string.Empty, problem.Message)]);
            var merged = ConfigurationDocument.Apply(ConfigurationDocument.ReadFile(current.FilePath), overlay);
            root = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(merged.ToJsonString()))).Build();
        }

        // The sections GatewayConfiguration does not bind itself (Serial, and any added later) are checked here too.
        foreach (var (name, type) in ConfigurationSchema.Sections)
        {
            var problems = new List<(string Key, string Problem)>();
            var section = root.GetSection(name);
            ConfigurationChecker.Check(section, type, name, problems);
            if (problems.Count == 0)
            {
                var options = Activator.CreateInstance(type)!;
                try
                {
                    section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
                    problems.AddRange(OptionsValidator.Validate(options, name));
                }
                catch (InvalidOperationException error)
                {
                    problems.Add((name, error.InnerException?.Message ?? error.Message));
                }
            }

            errors.AddRange(problems.Select(p => new ConfigurationError(p.Key, p.Problem)));
        }

        foreach (var kind in _sourceKinds)
        {
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            var items = root.GetSection(kind.ListKey).GetChildren().ToList();
            foreach (var item in items)
            {
                if (errors.Any(e => Covers($"{kind.ListKey}:{item.Key}", e.Key)))
                {
                    continue;
                }

                var name = kind.NameOf(ToJson(item));
                if (name is not null && seen.TryGetValue(name, out var first))
                {
                    errors.Add(new ConfigurationError($"{kind.ListKey}:{item.Key}", $"'{name}' is used by {kind.ListKey}:{first} too; {kind.Kind} sources need distinct names"));
                }
                else if (name is not null && int.TryParse(item.Key, out var index))
                {
                    seen[name] = index;
                }
            }
        }

        // A problem may quote the value; never a secret's.
        var distinct = errors
            .Select(e => e with { Source = null, Problem = ConfigurationRedactor.IsSecret(e.Key) && root[e.Key] is { Length: > 0 } secret ? e.Problem.Replace(secret, ConfigurationRedactor.Mask, StringComparison.Ordinal) : e.Problem })
            .DistinctBy(e => (e.Key.ToUpperInvariant(), e.Problem))
            .ToList();
        return (distinct.Count == 0 ? candidate : null, distinct);
    }

    private static JsonObject ToJson(IConfigurationSection section)
    {
        var obj = new JsonObject();
        foreach (var child in section.GetChildren())
        {
            obj[child.Key] = child.Value is { } value ? JsonValue.Create(value) : ToJson(child);
        }

        return obj;
    }

    private bool IsLiveKey(string key) => _participants.Any(p => p.Keys.Any(live => Covers(live, key)));

    private static bool Touches(ILiveReconfigurable participant, IReadOnlyList<string> changedKeys) =>
        changedKeys.Any(key => participant.Keys.Any(live => Covers(live, key)));

    private static bool Covers(string prefix, string key) =>
        string.Equals(prefix, key, StringComparison.OrdinalIgnoreCase)
        || (key.Length > prefix.Length && key[prefix.Length] == ':' && key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    // Changed keys by the live key they fall under (Mqtt:Subscriptions rather than Mqtt:Subscriptions:2:Decoder:Json:Metrics:0:Field).
    private List<string> Compress(IReadOnlyList<string> keys) =>
        [.. keys.Select(k => LiveKeys.FirstOrDefault(live => Covers(live, k)) ?? k).Distinct(StringComparer.OrdinalIgnoreCase)];

    private static string Summarize(List<string> keys) =>
        keys.Count <= 8 ? string.Join(", ", keys) : $"{string.Join(", ", keys.Take(8))} and {keys.Count - 8} more";

    private static McpProtocolException Refused(string message) => new(message, McpErrorCode.InvalidParams);

    [LoggerMessage(EventId = 940, Level = LogLevel.Information, Message = "Configuration version {Version} applied (from version {Previous}): {Keys}")]
    private static partial void LogApplied(ILogger logger, long version, long previous, string keys);

    [LoggerMessage(EventId = 941, Level = LogLevel.Warning, Message = "Applying configuration version {Version} failed in {Component} ({Reason}); rolling back")]
    private static partial void LogApplyFailed(ILogger logger, string component, long version, string reason);

    [LoggerMessage(EventId = 942, Level = LogLevel.Error, Message = "Rolling {Component} back to configuration version {Version} failed: {Reason}")]
    private static partial void LogRollbackFailed(ILogger logger, string component, long version, string reason);

    [LoggerMessage(EventId = 943, Level = LogLevel.Error, Message = "Configuration version {Version} was applied but could not be stored ({Reason}); rolled back")]
    private static partial void LogNotStored(ILogger logger, long version, string reason);
}

/// <summary>What a configuration change did (or, for validation, would do).</summary>
public sealed record ConfigurationChangeResult
{
    /// <summary>The configuration version in force now.</summary>
    [System.ComponentModel.Description("The configuration version in force now (0 = the configuration file alone).")]
    public required long Version { get; init; }

    /// <summary>The version before, when a new one was made.</summary>
    [System.ComponentModel.Description("The version it was made from, when a new version was made.")]
    public long? PreviousVersion { get; init; }

    /// <summary>Whether the proposal is valid.</summary>
    [System.ComponentModel.Description("Whether the proposed configuration is valid.")]
    public required bool Valid { get; init; }

    /// <summary>Whether a new version was applied.</summary>
    [System.ComponentModel.Description("True when the change was applied live and stored as a new version.")]
    public bool Applied { get; init; }

    /// <summary>The keys that change.</summary>
    [System.ComponentModel.Description("The configuration keys that change (lists named whole, e.g. Mqtt:Subscriptions).")]
    public IReadOnlyList<string> ChangedKeys { get; init; } = [];

    /// <summary>Changed keys that need a restart.</summary>
    [System.ComponentModel.Description("Changed keys that cannot change while the gateway runs (edit the file and restart instead).")]
    public IReadOnlyList<string> NeedsRestart { get; init; } = [];

    /// <summary>The problems, each with its key.</summary>
    [System.ComponentModel.Description("What is wrong, one entry per offending key.")]
    public IReadOnlyList<ConfigurationError> Errors { get; init; } = [];

    /// <summary>A note for the caller.</summary>
    [System.ComponentModel.Description("A note: 'no change', or why it would be refused.")]
    public string? Message { get; init; }
}
