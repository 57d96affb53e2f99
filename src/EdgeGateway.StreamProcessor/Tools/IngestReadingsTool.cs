using System.Text.Json;
using EdgeGateway.StreamProcessor.Ingest;
using EdgeGateway.StreamProcessor.State;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EdgeGateway.StreamProcessor.Tools;

/// <summary>
/// The tool every gateway batch calls (<c>ingest_readings</c> by default). Its input schema is the
/// published <c>batch-arguments.schema.json</c>; arguments that violate it are answered with a JSON-RPC
/// error (-32602, invalid params) naming each violation, not with a tool result, because nothing in the
/// batch can be retried as it is. A failure of the state store is a JSON-RPC internal error (-32603):
/// the batch is then retried, never acknowledged.
/// </summary>
internal sealed class IngestReadingsTool : McpServerTool
{
    private const int MaxListedProblems = 10;
    private readonly ProcessorState _state;

    /// <summary>Creates the tool named <paramref name="name"/> over <paramref name="state"/>.</summary>
    public IngestReadingsTool(string name, ProcessorState state)
    {
        _state = state;
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

            batch = IngestBatch.Parse(arguments);
        }
        catch (FormatException error)
        {
            throw new McpProtocolException($"The batch violates batch-arguments.schema.json (schema version 1): {error.Message}", McpErrorCode.InvalidParams);
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

        var structured = JsonSerializer.SerializeToElement(
            new Dictionary<string, object>
            {
                ["batchId"] = outcome.BatchId,
                ["duplicateBatch"] = outcome.DuplicateBatch,
                ["accepted"] = outcome.Accepted,
                ["duplicates"] = outcome.Duplicates,
                ["late"] = outcome.Late,
                ["windowsClosed"] = outcome.WindowsClosed,
                ["alertsChanged"] = outcome.AlertsChanged,
            },
            ProcessorJson.Options);
        return ValueTask.FromResult(new CallToolResult
        {
            Content = [new TextContentBlock { Text = structured.GetRawText() }],
            StructuredContent = structured,
        });
    }

    private static JsonElement ToElement(IDictionary<string, JsonElement>? arguments) =>
        JsonSerializer.SerializeToElement(arguments ?? new Dictionary<string, JsonElement>(), ProcessorJson.Options);
}
