using EdgeGateway.Configuration;
using EdgeGateway.Forwarding;
using EdgeGateway.Kafka.Mcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace EdgeGateway.Operations;

/// <summary>
/// MCP over Kafka (<c>Mcp:Kafka</c>): the gateway's tools served through the control topic, for a
/// cloud that cannot open a connection to a gateway behind NAT. Each client session gets its own MCP
/// server over the same tools, scopes and audit log as HTTP; every record's bearer token is checked.
/// </summary>
public sealed partial class McpKafkaServer : IHostedService, IAsyncDisposable
{
    private readonly McpKafkaOptions _options;
    private readonly string _gatewayId;
    private readonly IServiceProvider _services;
    private readonly McpTokenAuthenticator _tokens;
    private readonly McpAudit _audit;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private KafkaMcpServerHost? _host;

    /// <summary>Creates the transport (it connects only when <c>Mcp:Kafka:Enabled</c>).</summary>
    public McpKafkaServer(
        IOptions<McpOptions> options,
        IOptions<GatewayOptions> gateway,
        McpTokenAuthenticator tokens,
        McpAudit audit,
        IServiceProvider services,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value.Kafka;
        _gatewayId = gateway.Value.EffectiveId;
        _tokens = tokens;
        _audit = audit;
        _services = services;
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<McpKafkaServer>();
    }

    /// <summary>The sessions open now (0 when disabled).</summary>
    public int SessionCount => _host?.SessionCount ?? 0;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var host = new KafkaMcpServerHost(
            new KafkaMcpServerSettings
            {
                BootstrapServers = _services.GetRequiredService<KafkaEndpoint>().BootstrapServers,
                ControlTopic = _options.ControlTopic,
                ReplyTopic = _options.ReplyTopic,
                GatewayId = _gatewayId,
                FetchWait = _options.FetchWait,
                SessionIdleTimeout = _options.SessionIdleTimeout,
                MaxSessions = _options.MaxSessions,
                ClientId = $"edge-gateway-{_gatewayId}-mcp",
            },
            new KafkaMcpServerCallbacks
            {
                Authenticate = _tokens.Authenticate,
                RunSession = RunSessionAsync,
                Refused = _audit.Refused,
            },
            _loggerFactory,
            _timeProvider);
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        _host = host;
        if (_tokens.Count == 0)
        {
            LogNoTokens(_logger);
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _host, null) is { } host)
        {
            await host.DisposeAsync();
        }
    }

    private async Task RunSessionAsync(ModelContextProtocol.Protocol.ITransport transport, CancellationToken cancellationToken)
    {
        var options = _services.GetRequiredService<IOptions<McpServerOptions>>().Value;
        await using var server = McpServer.Create(transport, options, _loggerFactory, _services);
        await server.RunAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 915, Level = LogLevel.Warning, Message = "MCP over Kafka is enabled but Mcp:Tokens is empty: every request will be refused")]
    private static partial void LogNoTokens(ILogger logger);
}
