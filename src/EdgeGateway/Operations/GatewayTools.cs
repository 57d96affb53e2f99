using System.ComponentModel;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Context;
using EdgeGateway.Domain;
using EdgeGateway.Forwarding;
using EdgeGateway.Status;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EdgeGateway.Operations;

/// <summary>
/// The gateway's MCP tools, shared by every transport. Each declares the scope it needs
/// (<see cref="McpScopeAttribute"/>, enforced by <see cref="McpAuthorization"/>); every change is
/// written to the <see cref="McpAudit"/> log. Invalid arguments give a JSON-RPC "invalid params"
/// error that names the problem, and change nothing.
/// </summary>
/// <param name="services">The gateway's services; the buffer and the forwarder are absent over stdio (the service owns them).</param>
/// <param name="audit">The audit log.</param>
[McpServerToolType]
public sealed class GatewayTools(IServiceProvider services, McpAudit audit)
{
    /// <summary>The most items a list tool returns at once.</summary>
    public const int MaxPage = 500;

    private readonly DeviceRegistry _registry = services.GetRequiredService<DeviceRegistry>();

    /// <summary>The gateway's health and counters.</summary>
    [McpServerTool(Name = "get_status", Title = "Gateway status", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("The gateway's health and counters: MQTT source state, readings ingested and dead-lettered, buffer depth, size and oldest unsent age, Kafka link state and batches sent, and whether forwarding is paused.")]
    [McpScope(McpScopes.Read)]
    public async Task<StatusResult> GetStatusAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<GatewayStatusCollector>() is { } collector)
        {
            return new StatusResult { Live = true, ForwardingPaused = services.GetService<KafkaForwarder>()?.IsPaused, Status = collector.Collect() };
        }

        var file = services.GetRequiredService<StatusFileLocation>().Path;
        GatewayStatus? status;
        try
        {
            status = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(file, cancellationToken), StatusJsonContext.Default.GatewayStatus);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new McpProtocolException($"the service's status file '{file}' cannot be read ({error.Message}); is the gateway running?", McpErrorCode.InternalError);
        }

        return new StatusResult { Live = false, StatusFile = file, Status = status ?? throw new McpProtocolException($"the status file '{file}' is empty", McpErrorCode.InternalError) };
    }

    /// <summary>Lists devices.</summary>
    [McpServerTool(Name = "list_devices", Title = "List devices", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists the devices in the registry with their full context (type, model, location, owner, tags, per-metric unit, calibration, valid range, sampling interval) and revision, ordered by id. Page with afterId.")]
    [McpScope(McpScopes.Read)]
    public DeviceListResult ListDevices(
        [Description("Only devices of this type (e.g. air-quality).")] string? type = null,
        [Description("Only devices in this district.")] string? district = null,
        [Description("Only devices whose id sorts after this one (for paging: pass the last id of the previous page).")] string? afterId = null,
        [Description("The most devices to return, 1-500.")] int limit = 100)
    {
        CheckLimit(limit);
        var matching = _registry.All
            .Where(d => type is null || string.Equals(d.DeviceType, type, StringComparison.Ordinal))
            .Where(d => district is null || string.Equals(d.Location?.District, district, StringComparison.Ordinal))
            .Where(d => afterId is null || string.CompareOrdinal(d.DeviceId.Value, afterId) > 0)
            .ToList();
        var page = matching.Take(limit).Select(DeviceDocumentMapper.ToDocument).ToList();
        return new DeviceListResult { Total = _registry.Count, Matching = matching.Count, Devices = page, More = matching.Count > page.Count };
    }

    /// <summary>One device.</summary>
    [McpServerTool(Name = "get_device", Title = "Get a device", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("One device's context: the current record, or a past revision (readings in Kafka name the revision that applied to them).")]
    [McpScope(McpScopes.Read)]
    public async Task<DeviceDocument> GetDeviceAsync(
        [Description("The device id.")] string id,
        [Description("A past revision to fetch instead of the current record.")] long? revision = null,
        CancellationToken cancellationToken = default)
    {
        var deviceId = ParseId(id);
        var found = revision is { } wanted
            ? await _registry.GetRevisionAsync(deviceId, wanted, cancellationToken)
            : _registry.Find(deviceId);
        return found is null
            ? throw InvalidParams(revision is null ? $"id: device '{id}' is not in the registry" : $"revision: device '{id}' has no revision {revision}")
            : DeviceDocumentMapper.ToDocument(found);
    }

    /// <summary>Adds or replaces a device's context.</summary>
    [McpServerTool(Name = "upsert_device", Title = "Add or replace a device", Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Adds a device or replaces its whole context record (fields left out are cleared). A change gets the next revision number, which the next batches to Kafka carry; an identical record changes nothing. Invalid fields are refused with an error naming them, and nothing is changed.")]
    [McpScope(McpScopes.Operate)]
    public async Task<UpsertDeviceResult> UpsertDeviceAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("The device id: 1-128 of A-Z a-z 0-9 . _ - :")] string id,
        [Description("What kind of device, e.g. air-quality, noise, parking, traffic-counter.")] string type,
        [Description("Hardware model.")] string? model = null,
        [Description("Firmware version.")] string? firmware = null,
        [Description("Where it is installed (lat and lon required when given).")] LocationDocument? location = null,
        [Description("The team or organisation responsible for it.")] string? owner = null,
        [Description("Free key/value labels.")] Dictionary<string, string>? tags = null,
        [Description("Per-metric context keyed by metric name: unit, calibration {scale, offset}, validRange {min, max}, samplingInterval (e.g. 60s).")] Dictionary<string, MetricDocument>? metrics = null,
        [Description("Metrics that are personal or sensitive data (e.g. plate_hash, occupants): their values leave the gateway only encrypted (needs Encryption:KeysFile).")] List<string>? personalData = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = Caller(request);
        var deviceId = ParseId(id);
        if (personalData is { Count: > 0 } && services.GetService<Microsoft.Extensions.Options.IOptions<EncryptionOptions>>()?.Value.IsEnabled != true)
        {
            throw InvalidParams($"personalData: no encryption key is configured ({EncryptionOptions.SectionName}:{nameof(EncryptionOptions.KeysFile)}), so these values would leave in plaintext; configure a key first");
        }

        var before = _registry.Find(deviceId);
        DeviceContext after;
        try
        {
            after = await _registry.UpsertAsync(
                new DeviceDocument
                {
                    Id = id,
                    Type = type,
                    Model = model,
                    Firmware = firmware,
                    Location = location,
                    Owner = owner,
                    Tags = tags,
                    Metrics = metrics,
                    PersonalData = personalData,
                },
                cancellationToken);
        }
        catch (DeviceDocumentException error)
        {
            throw InvalidParams(error.Field is null ? error.Message : $"{error.Field}: {error.Problem}");
        }

        var changed = before is null || before.Revision != after.Revision;
        if (changed)
        {
            audit.Changed(caller, "upsert_device", id, before is null ? $"added at revision {after.Revision}" : $"revision {before.Revision} -> {after.Revision}");
        }

        return new UpsertDeviceResult { Changed = changed, PreviousRevision = before?.Revision, Device = DeviceDocumentMapper.ToDocument(after) };
    }

    /// <summary>Removes a device.</summary>
    [McpServerTool(Name = "remove_device", Title = "Remove a device", Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Removes a device from the registry. Its past revisions are kept, so readings already buffered still resolve; new readings from it follow the unknown-device policy (Context:UnknownDevices).")]
    [McpScope(McpScopes.Operate)]
    public async Task<RemoveDeviceResult> RemoveDeviceAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("The device id.")] string id,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = Caller(request);
        var deviceId = ParseId(id);
        var before = _registry.Find(deviceId);
        var removed = await _registry.RemoveAsync(deviceId, cancellationToken);
        if (removed)
        {
            audit.Changed(caller, "remove_device", id, $"removed at revision {before?.Revision}");
        }

        return new RemoveDeviceResult { Id = id, Removed = removed, LastRevision = before?.Revision };
    }

    /// <summary>The buffer's state.</summary>
    [McpServerTool(Name = "get_buffer_statistics", Title = "Buffer statistics", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("The durable buffer: rows waiting (normal and priority lanes, in flight), bytes used of the capacity, oldest unsent age, whether it blocks input, rows committed and forwarded, drops by cause, dead letters stored; and whether forwarding is paused.")]
    [McpScope(McpScopes.Read)]
    public BufferStatisticsResult GetBufferStatistics() => new()
    {
        Buffer = GatewayStatusCollector.Map(Service<ReadingBuffer>("the buffer").GetStatistics()),
        ForwardingPaused = services.GetService<KafkaForwarder>()?.IsPaused ?? false,
    };

    /// <summary>Lists dead letters.</summary>
    [McpServerTool(Name = "list_dead_letters", Title = "List dead letters", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists stored dead letters (input that could not be forwarded: undecodable messages, unknown devices, readings refused by a full buffer, batches Kafka rejected) oldest first, without their payloads. Page with afterId; get_dead_letter shows one with its payload.")]
    [McpScope(McpScopes.Read)]
    public async Task<DeadLetterListResult> ListDeadLettersAsync(
        [Description("Only dead letters with an id above this one (0 = from the start).")] long afterId = 0,
        [Description("The most dead letters to return, 1-500.")] int limit = 50,
        [Description("Only this reason code (e.g. undecodable, unknown-device, buffer-full, rejected-batch).")] string? reason = null,
        CancellationToken cancellationToken = default)
    {
        CheckLimit(limit);
        if (afterId < 0)
        {
            throw InvalidParams("afterId: must not be negative");
        }

        var buffer = Service<ReadingBuffer>("dead letters");
        var items = new List<DeadLetterSummary>();
        var cursor = afterId;
        while (items.Count < limit)
        {
            var page = await buffer.ListDeadLettersAsync(cursor, limit, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            cursor = page[^1].Id;
            items.AddRange(page.Where(d => reason is null || string.Equals(d.Entry.Reason, reason, StringComparison.Ordinal)).Take(limit - items.Count).Select(Summary));
        }

        return new DeadLetterListResult { DeadLetters = items, NextAfterId = items.Count == limit ? items[^1].Id : null };
    }

    /// <summary>One dead letter with its payload.</summary>
    [McpServerTool(Name = "get_dead_letter", Title = "Inspect a dead letter", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("One dead letter with its reason, origin and raw payload: as base64 always, and as text when it is valid UTF-8.")]
    [McpScope(McpScopes.Read)]
    public async Task<DeadLetterDetail> GetDeadLetterAsync(
        [Description("The dead letter's id (from list_dead_letters).")] long id,
        CancellationToken cancellationToken = default)
    {
        var letter = await Service<ReadingBuffer>("dead letters").GetDeadLetterAsync(id, cancellationToken)
            ?? throw InvalidParams($"id: there is no dead letter {id}");
        string? text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(letter.Entry.Raw.Span);
        }
        catch (DecoderFallbackException)
        {
            text = null;
        }

        return new DeadLetterDetail { Summary = Summary(letter), PayloadBase64 = Convert.ToBase64String(letter.Entry.Raw.Span), PayloadText = text };
    }

    /// <summary>Pauses forwarding.</summary>
    [McpServerTool(Name = "pause_forwarding", Title = "Pause forwarding to Kafka", Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Stops sending batches to Kafka after the one in flight; readings keep being received, acknowledged and buffered (up to the buffer's bounds) until resume_forwarding.")]
    [McpScope(McpScopes.Operate)]
    public ForwardingResult PauseForwarding(
        RequestContext<CallToolRequestParams> request,
        [Description("Why (written to the audit log).")] string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var changed = Service<KafkaForwarder>("forwarding").Pause();
        if (changed)
        {
            audit.Changed(Caller(request), "pause_forwarding", "kafka", Why("paused", reason));
        }

        return new ForwardingResult { Paused = true, Changed = changed };
    }

    /// <summary>Resumes forwarding.</summary>
    [McpServerTool(Name = "resume_forwarding", Title = "Resume forwarding to Kafka", Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Sends batches to Kafka again after pause_forwarding, oldest first.")]
    [McpScope(McpScopes.Operate)]
    public ForwardingResult ResumeForwarding(
        RequestContext<CallToolRequestParams> request,
        [Description("Why (written to the audit log).")] string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var changed = Service<KafkaForwarder>("forwarding").Resume();
        if (changed)
        {
            audit.Changed(Caller(request), "resume_forwarding", "kafka", Why("resumed", reason));
        }

        return new ForwardingResult { Paused = false, Changed = changed };
    }

    /// <summary>The configuration with secrets redacted.</summary>
    [McpServerTool(Name = "get_config", Title = "Get the configuration", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("The configuration the gateway runs with (file, the latest configuration version layered on top, then EDGEGW__ environment overrides) and its version number, as JSON. Secrets (passwords, keys, token hashes) are replaced by \"***\" and listed in redacted.")]
    [McpScope(McpScopes.Read)]
    public ConfigResult GetConfig()
    {
        var configuration = services.GetService<ConfigurationLifecycle>()?.Current ?? services.GetRequiredService<GatewayConfiguration>();
        var redacted = new List<string>();
        return new ConfigResult { File = configuration.FilePath, Version = configuration.Version, Configuration = ConfigurationRedactor.ToJson(configuration.Root, redacted), Redacted = redacted };
    }

    private static McpProtocolException InvalidParams(string message) => new(message, McpErrorCode.InvalidParams);

    private static void CheckLimit(int limit)
    {
        if (limit is < 1 or > MaxPage)
        {
            throw InvalidParams($"limit: {limit} is out of range (1 to {MaxPage})");
        }
    }

    private static DeviceId ParseId(string id) =>
        DeviceId.IsValid(id, out var problem) ? new DeviceId(id) : throw InvalidParams($"id: {problem}");

    private static string Why(string what, string? reason) => string.IsNullOrWhiteSpace(reason) ? what : $"{what} ({Shorten(reason)})";

    private static string Shorten(string text) => text.Length <= 200 ? text : $"{text[..200]}...";

    private static DeadLetterSummary Summary(DeadLetter letter) => new()
    {
        Id = letter.Id,
        Reason = letter.Entry.Reason,
        Detail = letter.Entry.Detail,
        SourceKind = letter.Entry.SourceKind,
        SourceName = letter.Entry.SourceName,
        Channel = letter.Entry.Channel,
        Time = letter.Entry.Time,
        Size = letter.Entry.Raw.Length,
    };

    private T Service<T>(string what)
        where T : class =>
        services.GetService<T>() ?? throw new McpProtocolException(
            $"{what} cannot be reached from 'edge-gateway mcp' (stdio): the running service owns them; use its HTTP endpoint (Mcp:Http)",
            McpErrorCode.InvalidRequest);

    private string Caller(RequestContext<CallToolRequestParams> request) => McpCaller.NameOf(request.User, services);
}

/// <summary>Where the service writes its status file (read by <c>get_status</c> over stdio).</summary>
/// <param name="Path">The file.</param>
public sealed record StatusFileLocation(string Path);

/// <summary>The result of <c>get_status</c>.</summary>
public sealed record StatusResult
{
    /// <summary>True when taken now by the running gateway; false when read from its status file (stdio).</summary>
    [Description("True when taken now by the running gateway; false when read from the status file it writes.")]
    public required bool Live { get; init; }

    /// <summary>The status file read, when not live.</summary>
    [Description("The status file read, when not live.")]
    public string? StatusFile { get; init; }

    /// <summary>Whether forwarding is paused (unknown when not live).</summary>
    [Description("Whether forwarding to Kafka is paused (absent when not live).")]
    public bool? ForwardingPaused { get; init; }

    /// <summary>The snapshot.</summary>
    [Description("The snapshot: same fields as 'edge-gateway status --json'.")]
    public required GatewayStatus Status { get; init; }
}

/// <summary>The result of <c>list_devices</c>.</summary>
public sealed record DeviceListResult
{
    /// <summary>Devices in the registry.</summary>
    [Description("Devices in the registry.")]
    public required int Total { get; init; }

    /// <summary>Devices matching the filters.</summary>
    [Description("Devices matching the filters (before paging).")]
    public required int Matching { get; init; }

    /// <summary>True when more matching devices follow.</summary>
    [Description("True when more matching devices follow: call again with afterId = the last id.")]
    public required bool More { get; init; }

    /// <summary>The page.</summary>
    [Description("The devices, ordered by id.")]
    public required IReadOnlyList<DeviceDocument> Devices { get; init; }
}

/// <summary>The result of <c>upsert_device</c>.</summary>
public sealed record UpsertDeviceResult
{
    /// <summary>False when the record was identical (same revision).</summary>
    [Description("False when the record was already identical (nothing changed, same revision).")]
    public required bool Changed { get; init; }

    /// <summary>The revision before, or null for a new device.</summary>
    [Description("The revision before the change; absent for a new device.")]
    public long? PreviousRevision { get; init; }

    /// <summary>The record now.</summary>
    [Description("The device's record now, with its revision.")]
    public required DeviceDocument Device { get; init; }
}

/// <summary>The result of <c>remove_device</c>.</summary>
public sealed record RemoveDeviceResult
{
    /// <summary>The device.</summary>
    [Description("The device id.")]
    public required string Id { get; init; }

    /// <summary>False when it was not in the registry.</summary>
    [Description("False when it was not in the registry.")]
    public required bool Removed { get; init; }

    /// <summary>Its last revision.</summary>
    [Description("Its last revision (still resolvable for past readings).")]
    public long? LastRevision { get; init; }
}

/// <summary>The result of <c>get_buffer_statistics</c>.</summary>
public sealed record BufferStatisticsResult
{
    /// <summary>The buffer.</summary>
    [Description("The buffer: same fields as the buffer part of the status.")]
    public required BufferStatus Buffer { get; init; }

    /// <summary>Whether forwarding is paused.</summary>
    [Description("Whether forwarding to Kafka is paused.")]
    public required bool ForwardingPaused { get; init; }
}

/// <summary>A dead letter without its payload.</summary>
public sealed record DeadLetterSummary
{
    /// <summary>Id.</summary>
    [Description("Id: increasing, never reused.")]
    public required long Id { get; init; }

    /// <summary>Reason code.</summary>
    [Description("Reason code, e.g. undecodable, unknown-device, buffer-full, rejected-batch.")]
    public required string Reason { get; init; }

    /// <summary>Explanation.</summary>
    [Description("Explanation (parser error, broker error).")]
    public string? Detail { get; init; }

    /// <summary>Source kind.</summary>
    [Description("What produced it: mqtt, serial, gpio, kafka, buffer.")]
    public required string SourceKind { get; init; }

    /// <summary>Source name.</summary>
    [Description("The configured name of the source or stage.")]
    public required string SourceName { get; init; }

    /// <summary>Channel.</summary>
    [Description("Where within the source: MQTT topic, serial device, Kafka topic.")]
    public required string Channel { get; init; }

    /// <summary>When.</summary>
    [Description("When it was dead-lettered (UTC).")]
    public required DateTimeOffset Time { get; init; }

    /// <summary>Payload size.</summary>
    [Description("Payload size in bytes.")]
    public required int Size { get; init; }
}

/// <summary>The result of <c>list_dead_letters</c>.</summary>
public sealed record DeadLetterListResult
{
    /// <summary>The page.</summary>
    [Description("Dead letters, oldest first.")]
    public required IReadOnlyList<DeadLetterSummary> DeadLetters { get; init; }

    /// <summary>Cursor for the next page.</summary>
    [Description("Pass as afterId for the next page; absent when this was the last.")]
    public long? NextAfterId { get; init; }
}

/// <summary>The result of <c>get_dead_letter</c>.</summary>
public sealed record DeadLetterDetail
{
    /// <summary>The dead letter.</summary>
    [Description("Reason, origin, time, size.")]
    public required DeadLetterSummary Summary { get; init; }

    /// <summary>The payload, base64.</summary>
    [Description("The raw payload, base64.")]
    public required string PayloadBase64 { get; init; }

    /// <summary>The payload as text when valid UTF-8.</summary>
    [Description("The raw payload as text; absent when it is not valid UTF-8.")]
    public string? PayloadText { get; init; }
}

/// <summary>The result of <c>pause_forwarding</c> / <c>resume_forwarding</c>.</summary>
public sealed record ForwardingResult
{
    /// <summary>Paused now.</summary>
    [Description("Whether forwarding is paused now.")]
    public required bool Paused { get; init; }

    /// <summary>False when it already was in that state.</summary>
    [Description("False when it already was in that state.")]
    public required bool Changed { get; init; }
}

/// <summary>The result of <c>get_config</c>.</summary>
public sealed record ConfigResult
{
    /// <summary>The file.</summary>
    [Description("The configuration file.")]
    public required string File { get; init; }

    /// <summary>The configuration version.</summary>
    [Description("The configuration version in force (0 = the file alone): pass it as baseVersion to apply_config.")]
    public long Version { get; init; }

    /// <summary>The configuration.</summary>
    [Description("The merged configuration (values as strings, lists as arrays), secrets replaced by ***.")]
    public required JsonObject Configuration { get; init; }

    /// <summary>The keys redacted.</summary>
    [Description("The keys whose values were replaced.")]
    public required IReadOnlyList<string> Redacted { get; init; }
}
