using System.ComponentModel;
using System.Net.Sockets;
using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Context;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Pipeline;
using EdgeGateway.Sources;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EdgeGateway.Operations;

/// <summary>
/// MCP tools that act on devices and on the gateway's stored data: a device's sampling interval
/// (a command to the device), its recent readings in the buffer, and replaying or purging dead
/// letters. Same rules as <see cref="GatewayTools"/>: a declared scope each, invalid arguments refused
/// with an error naming them before anything changes, every change audited.
/// </summary>
/// <param name="services">The gateway's services; the pipeline's parts are absent over stdio.</param>
/// <param name="audit">The audit log.</param>
[McpServerToolType]
public sealed class GatewayMaintenanceTools(IServiceProvider services, McpAudit audit)
{
    /// <summary>The shortest sampling interval a device may be set to.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest sampling interval a device may be set to.</summary>
    public static readonly TimeSpan MaximumInterval = TimeSpan.FromDays(1);

    /// <summary>How many of the newest buffer rows <c>get_recent_readings</c> looks through (bounds the cost on a large backlog).</summary>
    public const int RecentScanRows = 200_000;

    /// <summary>Sets a device's sampling interval.</summary>
    [McpServerTool(Name = "set_sampling_interval", Title = "Set a device's sampling interval", Destructive = false, Idempotent = true, OpenWorld = true, UseStructuredContent = true)]
    [Description("Tells an MQTT device to sample at a new interval: publishes {\"samplingInterval\": \"...\"} (QoS 1) on its command topic (Mqtt:CommandTopic, by default the topic it last published a reading on + /cmd) and waits for the broker's acknowledgement. The device must have sent a reading since the gateway started. When the device's context lists metrics, their samplingInterval is updated too (a new revision).")]
    [McpScope(McpScopes.Operate)]
    public async Task<SamplingIntervalResult> SetSamplingIntervalAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("The device id.")] string id,
        [Description("The new interval: a duration such as 500ms, 5s, 10m, 1h (100ms to 1d).")] string interval,
        [Description("Why (written to the audit log).")] string? reason = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var deviceId = ParseId(id);
        if (!DurationConverter.TryParse(interval, out var parsed))
        {
            throw InvalidParams($"interval: '{interval}' is not a duration (e.g. 500ms, 5s, 10m)");
        }

        if (parsed < MinimumInterval || parsed > MaximumInterval)
        {
            throw InvalidParams($"interval: {DurationConverter.Format(parsed)} is out of range ({DurationConverter.Format(MinimumInterval)} to {DurationConverter.Format(MaximumInterval)})");
        }

        var registry = services.GetRequiredService<DeviceRegistry>();
        var origin = Service<DeviceOrigins>("device commands").Find(deviceId);
        if (origin is null)
        {
            throw InvalidParams(registry.Find(deviceId) is null
                ? $"id: device '{id}' is not in the registry and has sent nothing"
                : $"id: device '{id}' has sent no reading since the gateway started, so its command topic is not known yet");
        }

        if (origin.SourceKind != SourceKind.Mqtt)
        {
            throw InvalidParams($"id: device '{id}' reads over {origin.SourceKind.ToString().ToLowerInvariant()} ({origin.Channel}); only MQTT devices take commands");
        }

        var publisher = services.GetRequiredService<DeviceCommandPublisher>();
        var topic = publisher.CommandTopic(origin.Channel, id);
        var text = DurationConverter.Format(parsed);
        var payload = $$"""{"samplingInterval":"{{text}}"}""";
        try
        {
            await publisher.PublishAsync(topic, payload, cancellationToken);
        }
        catch (Exception error) when (error is MqttClientException or IOException or SocketException or TimeoutException or InvalidOperationException)
        {
            throw new McpProtocolException($"the command could not be published on '{topic}': {error.Message}", McpErrorCode.InternalError);
        }

        // The context records the interval where it lists metrics, so batches say how often the device samples.
        var before = registry.Find(deviceId);
        long? revision = before?.Revision;
        var contextChanged = false;
        if (before is not null && !before.IsProvisional && DeviceDocumentMapper.ToDocument(before) is { Metrics.Count: > 0 } document)
        {
            var metrics = document.Metrics!.ToDictionary(m => m.Key, m => m.Value with { SamplingInterval = text }, StringComparer.Ordinal);
            var after = await registry.UpsertAsync(document with { Metrics = metrics, Revision = null, UpdatedAt = null }, cancellationToken);
            contextChanged = after.Revision != before.Revision;
            revision = after.Revision;
        }

        audit.Changed(
            Caller(request),
            "set_sampling_interval",
            id,
            Why($"{text} published on {topic}{(contextChanged ? $", context revision {before!.Revision} -> {revision}" : string.Empty)}", reason));
        return new SamplingIntervalResult
        {
            Id = id,
            Interval = text,
            CommandTopic = topic,
            Payload = payload,
            ContextChanged = contextChanged,
            Revision = revision,
        };
    }

    /// <summary>A device's readings still in the buffer.</summary>
    [McpServerTool(Name = "get_recent_readings", Title = "Recent readings of a device", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("A device's most recent readings that are still in the durable buffer (not yet forwarded to Kafka, or in flight), newest first, with value, unit, event and receive times, quality flags and the context revision applied. Readings leave the buffer once Kafka has them, so with a healthy uplink only the last few seconds are here.")]
    [McpScope(McpScopes.Read)]
    public async Task<RecentReadingsResult> GetRecentReadingsAsync(
        [Description("The device id.")] string id,
        [Description("Only this metric (e.g. pm2_5).")] string? metric = null,
        [Description("The most readings to return, 1-500.")] int limit = 50,
        CancellationToken cancellationToken = default)
    {
        var deviceId = ParseId(id);
        if (limit is < 1 or > GatewayTools.MaxPage)
        {
            throw InvalidParams($"limit: {limit} is out of range (1 to {GatewayTools.MaxPage})");
        }

        var path = services.GetRequiredService<IOptions<BufferOptions>>().Value.Path;
        if (!File.Exists(path))
        {
            throw new McpProtocolException($"the buffer file '{path}' does not exist; has the gateway run yet?", McpErrorCode.InternalError);
        }

        // A connection of its own: SQLite's WAL mode lets it read beside the buffer's writer without blocking it.
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false, DefaultTimeout = 5 }.ToString();
        var readings = new List<RecentReading>();
        long scanned;
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText =
                """
                SELECT sequence, lane, payload FROM readings
                WHERE device_id = $device AND sequence > (SELECT last_sequence FROM buffer_state WHERE id = 1) - $window
                ORDER BY sequence DESC
                """;
            command.Parameters.AddWithValue("$device", deviceId.Value);
            command.Parameters.AddWithValue("$window", RecentScanRows);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            scanned = 0;
            while (readings.Count < limit && await reader.ReadAsync(cancellationToken))
            {
                scanned++;
                var reading = ReadingSerializer.Deserialize((byte[])reader.GetValue(2));
                if (metric is not null && !string.Equals(reading.Metric, metric, StringComparison.Ordinal))
                {
                    continue;
                }

                readings.Add(new RecentReading
                {
                    Metric = reading.Metric,
                    Value = reading.Value,
                    Unit = reading.Unit,
                    Time = reading.EventTime,
                    ReceivedAt = reading.ReceivedAt,
                    Sequence = reading.Sequence,
                    Quality = reading.Quality == ReadingQuality.None ? [] : [.. reading.Quality.ToString().Split(", ")],
                    ContextRevision = reading.ContextRevision,
                    Priority = reader.GetInt32(1) == (int)BufferLane.Priority,
                });
            }
        }

        return new RecentReadingsResult { Id = id, Readings = readings, More = readings.Count == limit };
    }

    /// <summary>Replays dead letters through the pipeline.</summary>
    [McpServerTool(Name = "replay_dead_letters", Title = "Replay dead letters", Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Feeds stored MQTT dead letters through the MQTT subscriptions in force now (their decoders) and device registry again (e.g. after adding a device or fixing a decoder). A letter that now decodes into accepted readings is buffered and then removed; one that still fails stays, with the reason. Pick letters by ids, or by reason (oldest first, up to limit). Other kinds (serial, Kafka-rejected batches) are skipped.")]
    [McpScope(McpScopes.Operate)]
    public async Task<ReplayResult> ReplayDeadLettersAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("The dead letters to replay (from list_dead_letters), at most 500.")] List<long>? ids = null,
        [Description("Replay the oldest dead letters with this reason code instead (e.g. unknown-device, undecodable).")] string? reason = null,
        [Description("With reason: the most dead letters to replay, 1-500.")] int limit = 100,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckSelection(ids, reason, all: false, allowAll: false);
        if (limit is < 1 or > GatewayTools.MaxPage)
        {
            throw InvalidParams($"limit: {limit} is out of range (1 to {GatewayTools.MaxPage})");
        }

        var buffer = Service<ReadingBuffer>("dead letters");
        var ingestor = Service<ReadingIngestor>("the pipeline");
        var letters = await SelectAsync(buffer, ids, reason, limit, cancellationToken);
        var source = Service<MqttSource>("the MQTT source");
        var registry = services.GetRequiredService<DeviceRegistry>();
        var rejectUnknown = services.GetRequiredService<IOptions<ContextOptions>>().Value.UnknownDevices == UnknownDevicePolicy.Reject;
        var time = services.GetRequiredService<TimeProvider>();
        var items = new List<ReplayItem>();
        foreach (var (id, letter) in letters)
        {
            if (letter is null)
            {
                items.Add(new ReplayItem { Id = id, Outcome = ReplayOutcome.Missing, Detail = "no such dead letter" });
                continue;
            }

            var entry = letter.Entry;
            if (!string.Equals(entry.SourceKind, "mqtt", StringComparison.OrdinalIgnoreCase))
            {
                items.Add(new ReplayItem { Id = id, Outcome = ReplayOutcome.Skipped, Detail = $"only MQTT dead letters can be replayed (this one came from {entry.SourceKind})" });
                continue;
            }

            if (!source.TryMatch(entry.Channel, out var template, out var decoder))
            {
                items.Add(new ReplayItem { Id = id, Outcome = ReplayOutcome.Failed, Detail = $"no Mqtt:Subscriptions topic matches '{entry.Channel}' now" });
                continue;
            }

            var raw = new RawMessage(SourceKind.Mqtt, entry.SourceName, entry.Channel, entry.Raw, time.GetUtcNow());
            if (!template.TryGetDeviceId(entry.Channel, out var fromTopic, out var topicFailure))
            {
                items.Add(new ReplayItem { Id = id, Outcome = ReplayOutcome.Failed, Detail = topicFailure.ToString() });
                continue;
            }

            var decoded = decoder.Decode(raw, fromTopic);
            if (!decoded.IsSuccess)
            {
                items.Add(new ReplayItem { Id = id, Outcome = ReplayOutcome.Failed, Detail = decoded.Failure!.ToString() });
                continue;
            }

            var unknown = rejectUnknown ? decoded.Readings.Select(r => r.DeviceId).FirstOrDefault(d => registry.Find(d) is null) : default;
            if (unknown != default)
            {
                items.Add(new ReplayItem { Id = id, Outcome = ReplayOutcome.Failed, Detail = $"device '{unknown}' is still not in the registry (Context:UnknownDevices is reject)" });
                continue;
            }

            // Durable first, removed second: a crash in between replays it twice, never zero times.
            await ingestor.IngestAsync([new IngestItem(raw, decoder, template)], cancellationToken);
            await buffer.RemoveDeadLetterAsync(id, cancellationToken);
            items.Add(new ReplayItem { Id = id, Outcome = ReplayOutcome.Replayed, Readings = decoded.Readings.Length });
        }

        var replayed = items.Count(i => i.Outcome == ReplayOutcome.Replayed);
        if (replayed > 0)
        {
            audit.Changed(Caller(request), "replay_dead_letters", reason ?? $"{ids!.Count} ids", $"{replayed} of {items.Count} replayed");
        }

        return new ReplayResult
        {
            Replayed = replayed,
            Failed = items.Count(i => i.Outcome is ReplayOutcome.Failed or ReplayOutcome.Missing),
            Skipped = items.Count(i => i.Outcome == ReplayOutcome.Skipped),
            Items = items,
        };
    }

    /// <summary>Deletes dead letters.</summary>
    [McpServerTool(Name = "purge_dead_letters", Title = "Purge dead letters", Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Deletes stored dead letters for good: the given ids, or every one with a reason code, or all of them (all: true). Inspect them first with list_dead_letters / get_dead_letter; there is no undo.")]
    [McpScope(McpScopes.Admin)]
    public async Task<PurgeResult> PurgeDeadLettersAsync(
        RequestContext<CallToolRequestParams> request,
        [Description("The dead letters to delete, at most 500.")] List<long>? ids = null,
        [Description("Delete every dead letter with this reason code.")] string? reason = null,
        [Description("Delete every dead letter (needed, on purpose, when neither ids nor reason is given).")] bool all = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckSelection(ids, reason, all, allowAll: true);
        var buffer = Service<ReadingBuffer>("dead letters");
        var purged = 0;
        var missing = new List<long>();
        if (ids is { Count: > 0 })
        {
            foreach (var id in ids.Distinct())
            {
                if (await buffer.RemoveDeadLetterAsync(id, cancellationToken))
                {
                    purged++;
                }
                else
                {
                    missing.Add(id);
                }
            }
        }
        else
        {
            var cursor = 0L;
            while (true)
            {
                var page = await buffer.ListDeadLettersAsync(cursor, GatewayTools.MaxPage, cancellationToken);
                if (page.Count == 0)
                {
                    break;
                }

                cursor = page[^1].Id;
                foreach (var letter in page.Where(d => all || string.Equals(d.Entry.Reason, reason, StringComparison.Ordinal)))
                {
                    if (await buffer.RemoveDeadLetterAsync(letter.Id, cancellationToken))
                    {
                        purged++;
                    }
                }
            }
        }

        if (purged > 0)
        {
            audit.Changed(Caller(request), "purge_dead_letters", ids is { Count: > 0 } ? $"{ids.Count} ids" : all ? "all" : reason!, $"{purged} deleted");
        }

        return new PurgeResult { Purged = purged, NotFound = missing, Remaining = buffer.DeadLetterCount };
    }

    private static McpProtocolException InvalidParams(string message) => new(message, McpErrorCode.InvalidParams);

    private static DeviceId ParseId(string id) =>
        DeviceId.IsValid(id, out var problem) ? new DeviceId(id) : throw InvalidParams($"id: {problem}");

    private static string Why(string what, string? reason) => string.IsNullOrWhiteSpace(reason) ? what : $"{what} ({(reason.Length <= 200 ? reason : $"{reason[..200]}...")})";

    private static void CheckSelection(List<long>? ids, string? reason, bool all, bool allowAll)
    {
        var given = (ids is { Count: > 0 } ? 1 : 0) + (reason is not null ? 1 : 0) + (all ? 1 : 0);
        if (given != 1)
        {
            throw InvalidParams(allowAll ? "give exactly one of: ids, reason, all: true" : "give exactly one of: ids, reason");
        }

        if (ids is { Count: > GatewayTools.MaxPage })
        {
            throw InvalidParams($"ids: {ids.Count} given, at most {GatewayTools.MaxPage}");
        }

        if (ids is not null && ids.Exists(i => i < 1))
        {
            throw InvalidParams($"ids: {ids.Find(i => i < 1)} is not a dead letter id (they start at 1)");
        }

        if (reason is not null && string.IsNullOrWhiteSpace(reason))
        {
            throw InvalidParams("reason: must not be blank");
        }
    }

    private static async Task<List<(long Id, DeadLetter? Letter)>> SelectAsync(ReadingBuffer buffer, List<long>? ids, string? reason, int limit, CancellationToken cancellationToken)
    {
        var selected = new List<(long, DeadLetter?)>();
        if (ids is { Count: > 0 })
        {
            foreach (var id in ids.Distinct())
            {
                selected.Add((id, await buffer.GetDeadLetterAsync(id, cancellationToken)));
            }

            return selected;
        }

        var cursor = 0L;
        while (selected.Count < limit)
        {
            var page = await buffer.ListDeadLettersAsync(cursor, GatewayTools.MaxPage, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            cursor = page[^1].Id;
            selected.AddRange(page.Where(d => string.Equals(d.Entry.Reason, reason, StringComparison.Ordinal)).Take(limit - selected.Count).Select(d => (d.Id, (DeadLetter?)d)));
        }

        return selected;
    }

    private T Service<T>(string what)
        where T : class =>
        services.GetService<T>() ?? throw new McpProtocolException(
            $"{what} cannot be reached from 'edge-gateway mcp' (stdio): the running service owns them; use its HTTP endpoint (Mcp:Http) or Kafka (Mcp:Kafka)",
            McpErrorCode.InvalidRequest);

    private string Caller(RequestContext<CallToolRequestParams> request) => McpCaller.NameOf(request.User, services);
}

/// <summary>The result of <c>set_sampling_interval</c>.</summary>
public sealed record SamplingIntervalResult
{
    /// <summary>The device.</summary>
    [Description("The device id.")]
    public required string Id { get; init; }

    /// <summary>The interval sent.</summary>
    [Description("The interval sent, normalised (e.g. 5s).")]
    public required string Interval { get; init; }

    /// <summary>Where it was published.</summary>
    [Description("The MQTT topic the command was published on.")]
    public required string CommandTopic { get; init; }

    /// <summary>What was published.</summary>
    [Description("The command's payload.")]
    public required string Payload { get; init; }

    /// <summary>Whether the context got a new revision.</summary>
    [Description("True when the device's context (its metrics' samplingInterval) changed and got a new revision.")]
    public required bool ContextChanged { get; init; }

    /// <summary>The context revision now.</summary>
    [Description("The device's context revision now; absent when it is not in the registry.")]
    public long? Revision { get; init; }
}

/// <summary>One reading of <c>get_recent_readings</c>.</summary>
public sealed record RecentReading
{
    /// <summary>Metric.</summary>
    [Description("The metric, e.g. pm2_5.")]
    public required string Metric { get; init; }

    /// <summary>Value.</summary>
    [Description("The value (calibrated, as forwarded).")]
    public required double Value { get; init; }

    /// <summary>Unit.</summary>
    [Description("The unit, when known.")]
    public string? Unit { get; init; }

    /// <summary>Event time.</summary>
    [Description("When the device took it (its clock), when the payload says.")]
    public DateTimeOffset? Time { get; init; }

    /// <summary>Receive time.</summary>
    [Description("When the gateway received it.")]
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The device's sequence number.</summary>
    [Description("The device's message sequence number.")]
    public required long Sequence { get; init; }

    /// <summary>Quality flags.</summary>
    [Description("Quality flags (e.g. ClockSkew, UnknownDevice, OutOfRange); empty when none.")]
    public required IReadOnlyList<string> Quality { get; init; }

    /// <summary>Context revision.</summary>
    [Description("The device context revision applied to it.")]
    public long? ContextRevision { get; init; }

    /// <summary>Priority lane.</summary>
    [Description("True when it travels in the priority lane (alerts).")]
    public required bool Priority { get; init; }
}

/// <summary>The result of <c>get_recent_readings</c>.</summary>
public sealed record RecentReadingsResult
{
    /// <summary>The device.</summary>
    [Description("The device id.")]
    public required string Id { get; init; }

    /// <summary>The readings.</summary>
    [Description("Readings still in the buffer, newest first.")]
    public required IReadOnlyList<RecentReading> Readings { get; init; }

    /// <summary>More may exist.</summary>
    [Description("True when the limit was reached (older ones may remain).")]
    public required bool More { get; init; }
}

/// <summary>What happened to one dead letter in <c>replay_dead_letters</c>.</summary>
public static class ReplayOutcome
{
    /// <summary>Decoded and buffered; the dead letter is removed.</summary>
    public const string Replayed = "replayed";

    /// <summary>Still fails; kept.</summary>
    public const string Failed = "failed";

    /// <summary>Not a kind that can be replayed; kept.</summary>
    public const string Skipped = "skipped";

    /// <summary>No dead letter with that id.</summary>
    public const string Missing = "missing";
}

/// <summary>One dead letter of <c>replay_dead_letters</c>.</summary>
public sealed record ReplayItem
{
    /// <summary>Id.</summary>
    [Description("The dead letter's id.")]
    public required long Id { get; init; }

    /// <summary>Outcome.</summary>
    [Description("replayed (buffered, letter removed), failed (still fails, kept), skipped (not replayable, kept) or missing.")]
    public required string Outcome { get; init; }

    /// <summary>Why it failed or was skipped.</summary>
    [Description("Why it failed or was skipped.")]
    public string? Detail { get; init; }

    /// <summary>Readings buffered.</summary>
    [Description("Readings buffered from it.")]
    public int Readings { get; init; }
}

/// <summary>The result of <c>replay_dead_letters</c>.</summary>
public sealed record ReplayResult
{
    /// <summary>Replayed.</summary>
    [Description("Dead letters replayed and removed.")]
    public required int Replayed { get; init; }

    /// <summary>Failed.</summary>
    [Description("Dead letters that still fail (or do not exist); kept.")]
    public required int Failed { get; init; }

    /// <summary>Skipped.</summary>
    [Description("Dead letters of a kind that cannot be replayed; kept.")]
    public required int Skipped { get; init; }

    /// <summary>Per letter.</summary>
    [Description("What happened to each.")]
    public required IReadOnlyList<ReplayItem> Items { get; init; }
}

/// <summary>The result of <c>purge_dead_letters</c>.</summary>
public sealed record PurgeResult
{
    /// <summary>Deleted.</summary>
    [Description("Dead letters deleted.")]
    public required int Purged { get; init; }

    /// <summary>Ids not found.</summary>
    [Description("Given ids that did not exist.")]
    public required IReadOnlyList<long> NotFound { get; init; }

    /// <summary>Left.</summary>
    [Description("Dead letters stored now.")]
    public required long Remaining { get; init; }
}
