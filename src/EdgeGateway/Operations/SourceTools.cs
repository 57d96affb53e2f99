using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EdgeGateway.Operations;

/// <summary>
/// The input sources as MCP tools: list them, add, remove, pause and resume one. Sources are items of
/// configuration lists (<c>Mqtt:Subscriptions</c>, <c>Serial:Ports</c>; more kinds register an
/// <see cref="IConfiguredSourceKind"/>), so every change goes through the <see cref="ConfigurationLifecycle"/>:
/// validated, applied live, stored as a new version, rolled back if it fails. Pausing sets the item's
/// <c>Enabled</c> to false: it persists across restarts and shows in the version history.
/// </summary>
/// <param name="services">The gateway's services.</param>
[McpServerToolType]
public sealed class SourceTools(IServiceProvider services)
{
    private readonly ConfigurationLifecycle _lifecycle = services.GetRequiredService<ConfigurationLifecycle>();

    /// <summary>Lists the configured sources.</summary>
    [McpServerTool(Name = "list_sources", Title = "List sources", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("The configured input sources (MQTT subscriptions, serial ports, GPIO lines): id (kind:name, used by the other source tools), whether enabled, what each is doing now, and its definition (secrets redacted).")]
    [McpScope(McpScopes.Read)]
    public SourceListResult ListSources([Description("Only this kind: mqtt, serial or gpio.")] string? kind = null)
    {
        if (kind is not null)
        {
            KindOf(kind);
        }

        var document = _lifecycle.CurrentDocument();
        var sources = new List<SourceInfo>();
        foreach (var sourceKind in _lifecycle.SourceKinds.Where(k => kind is null || string.Equals(k.Kind, kind, StringComparison.Ordinal)))
        {
            if (ConfigurationDocument.Get(document, sourceKind.ListKey) is not JsonArray items)
            {
                continue;
            }

            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is JsonObject item)
                {
                    sources.Add(Describe(sourceKind, item, i));
                }
            }
        }

        return new SourceListResult { ConfigurationVersion = _lifecycle.Current.Version, Kinds = [.. _lifecycle.SourceKinds.Select(k => k.Kind)], Sources = sources };
    }

    /// <summary>Adds a source.</summary>
    [McpServerTool(Name = "add_source", Title = "Add a source", Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Adds an input source while the gateway runs (no restart): an MQTT subscription (kind mqtt, definition as an item of Mqtt:Subscriptions, e.g. "
        + "{\"Topic\": \"city/{district}/noise/{deviceId}\", \"QoS\": 1, \"Decoder\": {\"Kind\": \"json\", \"Json\": {\"Metrics\": [{\"Field\": \"db\", \"Metric\": \"noise_db\"}]}}}) "
        + "a serial port (kind serial, an item of Serial:Ports, e.g. {\"Name\": \"pm-1\", \"Path\": \"/dev/ttyUSB0\", \"Protocol\": \"pms5003\", \"DeviceId\": \"pm-0001\"}) "
        + "or a GPIO line (kind gpio, an item of Gpio:Lines, e.g. {\"Offset\": 22, \"Name\": \"door\", \"DeviceId\": \"cabinet-01\", \"Kind\": \"contact\", \"Metric\": \"door_open\"}; the chip is reopened). "
        + "Validated first (errors name the offending key), stored as a new configuration version.")]
    [McpScope(McpScopes.Admin)]
    public async Task<SourceChangeResult> AddSourceAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("mqtt, serial or gpio.")] string kind,
        [Description("The source's definition: the same keys as one item of its configuration list (JSON object).")] JsonElement definition,
        [Description("The configuration version in force, as a check (optional): a stale one is refused.")] long? baseVersion = null,
        [Description("Why (stored with the version and written to the audit log).")] string? reason = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sourceKind = KindOf(kind);
        if (definition.ValueKind != JsonValueKind.Object)
        {
            throw InvalidParams($"definition: must be a JSON object, e.g. {sourceKind.Example}");
        }

        var item = (JsonObject)JsonNode.Parse(definition.GetRawText())!;
        var name = sourceKind.NameOf(item) ?? throw InvalidParams($"definition: names no source (e.g. {sourceKind.Example})");
        var id = $"{sourceKind.Kind}:{name}";
        var change = await _lifecycle.ChangeAsync(
            now =>
            {
                var list = Items(now, sourceKind);
                if (list.Any(existing => existing is JsonObject o && string.Equals(sourceKind.NameOf(o), name, StringComparison.Ordinal)))
                {
                    throw InvalidParams($"definition: source '{id}' exists already (remove it first, or pick another name)");
                }

                list.Add(item.DeepClone());
                ConfigurationDocument.Set(now, sourceKind.ListKey, list);
                return now;
            },
            baseVersion,
            Caller(request),
            reason,
            "add_source",
            dryRun: false,
            cancellationToken);
        return Result(sourceKind, name, change);
    }

    /// <summary>Removes a source.</summary>
    [McpServerTool(Name = "remove_source", Title = "Remove a source", Destructive = true, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Removes an input source while the gateway runs: an MQTT subscription is unsubscribed, a serial port closed after committing what it read. Buffered readings stay. Stored as a new configuration version (rollback_config brings it back).")]
    [McpScope(McpScopes.Admin)]
    public async Task<SourceChangeResult> RemoveSourceAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("The source id from list_sources (kind:name).")] string id,
        [Description("The configuration version in force, as a check (optional): a stale one is refused.")] long? baseVersion = null,
        [Description("Why (stored with the version and written to the audit log).")] string? reason = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (sourceKind, name) = ParseId(id);
        var change = await _lifecycle.ChangeAsync(
            now =>
            {
                var list = Items(now, sourceKind);
                list.RemoveAt(IndexOf(list, sourceKind, name, id));
                ConfigurationDocument.Set(now, sourceKind.ListKey, list);
                return now;
            },
            baseVersion,
            Caller(request),
            reason,
            "remove_source",
            dryRun: false,
            cancellationToken);
        return new SourceChangeResult { Id = id, Source = null, Change = change };
    }

    /// <summary>Pauses a source.</summary>
    [McpServerTool(Name = "pause_source", Title = "Pause a source", Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Stops reading one source while keeping its definition (sets its Enabled to false, as a new configuration version, so it stays paused across restarts). "
        + "A paused MQTT subscription is unsubscribed: messages published meanwhile are not received. A paused serial port is closed.")]
    [McpScope(McpScopes.Operate)]
    public Task<SourceChangeResult> PauseSourceAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("The source id from list_sources (kind:name).")] string id,
        [Description("The configuration version in force, as a check (optional): a stale one is refused.")] long? baseVersion = null,
        [Description("Why (stored with the version and written to the audit log).")] string? reason = null,
        CancellationToken cancellationToken = default) =>
        SetEnabledAsync(request, id, enabled: false, baseVersion, reason, cancellationToken);

    /// <summary>Resumes a source.</summary>
    [McpServerTool(Name = "resume_source", Title = "Resume a source", Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Reads a paused source again (sets its Enabled to true, as a new configuration version).")]
    [McpScope(McpScopes.Operate)]
    public Task<SourceChangeResult> ResumeSourceAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("The source id from list_sources (kind:name).")] string id,
        [Description("The configuration version in force, as a check (optional): a stale one is refused.")] long? baseVersion = null,
        [Description("Why (stored with the version and written to the audit log).")] string? reason = null,
        CancellationToken cancellationToken = default) =>
        SetEnabledAsync(request, id, enabled: true, baseVersion, reason, cancellationToken);

    private async Task<SourceChangeResult> SetEnabledAsync(RequestContext<CallToolRequestParams> request, string id, bool enabled, long? baseVersion, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (sourceKind, name) = ParseId(id);
        var change = await _lifecycle.ChangeAsync(
            now =>
            {
                var list = Items(now, sourceKind);
                var item = (JsonObject)list[IndexOf(list, sourceKind, name, id)]!;
                if (enabled)
                {
                    // Enabled is the default: leave no trace of the pause in the item.
                    foreach (var key in item.Select(p => p.Key).Where(k => string.Equals(k, "Enabled", StringComparison.OrdinalIgnoreCase)).ToList())
                    {
                        item.Remove(key);
                    }
                }
                else
                {
                    ConfigurationDocument.Set(item, "Enabled", false);
                }

                ConfigurationDocument.Set(now, sourceKind.ListKey, list);
                return now;
            },
            baseVersion,
            Caller(request),
            reason,
            enabled ? "resume_source" : "pause_source",
            dryRun: false,
            cancellationToken);
        return Result(sourceKind, name, change);
    }

    private SourceChangeResult Result(IConfiguredSourceKind sourceKind, string name, ConfigurationChangeResult change)
    {
        var list = Items(_lifecycle.CurrentDocument(), sourceKind);
        var index = list.Select((item, i) => (item, i)).FirstOrDefault(p => p.item is JsonObject o && string.Equals(sourceKind.NameOf(o), name, StringComparison.Ordinal));
        return new SourceChangeResult
        {
            Id = $"{sourceKind.Kind}:{name}",
            Source = index.item is JsonObject found ? Describe(sourceKind, found, index.i) : null,
            Change = change,
        };
    }

    private static SourceInfo Describe(IConfiguredSourceKind kind, JsonObject item, int index)
    {
        var name = kind.NameOf(item) ?? $"#{index}";
        var enabled = ConfigurationDocument.Get(item, "Enabled") is not JsonValue value
            || !(value.GetValueKind() == JsonValueKind.False || (value.GetValueKind() == JsonValueKind.String && string.Equals(value.GetValue<string>(), "false", StringComparison.OrdinalIgnoreCase)));
        return new SourceInfo
        {
            Id = $"{kind.Kind}:{name}",
            Kind = kind.Kind,
            Name = name,
            Enabled = enabled,
            State = kind.StateOf(name, enabled),
            ConfigurationKey = $"{kind.ListKey}:{index}",
            Definition = (JsonObject)ConfigurationDocument.Redact(item, $"{kind.ListKey}:{index}")!,
        };
    }

    private static JsonArray Items(JsonObject document, IConfiguredSourceKind kind) =>
        ConfigurationDocument.Get(document, kind.ListKey) is JsonArray items ? (JsonArray)items.DeepClone() : [];

    private static int IndexOf(JsonArray list, IConfiguredSourceKind kind, string name, string id)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject item && string.Equals(kind.NameOf(item), name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw InvalidParams($"id: there is no source '{id}' (list_sources shows them)");
    }

    private (IConfiguredSourceKind Kind, string Name) ParseId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var colon = id.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == id.Length - 1)
        {
            throw InvalidParams($"id: '{id}' is not kind:name (list_sources shows the ids)");
        }

        return (KindOf(id[..colon]), id[(colon + 1)..]);
    }

    private IConfiguredSourceKind KindOf(string kind) =>
        _lifecycle.SourceKinds.FirstOrDefault(k => string.Equals(k.Kind, kind, StringComparison.Ordinal))
        ?? throw InvalidParams($"kind: '{kind}' is not one of: {string.Join(", ", _lifecycle.SourceKinds.Select(k => k.Kind))}");

    private static McpProtocolException InvalidParams(string message) => new(message, McpErrorCode.InvalidParams);

    private string Caller(RequestContext<CallToolRequestParams> request) => McpCaller.NameOf(request.User, services);
}

/// <summary>One configured input source.</summary>
public sealed record SourceInfo
{
    /// <summary>Id.</summary>
    [Description("kind:name, e.g. mqtt:city/{district}/aq/{deviceId} or serial:pm-1.")]
    public required string Id { get; init; }

    /// <summary>Kind.</summary>
    [Description("mqtt, serial or gpio.")]
    public required string Kind { get; init; }

    /// <summary>Name.</summary>
    [Description("The MQTT topic template, the serial port's name, or the GPIO line's name.")]
    public required string Name { get; init; }

    /// <summary>Enabled.</summary>
    [Description("False while paused.")]
    public required bool Enabled { get; init; }

    /// <summary>State.</summary>
    [Description("What it is doing now: subscribed, open, paused, waiting for the device, broker connecting; absent when unknown (over stdio).")]
    public string? State { get; init; }

    /// <summary>Where it is in the configuration.</summary>
    [Description("Its configuration key, e.g. Mqtt:Subscriptions:0.")]
    public required string ConfigurationKey { get; init; }

    /// <summary>Definition.</summary>
    [Description("Its definition as configured (secrets redacted).")]
    public required JsonObject Definition { get; init; }
}

/// <summary>The result of <c>list_sources</c>.</summary>
public sealed record SourceListResult
{
    /// <summary>The version in force.</summary>
    [Description("The configuration version in force.")]
    public required long ConfigurationVersion { get; init; }

    /// <summary>Kinds.</summary>
    [Description("The kinds of sources this gateway manages.")]
    public required IReadOnlyList<string> Kinds { get; init; }

    /// <summary>Sources.</summary>
    [Description("The sources, by kind, in configuration order.")]
    public required IReadOnlyList<SourceInfo> Sources { get; init; }
}

/// <summary>The result of the source tools that change one.</summary>
public sealed record SourceChangeResult
{
    /// <summary>Id.</summary>
    [Description("The source's id.")]
    public required string Id { get; init; }

    /// <summary>The source now.</summary>
    [Description("The source now; absent after remove_source.")]
    public SourceInfo? Source { get; init; }

    /// <summary>The change.</summary>
    [Description("The configuration change: the new version, the keys changed.")]
    public required ConfigurationChangeResult Change { get; init; }
}
