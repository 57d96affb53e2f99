using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EdgeGateway.Operations;

/// <summary>
/// The MCP Streamable HTTP endpoint at <c>/mcp</c> on Kestrel (from the shared framework; the SDK's
/// ASP.NET Core package is not used). Stateless: every POST gets a fresh transport and server over the
/// shared tools, so no session state is kept (GET and DELETE answer 405, which the spec allows).
/// Before a message reaches the SDK: the <c>Origin</c> header is checked (403), the bearer token
/// (401 with <c>WWW-Authenticate: Bearer</c>), <c>Accept</c> (406), <c>MCP-Protocol-Version</c> (400)
/// and the body (400).
/// </summary>
public sealed partial class McpHttpServer : IHostedService, IAsyncDisposable
{
    /// <summary>The endpoint's path.</summary>
    public const string Path = "/mcp";

    /// <summary>The protocol revisions the SDK (2.3.1) speaks.</summary>
    public static readonly IReadOnlySet<string> SupportedProtocolVersions = new HashSet<string>(StringComparer.Ordinal)
    {
        "2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28",
    };

    private readonly McpHttpOptions _options;
    private readonly McpTokenAuthenticator _tokens;
    private readonly McpAudit _audit;
    private readonly IServiceProvider _services;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private WebApplication? _app;

    /// <summary>Creates the endpoint (it listens only when <c>Mcp:Http:Enabled</c>).</summary>
    public McpHttpServer(IOptions<McpOptions> options, McpTokenAuthenticator tokens, McpAudit audit, IServiceProvider services, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value.Http;
        _tokens = tokens;
        _audit = audit;
        _services = services;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<McpHttpServer>();
    }

    /// <summary>The address it listens on once started, or null.</summary>
    public Uri? Address { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var uri = _options.ListenUri;
        (_app, _) = await Hosting.EmbeddedKestrel.StartAsync(
            "edge-gateway-mcp",
            uri,
            _loggerFactory,
            maxRequestBodySize: 4 * 1024 * 1024,
            HandleAsync,
            listen =>
            {
                if (uri.Scheme == Uri.UriSchemeHttps)
                {
                    listen.UseHttps(LoadCertificate());
                }
            });
        Address = uri;
        var url = $"{uri.GetLeftPart(UriPartial.Authority)}{Path}";
        LogListening(_logger, url, _tokens.Count);
        if (_tokens.Count == 0)
        {
            LogNoTokens(_logger);
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private X509Certificate2 LoadCertificate()
    {
        var file = Configuration.CredentialFiles.Resolve(_options.CertificateFile!);
        return string.IsNullOrWhiteSpace(_options.CertificateKeyFile)
            ? X509CertificateLoader.LoadPkcs12FromFile(file, _options.CertificatePassword)
            : X509Certificate2.CreateFromPemFile(file, Configuration.CredentialFiles.Resolve(_options.CertificateKeyFile));
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!string.Equals(request.Path.Value, Path, StringComparison.Ordinal))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // DNS rebinding protection (MCP transports spec): a browser's Origin must be one we allow.
        if (request.Headers.Origin is { Count: > 0 } origin && !_options.AllowedOrigins.Contains(origin.ToString(), StringComparer.OrdinalIgnoreCase))
        {
            LogOriginRefused(_logger, origin.ToString());
            response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        var header = request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        var user = _tokens.Authenticate(token);
        if (user is null)
        {
            if (token is not null)
            {
                _audit.Refused("unknown-token", $"HTTP {request.Method} {Path}", "invalid bearer token");
            }

            response.StatusCode = StatusCodes.Status401Unauthorized;
            response.Headers.WWWAuthenticate = token is null
                ? "Bearer realm=\"edge-gateway\""
                : "Bearer realm=\"edge-gateway\", error=\"invalid_token\"";
            return;
        }

        context.User = user;
        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "POST";
            return;
        }

        var accept = request.Headers.Accept.ToString();
        if (!accept.Contains("application/json", StringComparison.OrdinalIgnoreCase) || !accept.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            await ErrorAsync(response, StatusCodes.Status406NotAcceptable, "Accept must list application/json and text/event-stream");
            return;
        }

        var version = request.Headers["MCP-Protocol-Version"].ToString();
        if (version.Length > 0 && !SupportedProtocolVersions.Contains(version))
        {
            await ErrorAsync(response, StatusCodes.Status400BadRequest, $"unsupported MCP-Protocol-Version '{version}'");
            return;
        }

        JsonRpcMessage? message;
        try
        {
            message = (JsonRpcMessage?)await JsonSerializer.DeserializeAsync(request.Body, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)), context.RequestAborted);
        }
        catch (JsonException error)
        {
            await ErrorAsync(response, StatusCodes.Status400BadRequest, $"the body is not one JSON-RPC message: {error.Message}");
            return;
        }

        if (message is null)
        {
            await ErrorAsync(response, StatusCodes.Status400BadRequest, "the body is empty");
            return;
        }

        message.Context = new JsonRpcMessageContext { User = user };
        await ServeAsync(message, context);
    }

    private async Task ServeAsync(JsonRpcMessage message, HttpContext context)
    {
        var options = _services.GetRequiredService<IOptions<McpServerOptions>>().Value;
        var transport = new StreamableHttpServerTransport(_loggerFactory) { Stateless = true };
        var server = McpServer.Create(transport, options, _loggerFactory, _services);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);

        // The server must be reading before the POST is handed over (the transport's inbound channel holds one message).
        var run = server.RunAsync(stop.Token);
        try
        {
            context.Response.Headers.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache,no-store";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            var wrote = await transport.HandlePostRequestAsync(message, context.Response.Body, context.RequestAborted);
            if (!wrote)
            {
                context.Response.Headers.ContentType = default;
                context.Response.StatusCode = StatusCodes.Status202Accepted;
            }
        }
        finally
        {
            await transport.DisposeAsync();
            await stop.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
                // Expected: the request is over.
            }

            await server.DisposeAsync();
        }
    }

    private static async Task ErrorAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        var error = new JsonRpcError { Id = default, Error = new JsonRpcErrorDetail { Code = (int)McpErrorCode.InvalidRequest, Message = message } };
        await JsonSerializer.SerializeAsync(response.Body, error, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)), response.HttpContext.RequestAborted);
    }

    [LoggerMessage(EventId = 910, Level = LogLevel.Information, Message = "MCP over HTTP listening on {Url} ({Tokens} tokens configured)")]
    private static partial void LogListening(ILogger logger, string url, int tokens);

    [LoggerMessage(EventId = 911, Level = LogLevel.Warning, Message = "MCP over HTTP is enabled but Mcp:Tokens is empty: every request will be refused with 401")]
    private static partial void LogNoTokens(ILogger logger);

    [LoggerMessage(EventId = 912, Level = LogLevel.Warning, Message = "MCP over HTTP refused a request from origin {Origin} (not in Mcp:Http:AllowedOrigins)")]
    private static partial void LogOriginRefused(ILogger logger, string origin);
}
