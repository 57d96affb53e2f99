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
    /// <summary>How long one attempt to find the control topic may take before it is retried.</summary>
    private static readonly TimeSpan StartAttemptTimeout = TimeSpan.FromSeconds(10);

    private readonly McpKafkaOptions _options;
    private readonly string _gatewayId;
    private readonly IServiceProvider _services;
    private readonly McpTokenAuthenticator _tokens;
    private readonly McpAudit _audit;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Logging.BadInputLog _skipped;
    private readonly CancellationTokenSource _stopping = new();
    private KafkaMcpServerHost? _host;
    private Task _run = Task.CompletedTask;
    private int _disposed;

    /// <summary>Creates the transport (it connects only when <c>Mcp:Kafka:Enabled</c>).</summary>
    public McpKafkaServer(
        IOptions<McpOptions> options,
        IOptions<GatewayOptions> gateway,
        McpTokenAuthenticator tokens,
        McpAudit audit,
        IServiceProvider services,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider,
        IOptions<Logging.LoggingOptions>? logging = null)
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
        _skipped = new Logging.BadInputLog((logging?.Value ?? new Logging.LoggingOptions()).BadInputWindow, timeProvider, _logger);
    }

    /// <summary>The sessions open now (0 when disabled).</summary>
    public int SessionCount => _host?.SessionCount ?? 0;

    /// <summary>
    /// Starts following the control topic in the background and returns at once: a cabinet often boots
    /// before its uplink, and the gateway must collect readings meanwhile. Until the brokers answer,
    /// it retries with a growing delay (up to a minute) and logs that it waits.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.Enabled)
        {
            _run = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Interlocked.Exchange(ref _host, null) is { } host)
        {
            await host.DisposeAsync();
        }

        _skipped.Dispose();
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            var host = new KafkaMcpServerHost(
                new KafkaMcpServerSettings
                {
                    BootstrapServers = _services.GetRequiredService<KafkaEndpoint>().BootstrapServers,
                    Security = _services.GetRequiredService<KafkaEndpoint>().Security,
                    ControlTopic = _options.ControlTopic,
                    ReplyTopic = _options.ReplyTopic,
                    GatewayId = _gatewayId,
                    FetchWait = _options.FetchWait,
                    SessionIdleTimeout = _options.SessionIdleTimeout,
                    MaxSessions = _options.MaxSessions,
                    StartTimeout = StartAttemptTimeout,
                    ClientId = $"edge-gateway-{_gatewayId}-mcp",
                },
                new KafkaMcpServerCallbacks
                {
                    Authenticate = _tokens.Authenticate,
                    RunSession = RunSessionAsync,
                    Refused = _audit.Refused,
                    ShouldLogSkipped = cause => _skipped.ShouldLog($"Kafka topic {_options.ControlTopic}", cause),
                },
                _loggerFactory,
                _timeProvider);
            try
            {
                await host.StartAsync(cancellationToken);
                _host = host;
                if (_tokens.Count == 0)
                {
                    LogNoTokens(_logger);
                }

                return;
            }
            catch (Exception error) when (error is TimeoutException or Confluent.Kafka.KafkaException)
            {
                await host.DisposeAsync();
                LogWaiting(_logger, _options.ControlTopic, error.Message, delay);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await host.DisposeAsync();
                return;
            }
            catch (Exception error)
            {
                // Not a matter of waiting (e.g. a librdkafka setting it refuses): say so once, keep the gateway running.
                await host.DisposeAsync();
                LogFailed(_logger, error);
                return;
            }

            try
            {
                await Task.Delay(delay, _timeProvider, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
        }
    }

    private async Task RunSessionAsync(ModelContextProtocol.Protocol.ITransport transport, CancellationToken cancellationToken)
    {
        var options = _services.GetRequiredService<IOptions<McpServerOptions>>().Value;
        await using var server = McpServer.Create(transport, options, _loggerFactory, _services);
        await server.RunAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 917, Level = LogLevel.Warning, Message = "MCP over Kafka waits for the brokers ({ControlTopic}: {Problem}); next try in {Delay}")]
    private static partial void LogWaiting(ILogger logger, string controlTopic, string problem, TimeSpan delay);

    [LoggerMessage(EventId = 918, Level = LogLevel.Error, Message = "MCP over Kafka could not start; the gateway runs without it")]
    private static partial void LogFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 915, Level = LogLevel.Warning, Message = "MCP over Kafka is enabled but Mcp:Tokens is empty: every request will be refused")]
    private static partial void LogNoTokens(ILogger logger);
}
