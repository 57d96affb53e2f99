using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace EdgeGateway.Kafka.Mcp;

/// <summary>
/// The record layout of MCP over Kafka. A request record goes to the control topic with key = the
/// gateway id it is addressed to; the answer comes back on the reply topic with the same key. The
/// value is one JSON-RPC message (UTF-8, no batches); headers carry the client's session id, its bearer
/// token, and the close signal. The session id keeps one MCP server per client session on the
/// gateway: JSON-RPC ids start at 1 in every client, so two clients must never share one server.
/// </summary>
public static class KafkaMcpWire
{
    /// <summary>Header: the client session (a random id the client chooses, 8-64 of A-Z a-z 0-9 - _).</summary>
    public const string SessionHeader = "mcp-session-id";

    /// <summary>Header: <c>Bearer TOKEN</c>, checked against the gateway's token list on every record.</summary>
    public const string AuthorizationHeader = "mcp-authorization";

    /// <summary>Header: <c>close</c> ends the session (empty value).</summary>
    public const string ControlHeader = "mcp-control";

    /// <summary>The value of <see cref="ControlHeader"/> that ends a session.</summary>
    public const string CloseControl = "close";

    /// <summary>Header: the value's content type.</summary>
    public const string ContentTypeHeader = "content-type";

    /// <summary>The content type of every value.</summary>
    public const string ContentType = "application/json";

    /// <summary>The encoded message.</summary>
    public static byte[] Serialize(JsonRpcMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)));

    /// <summary>The message in <paramref name="value"/>.</summary>
    /// <exception cref="JsonException">It is not one JSON-RPC message.</exception>
    public static JsonRpcMessage Deserialize(ReadOnlySpan<byte> value) =>
        (JsonRpcMessage?)JsonSerializer.Deserialize(value, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)))
        ?? throw new JsonException("the value is null");

    /// <summary>True when <paramref name="sessionId"/> is an acceptable session id.</summary>
    public static bool IsValidSessionId(string? sessionId) =>
        sessionId is { Length: >= 8 and <= 64 } && sessionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The token of a <c>Bearer TOKEN</c> header value, or null.</summary>
    public static string? BearerToken(string? header) =>
        header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
}
