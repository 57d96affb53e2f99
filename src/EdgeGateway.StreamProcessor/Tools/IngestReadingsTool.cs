using System.Text.Json;
using EdgeGateway.StreamProcessor.Ingest;
using EdgeGateway.StreamProcessor.State;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EdgeGateway.StreamProcessor.Tools;

/// <summary>
/// The tool every gateway batch calls (<c>ingest_readings</c> by default). Its input schema is the
/// published <c>batch-arguments.schema.json</c>; arguments that violate it are answered with a JSON-RPC
/// error (-32602, invalid params) naming each violation, not with a tool result, because nothing in the
/// batch can be retried as it is. A failure of the state store is a JSON-RPC internal error (-32603):
/// the batch is then retried, never acknowledged. Encrypted values are decrypted with the processor's keys;
/// those it cannot decrypt (no key with the batch's key id, or a tag that does not verify) are left out
/// of windows and alerts, counted, and reported once per key id; the rest of the batch is processed.
/// </summary>
internal sealed partial class IngestReadingsTool : McpServerTool
{
    private const int MaxListedProblems = 10;
    private readonly ProcessorState _state;
    private readonly FieldKeys _keys;
    private readonly ILogger _logger;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string KeyId, DecryptionStatus Status), bool> _reported = new();

    /// <summary>Creates the tool named <paramref name="name"/> over <paramref name="state"/>.</summary>
    /// <param name="name">The tool's name.</param>
    /// <param name="state">The processor's state.</param>
    /// <param name="keys">The field-encryption keys (<see cref="FieldKeys.None"/> without <c>--keys-file</c>).</param>
    /// <param name="logger">Where undecryptable values are reported.</param>
    public IngestReadingsTool(string name, ProcessorState state, FieldKeys keys, ILogger logger)
    {
        _state = state;
        _keys = keys;
        _logger = logger;
        ProtocolTool = new Tool
        {
            Name = name,
            Title = "Ingest a gateway batch",
            Description = "Ingests one batch of context-enriched sensor readings from an edge gateway: drops duplicates (batch id; device + sequence + metric), "
                + "keeps each device's latest context and readings, updates event-time tumbling windows and threshold alerts. "
                + "Returns how many readings were accepted, dropped as duplicates, and too late for their window.",
            InputSchema = BatchSchema.Element,
            Annotations = new ToolAnnotations { ReadOnlyHint = false, DestructiveHint = false, IdempotentHint = true, OpenWorldHint = false },
        };
    }

    /// <inheritdoc />
    public override Tool ProtocolTool { get; }

    /// <inheritdoc />
    public override IReadOnlyList<object> Metadata { get; } = [];

    /// <inheritdoc />
    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var arguments = ToElement(request.Params?.Arguments);
        var problems = BatchSchema.Validate(arguments);
        IngestBatch batch;
        try
        {
            if (problems.Count > 0)
            {
                throw new FormatException(string.Join("; ", problems.Take(MaxListedProblems)) + (problems.Count > MaxListedProblems ? $"; and {problems.Count - MaxListedProblems} more" : string.Empty));
            }

            batch = IngestBatch.Parse(arguments, _keys);
        }
        catch (FormatException error)
        {
            throw new McpProtocolException($"The batch violates batch-arguments.schema.json (schema version 2): {error.Message}", McpErrorCode.InvalidParams);
        }

        IngestOutcome outcome;
        try
        {
            outcome = _state.Ingest(batch);
        }
        catch (Exception error) when (error is Microsoft.Data.Sqlite.SqliteException or IOException or InvalidOperationException)
        {
            throw new McpProtocolException($"The processor could not store batch {batch.Id}: {error.Message}", error, McpErrorCode.InternalError);
        }

        var result = new Dictionary<string, object>
        {
            ["batchId"] = outcome.BatchId,
            ["duplicateBatch"] = outcome.DuplicateBatch,
            ["accepted"] = outcome.Accepted,
            ["duplicates"] = outcome.Duplicates,
            ["late"] = outcome.Late,
            ["windowsClosed"] = outcome.WindowsClosed,
            ["alertsChanged"] = outcome.AlertsChanged,
        };
        if (outcome.Encrypted is { } encrypted)
        {
            result["keyId"] = encrypted.KeyId;
            result["decrypted"] = encrypted.Decrypted;
            result["encryptedWithoutKey"] = encrypted.WithoutKey;
            result["decryptionFailed"] = encrypted.Failed;
            Report(batch.Id, encrypted);
        }

        var structured = JsonSerializer.SerializeToElement(result, ProcessorJson.Options);
        return ValueTask.FromResult(new CallToolResult
        {
            Content = [new TextContentBlock { Text = structured.GetRawText() }],
            StructuredContent = structured,
        });
    }

    // Once per key id and cause: the counters (get_counters) carry the running totals.
    private void Report(string batchId, EncryptedValues encrypted)
    {
        if (encrypted.WithoutKey > 0 && _reported.TryAdd((encrypted.KeyId, DecryptionStatus.NoKey), true))
        {
            LogWithoutKey(_logger, encrypted.WithoutKey, batchId, encrypted.KeyId);
        }

        if (encrypted.Failed > 0 && _reported.TryAdd((encrypted.KeyId, DecryptionStatus.Failed), true))
        {
            LogDecryptionFailed(_logger, encrypted.KeyId, encrypted.Failed, batchId);
        }
    }

    [LoggerMessage(EventId = 1470, Level = LogLevel.Warning, Message = "Encrypted values without key: {Count} in batch {BatchId}, kid={KeyId} (no such key in --keys-file); they are left out of windows and alerts, the other readings are processed. Further ones are counted (encrypted_without_key), not logged")]
    private static partial void LogWithoutKey(ILogger logger, int count, string batchId, string keyId);

    [LoggerMessage(EventId = 1471, Level = LogLevel.Error, Message = "Decryption failed for kid {KeyId} (wrong key?): {Count} values in batch {BatchId} did not authenticate; they are left out, the other readings are processed. Further ones are counted (decryption_failed), not logged")]
    private static partial void LogDecryptionFailed(ILogger logger, string keyId, int count, string batchId);

    private static JsonElement ToElement(IDictionary<string, JsonElement>? arguments) =>
        JsonSerializer.SerializeToElement(arguments ?? new Dictionary<string, JsonElement>(), ProcessorJson.Options);
}
