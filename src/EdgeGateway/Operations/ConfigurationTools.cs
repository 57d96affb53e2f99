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
/// The configuration lifecycle as MCP tools: validate a proposal, apply it live as a new version, list
/// versions, roll back (see <see cref="ConfigurationLifecycle"/>). Secrets never appear in results: stored
/// overlays and errors are redacted, and a masked value (<c>***</c>) sent back keeps the current secret.
/// </summary>
/// <param name="services">The gateway's services.</param>
[McpServerToolType]
public sealed class ConfigurationTools(IServiceProvider services)
{
    private const string ProposalHelp =
        "Give either document (the whole configuration, e.g. get_config's 'configuration' edited; \"***\" keeps a secret as it is) "
        + "or patch (a JSON Merge Patch, RFC 7386, over the configuration in force: objects merge, null removes a key, lists are replaced whole).";

    private readonly ConfigurationLifecycle _lifecycle = services.GetRequiredService<ConfigurationLifecycle>();

    /// <summary>Validates a proposed configuration without changing anything.</summary>
    [McpServerTool(Name = "validate_config", Title = "Validate a configuration", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Checks a proposed configuration as apply_config would, and changes nothing: every problem with the key it concerns, the keys that would change, and those that would need a restart. " + ProposalHelp)]
    [McpScope(McpScopes.Read)]
    public async Task<ConfigurationChangeResult> ValidateConfigAsync(
        [Description("The whole proposed configuration (JSON object).")] JsonElement? document = null,
        [Description("A JSON Merge Patch over the configuration in force (JSON object).")] JsonElement? patch = null,
        CancellationToken cancellationToken = default)
    {
        var change = Proposal(document, patch);
        return await _lifecycle.ChangeAsync(change, baseVersion: null, "validate", null, "validate_config", dryRun: true, cancellationToken);
    }

    /// <summary>Applies a configuration live as a new version.</summary>
    [McpServerTool(Name = "apply_config", Title = "Apply a configuration", Destructive = true, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Validates and applies a configuration change while the gateway runs (no restart; buffered readings untouched), then stores it as the next numbered version with who, when and why. "
        + "baseVersion must be the version in force (get_config, list_config_versions): a stale one is refused. Live keys: Mqtt:Subscriptions, Serial:Ports, the Gpio section, "
        + "Context:UnknownDevices, Context:ClockSkewTolerance, Kafka:MaxReadingsPerSecond; a change to any other key is refused as needing a restart. If a component fails to take the change, "
        + "the previous version is restored automatically and nothing is stored. " + ProposalHelp)]
    [McpScope(McpScopes.Admin)]
    public async Task<ConfigurationChangeResult> ApplyConfigAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("The configuration version this change is based on (the version in force; 0 = the file alone).")] long baseVersion,
        [Description("The whole proposed configuration (JSON object).")] JsonElement? document = null,
        [Description("A JSON Merge Patch over the configuration in force (JSON object).")] JsonElement? patch = null,
        [Description("Why (stored with the version and written to the audit log).")] string? reason = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var change = Proposal(document, patch);
        return await _lifecycle.ChangeAsync(change, baseVersion, Caller(request), reason, "apply_config", dryRun: false, cancellationToken);
    }

    /// <summary>Lists stored configuration versions.</summary>
    [McpServerTool(Name = "list_config_versions", Title = "List configuration versions", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("The configuration versions, newest first: number, when, who, why, the tool that made it, the version it was based on and the keys it changed; version 0 is the configuration file alone. "
        + "With includeOverlays, each version's overlay over the file (secrets redacted). Page with beforeVersion.")]
    [McpScope(McpScopes.Read)]
    public ConfigVersionListResult ListConfigVersions(
        [Description("Only versions below this one (for paging: pass the last version of the previous page).")] long? beforeVersion = null,
        [Description("The most versions to return, 1-500.")] int limit = 50,
        [Description("Include each version's overlay (its whole difference from the file; secrets redacted).")] bool includeOverlays = false)
    {
        if (limit is < 1 or > GatewayTools.MaxPage)
        {
            throw new McpProtocolException($"limit: {limit} is out of range (1 to {GatewayTools.MaxPage})", McpErrorCode.InvalidParams);
        }

        var stored = _lifecycle.Store.List(beforeVersion, limit);
        var items = stored.Select(v => new ConfigVersionSummary
        {
            Version = v.Version,
            CreatedAt = v.CreatedAt,
            Author = v.Author,
            Reason = v.Reason,
            Action = v.Action,
            BaseVersion = v.BaseVersion,
            ChangedKeys = v.ChangedKeys,
            Overlay = includeOverlays ? ConfigurationDocument.Redact(v.Overlay, string.Empty) as JsonObject : null,
        }).ToList();
        if (items.Count < limit && (beforeVersion is null || beforeVersion > 0))
        {
            items.Add(new ConfigVersionSummary
            {
                Version = 0,
                Author = "configuration file",
                Action = "file",
                ChangedKeys = [],
                Reason = _lifecycle.Current.FilePath,
                Overlay = includeOverlays ? [] : null,
            });
        }

        return new ConfigVersionListResult { CurrentVersion = _lifecycle.Current.Version, LiveKeys = _lifecycle.LiveKeys, Versions = items };
    }

    /// <summary>Rolls back to a version, as a new version.</summary>
    [McpServerTool(Name = "rollback_config", Title = "Roll back the configuration", Destructive = true, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Makes an earlier configuration version (0 = the file alone) the one in force again, live, stored as a new version (history is never rewritten). "
        + "Validated and applied like apply_config, with automatic rollback if applying fails.")]
    [McpScope(McpScopes.Admin)]
    public async Task<ConfigurationChangeResult> RollbackConfigAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("The version to return to (list_config_versions).")] long version,
        [Description("The version in force, as a check (optional): a stale one is refused.")] long? baseVersion = null,
        [Description("Why (stored with the version and written to the audit log).")] string? reason = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (version < 0)
        {
            throw new McpProtocolException("version: must not be negative", McpErrorCode.InvalidParams);
        }

        var target = _lifecycle.OverlayOf(version);
        return await _lifecycle.ChangeAsync(
            _ => ConfigurationDocument.Apply(ConfigurationDocument.ReadFile(_lifecycle.Current.FilePath), target),
            baseVersion,
            Caller(request),
            string.IsNullOrWhiteSpace(reason) ? $"rollback to version {version}" : $"rollback to version {version}: {reason}",
            "rollback_config",
            dryRun: false,
            cancellationToken);
    }

    private static Func<JsonObject, JsonObject> Proposal(JsonElement? document, JsonElement? patch)
    {
        if (document is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } == patch is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) })
        {
            throw new McpProtocolException("give either document or patch (one of them)", McpErrorCode.InvalidParams);
        }

        if (document is { ValueKind: JsonValueKind.Object } whole)
        {
            var proposed = (JsonObject)JsonNode.Parse(whole.GetRawText())!;
            return _ => (JsonObject)proposed.DeepClone();
        }

        if (patch is { ValueKind: JsonValueKind.Object } partial)
        {
            var merge = (JsonObject)JsonNode.Parse(partial.GetRawText())!;
            return now =>
            {
                var masked = (JsonObject)merge.DeepClone();
                ConfigurationDocument.RestoreMasked(masked, now);
                return ConfigurationDocument.Apply(now, masked);
            };
        }

        throw new McpProtocolException(document is not null ? "document: must be a JSON object" : "patch: must be a JSON object", McpErrorCode.InvalidParams);
    }

    private string Caller(RequestContext<CallToolRequestParams> request) => McpCaller.NameOf(request.User, services);
}

/// <summary>A stored configuration version.</summary>
public sealed record ConfigVersionSummary
{
    /// <summary>Number.</summary>
    [Description("The version number; 0 is the configuration file alone.")]
    public required long Version { get; init; }

    /// <summary>When.</summary>
    [Description("When it was applied (UTC); absent for version 0.")]
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Who.</summary>
    [Description("Who applied it (the MCP token's name).")]
    public required string Author { get; init; }

    /// <summary>Why.</summary>
    [Description("Why, as given (for version 0: the file).")]
    public string? Reason { get; init; }

    /// <summary>Which tool.</summary>
    [Description("The tool that made it: apply_config, rollback_config, add_source, remove_source, pause_source, resume_source.")]
    public required string Action { get; init; }

    /// <summary>Based on.</summary>
    [Description("The version it was made from.")]
    public long? BaseVersion { get; init; }

    /// <summary>Keys changed.</summary>
    [Description("The keys it changed from its base version.")]
    public required IReadOnlyList<string> ChangedKeys { get; init; }

    /// <summary>The overlay.</summary>
    [Description("Its whole difference from the configuration file (JSON Merge Patch), secrets redacted; only with includeOverlays.")]
    public JsonObject? Overlay { get; init; }
}

/// <summary>The result of <c>list_config_versions</c>.</summary>
public sealed record ConfigVersionListResult
{
    /// <summary>The version in force.</summary>
    [Description("The version in force: pass it as baseVersion to apply_config.")]
    public required long CurrentVersion { get; init; }

    /// <summary>Keys that can change live.</summary>
    [Description("The keys apply_config can change while the gateway runs.")]
    public required IReadOnlyList<string> LiveKeys { get; init; }

    /// <summary>The versions.</summary>
    [Description("Versions, newest first.")]
    public required IReadOnlyList<ConfigVersionSummary> Versions { get; init; }
}
