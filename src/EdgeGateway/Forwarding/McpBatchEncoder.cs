using System.Buffers;
using System.Text;
using System.Text.Json;
using EdgeGateway.Context;
using EdgeGateway.Domain;

namespace EdgeGateway.Forwarding;

/// <summary>
/// Turns a <see cref="Batch"/> into one Kafka record: a self-contained MCP JSON-RPC <c>tools/call</c>
/// request for the cloud processor's ingest tool (see WIRE-FORMAT.md next to this file). Each device's
/// context travels once per batch; readings are compact objects that refer to it by device id. The values
/// of metrics a context marks as personal data (<c>personalData</c>) are encrypted (<see cref="FieldEncryptor"/>);
/// without an encryptor such a batch is refused rather than sent in plaintext.
/// </summary>
public sealed class McpBatchEncoder
{
    /// <summary>The version of the batch arguments' schema (header <c>edge-schema-version</c>).</summary>
    public const int SchemaVersion = 2;

    /// <summary>The MCP protocol revision the records declare: the stateless one, so no session is needed.</summary>
    public const string McpProtocolVersion = "2026-07-28";

    /// <summary>The content type of the record value.</summary>
    public const string ContentType = "application/json";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = true };

    // Computed once: the flags and their wire names, rather than per reading.
    private static readonly (ReadingQuality Flag, string Name)[] QualityNames =
        [.. Enum.GetValues<ReadingQuality>().Where(f => f != ReadingQuality.None).Select(f => (f, Configuration.KebabCaseEnumConverter.ToKebabCase(f.ToString())))];

    // A context revision never changes, so its JSON is encoded once rather than in every batch
    // (a batch of 400 readings carries ~100 contexts); entries go with their DeviceContext.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DeviceContext, byte[]> ContextJson = [];
    private readonly string _toolName;
    private readonly string _clientVersion;
    private readonly FieldEncryptor? _encryptor;

    // Reused from batch to batch (a record is ~100 KB at full batches): growing a fresh buffer for each
    // one put two or three large-object-heap arrays per batch on the GC. Guarded by itself.
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);

    /// <summary>Creates an encoder for the ingest tool <paramref name="toolName"/>.</summary>
    /// <param name="toolName">The cloud processor's ingest tool.</param>
    /// <param name="clientVersion">The gateway's version, in <c>_meta</c>.</param>
    /// <param name="encryptor">Encrypts personal-data values; null when no key is configured.</param>
    public McpBatchEncoder(string toolName, string clientVersion, FieldEncryptor? encryptor = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(toolName);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientVersion);
        _toolName = toolName;
        _clientVersion = clientVersion;
        _encryptor = encryptor;
    }

    /// <summary>Encodes a batch. <paramref name="traceParent"/> is a W3C trace context, if the batch is traced.</summary>
    /// <exception cref="InvalidOperationException">The batch holds personal-data values and there is no encryptor.</exception>
    public EncodedBatch Encode(Batch batch, string? traceParent = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var encryptor = RequiredEncryptor(batch);
        lock (_buffer)
        {
            _buffer.ResetWrittenCount();
            Write(_buffer, batch, encryptor, traceParent);
            return new EncodedBatch(batch.GatewayId, _buffer.WrittenSpan.ToArray(), Headers(batch, encryptor));
        }
    }

    private void Write(ArrayBufferWriter<byte> buffer, Batch batch, FieldEncryptor? encryptor, string? traceParent)
    {
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            var id = batch.Id.ToString("D");
            json.WriteStartObject();
            json.WriteString("jsonrpc"u8, "2.0");
            json.WriteString("id"u8, id);
            json.WriteString("method"u8, "tools/call");
            json.WriteStartObject("params"u8);
            json.WriteString("name"u8, _toolName);
            WriteArguments(json, batch, encryptor);
            json.WriteStartObject("_meta"u8);
            json.WriteString("io.modelcontextprotocol/protocolVersion"u8, McpProtocolVersion);
            json.WriteStartObject("io.modelcontextprotocol/clientInfo"u8);
            json.WriteString("name"u8, "edge-gateway");
            json.WriteString("version"u8, _clientVersion);
            json.WriteEndObject();
            json.WriteStartObject("io.modelcontextprotocol/clientCapabilities"u8);
            json.WriteEndObject();
            if (traceParent is not null)
            {
                json.WriteString("traceparent"u8, traceParent);
            }

            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }
    }

    private static List<KeyValuePair<string, string>> Headers(Batch batch, FieldEncryptor? encryptor)
    {
        List<KeyValuePair<string, string>> headers =
        [
            new("content-type", ContentType),
            new("mcp-method", "tools/call"),
            new("edge-batch-id", batch.Id.ToString("D")),
            new("edge-schema-version", SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ];
        if (encryptor is not null)
        {
            headers.Add(new("edge-key-id", encryptor.KeyId));
        }

        return headers;
    }

    /// <summary>True when the context marks <paramref name="reading"/>'s metric as personal data.</summary>
    internal static bool IsPersonal(Reading reading, DeviceContext? context) =>
        context is not null && context.PersonalDataFields.Contains(reading.Metric);

    // The encryptor when some value must be encrypted, null when none must; never a silent plaintext fallback.
    private FieldEncryptor? RequiredEncryptor(Batch batch)
    {
        foreach (var reading in batch.Readings)
        {
            if (IsPersonal(reading, batch.Contexts.GetValueOrDefault(reading.DeviceId)))
            {
                return _encryptor ?? throw new InvalidOperationException(
                    $"Device '{reading.DeviceId}' marks metric '{reading.Metric}' as personal data, but no encryption key is configured "
                    + $"({EncryptionOptions.SectionName}:{nameof(EncryptionOptions.KeysFile)}); the batch is not sent in plaintext.");
            }
        }

        return null;
    }

    private static void WriteArguments(Utf8JsonWriter json, Batch batch, FieldEncryptor? encryptor)
    {
        json.WriteStartObject("arguments"u8);
        json.WriteNumber("schemaVersion"u8, SchemaVersion);
        json.WriteStartObject("batch"u8);
        json.WriteString("id"u8, batch.Id.ToString("D"));
        json.WriteString("gatewayId"u8, batch.GatewayId);
        json.WriteNumber("firstSequence"u8, batch.SequenceRange.First);
        json.WriteNumber("lastSequence"u8, batch.SequenceRange.Last);
        json.WriteString("createdAt"u8, batch.CreatedAt.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteNumber("readingCount"u8, batch.Readings.Length);
        if (encryptor is not null)
        {
            json.WriteString("keyId"u8, encryptor.KeyId);
        }

        json.WriteEndObject();

        json.WriteStartArray("devices"u8);
        foreach (var context in batch.Contexts.Values.OrderBy(c => c.DeviceId))
        {
            json.WriteRawValue(ContextJson.GetValue(context, EncodeContext), skipInputValidation: true);
        }

        json.WriteEndArray();

        json.WriteStartArray("readings"u8);
        foreach (var reading in batch.Readings)
        {
            WriteReading(json, batch.GatewayId, reading, batch.Contexts.GetValueOrDefault(reading.DeviceId), encryptor);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static byte[] EncodeContext(DeviceContext context) =>
        JsonSerializer.SerializeToUtf8Bytes(DeviceDocumentMapper.ToDocument(context), ContextJsonContext.Default.DeviceDocument);

    private static void WriteReading(Utf8JsonWriter json, string gatewayId, Reading reading, DeviceContext? context, FieldEncryptor? encryptor)
    {
        json.WriteStartObject();
        json.WriteString("d"u8, reading.DeviceId.Value);
        json.WriteString("m"u8, reading.Metric);
        if (encryptor is not null && IsPersonal(reading, context))
        {
            json.WriteString("e"u8, encryptor.Encrypt(
                reading.Value,
                gatewayId,
                reading.DeviceId.Value,
                reading.Sequence,
                reading.ReceivedAt.ToUnixTimeMilliseconds(),
                reading.EventTime?.ToUnixTimeMilliseconds(),
                reading.Metric));
        }
        else
        {
            json.WriteNumber("v"u8, reading.Value);
        }

        // The unit is left out when the device's context already states it for this metric.
        var contextUnit = context?.Metrics.GetValueOrDefault(reading.Metric)?.Unit;
        if (reading.Unit is not null && !string.Equals(reading.Unit, contextUnit, StringComparison.Ordinal))
        {
            json.WriteString("u"u8, reading.Unit);
        }

        if (reading.EventTime is { } eventTime)
        {
            json.WriteNumber("t"u8, eventTime.ToUnixTimeMilliseconds());
        }

        json.WriteNumber("r"u8, reading.ReceivedAt.ToUnixTimeMilliseconds());
        json.WriteNumber("s"u8, reading.Sequence);
        if (reading.Quality != ReadingQuality.None)
        {
            json.WriteStartArray("q"u8);
            foreach (var (flag, name) in QualityNames)
            {
                if ((reading.Quality & flag) != 0)
                {
                    json.WriteStringValue(name);
                }
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }
}

/// <summary>One Kafka record ready to produce.</summary>
/// <param name="Key">The record key: the gateway id (keeps a gateway's batches in order on one partition).</param>
/// <param name="Value">The JSON-RPC request, UTF-8.</param>
/// <param name="Headers">Content type, MCP method, batch id, schema version.</param>
public sealed record EncodedBatch(string Key, byte[] Value, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    /// <summary>The key as UTF-8 bytes.</summary>
    public byte[] KeyBytes => Encoding.UTF8.GetBytes(Key);
}
