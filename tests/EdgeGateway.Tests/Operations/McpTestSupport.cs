using System.Text.Json;
using EdgeGateway.Operations;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Xunit;

namespace EdgeGateway.Tests.Operations;

/// <summary>Tokens, clients and result helpers shared by the MCP tests.</summary>
internal static class McpTestSupport
{
    public const string OperatorToken = "operator-token-7f3a9c";
    public const string ReaderToken = "reader-token-21b8e4";

    /// <summary>The <c>Mcp:Tokens</c> list for the two test tokens (stored hashed, as in production).</summary>
    public static string TokensJson => $$"""
        [
          { "Name": "ops-laptop", "Sha256": "{{McpTokenAuthenticator.Hash(OperatorToken)}}", "Scopes": [ "read", "operate", "admin" ] },
          { "Name": "dashboard", "Sha256": "{{McpTokenAuthenticator.Hash(ReaderToken)}}", "Scopes": [ "read" ] }
        ]
        """;

    public static Task<McpClient> ConnectHttpAsync(int port, string? token, ILoggerFactory loggerFactory, string? protocolVersion, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>();
        if (token is not null)
        {
            headers["Authorization"] = $"Bearer {token}";
        }

        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Endpoint = new Uri($"http://127.0.0.1:{port}{McpHttpServer.Path}"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = headers,
            },
            loggerFactory);
        return McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion }, loggerFactory, cancellationToken);
    }

    public static Dictionary<string, object?> Args(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
    }

    /// <summary>Calls a tool that must succeed and returns its structured result.</summary>
    public static async Task<JsonElement> CallAsync(McpClient client, string tool, string argumentsJson = "{}", CancellationToken cancellationToken = default)
    {
        var result = await client.CallToolAsync(tool, Args(argumentsJson), cancellationToken: cancellationToken);
        Assert.True(result.IsError is not true, $"{tool} failed: {Text(result)}");
        Assert.NotNull(result.StructuredContent);
        return JsonSerializer.SerializeToElement(result.StructuredContent);
    }

    /// <summary>Calls a tool that must fail with a tool error (isError) and returns its message.</summary>
    public static async Task<string> FailAsync(McpClient client, string tool, string argumentsJson = "{}", CancellationToken cancellationToken = default)
    {
        var result = await client.CallToolAsync(tool, Args(argumentsJson), cancellationToken: cancellationToken);
        Assert.True(result.IsError, $"{tool} did not fail: {Text(result)}");
        return Text(result);
    }

    public static string Text(CallToolResult result) => string.Join('\n', result.Content.OfType<TextContentBlock>().Select(c => c.Text));
}
