using EdgeGateway.Context;
using EdgeGateway.Domain;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EdgeGateway.Operations;

/// <summary>
/// Resource change notifications: a session that subscribed (<c>resources/subscribe</c>, protocol
/// revisions up to 2025-11-25) to <c>gateway://devices</c> or <c>gateway://devices/{id}</c> is sent
/// <c>notifications/resources/updated</c> when the device registry changes, whoever changed it (a
/// tool, the devices file, another process). Sessions that ended are forgotten at the next change.
/// </summary>
public sealed partial class McpResourceNotifier : IDisposable
{
    /// <summary>The most subscriptions kept across all sessions.</summary>
    public const int MaxSubscriptions = 1000;

    /// <summary>The resource of the whole registry.</summary>
    public const string DevicesUri = "gateway://devices";

    private const string DevicePrefix = "gateway://devices/";

    private readonly DeviceRegistry _registry;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<McpServer, HashSet<string>> _subscriptions = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates the notifier and follows the registry's changes.</summary>
    public McpResourceNotifier(DeviceRegistry registry, ILogger<McpResourceNotifier> logger)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        _logger = logger;
        _registry.Changed += OnChanged;
    }

    /// <summary>The subscriptions kept now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _subscriptions.Values.Sum(s => s.Count);
            }
        }
    }

    /// <summary>Handles <c>resources/subscribe</c>: needs the read scope and a resource that changes.</summary>
    public ValueTask<EmptyResult> SubscribeAsync(RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = Check(request, request.Params?.Uri);
        lock (_gate)
        {
            if (_subscriptions.Values.Sum(s => s.Count) >= MaxSubscriptions)
            {
                throw new McpProtocolException($"too many subscriptions (at most {MaxSubscriptions} across all sessions)", McpErrorCode.InvalidRequest);
            }

            if (!_subscriptions.TryGetValue(request.Server, out var uris))
            {
                _subscriptions[request.Server] = uris = new HashSet<string>(StringComparer.Ordinal);
            }

            uris.Add(uri);
        }

        return ValueTask.FromResult(new EmptyResult());
    }

    /// <summary>Handles <c>resources/unsubscribe</c>.</summary>
    public ValueTask<EmptyResult> UnsubscribeAsync(RequestContext<UnsubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.Params?.Uri ?? string.Empty;
        lock (_gate)
        {
            if (_subscriptions.TryGetValue(request.Server, out var uris) && uris.Remove(uri) && uris.Count == 0)
            {
                _subscriptions.Remove(request.Server);
            }
        }

        return ValueTask.FromResult(new EmptyResult());
    }

    /// <inheritdoc />
    public void Dispose() => _registry.Changed -= OnChanged;

    private static string Check<T>(RequestContext<T> request, string? uri)
    {
        var caller = McpCaller.Resolve(request.User, request.Services);
        if (caller is null || !caller.Allows(McpScopes.Read))
        {
            throw new McpProtocolException("forbidden: subscribing to resources needs scope 'read'", McpErrorCode.InvalidRequest);
        }

        if (uri is null || !(string.Equals(uri, DevicesUri, StringComparison.Ordinal)
            || (uri.StartsWith(DevicePrefix, StringComparison.Ordinal) && DeviceId.IsValid(uri[DevicePrefix.Length..], out _))))
        {
            throw new McpProtocolException(
                $"uri: '{uri}' sends no change notifications; subscribe to {DevicesUri} or {DevicePrefix}{{id}}",
                McpErrorCode.InvalidParams);
        }

        return uri;
    }

    private void OnChanged(object? sender, DeviceChange change)
    {
        var one = $"{DevicePrefix}{change.DeviceId}";
        List<(McpServer Server, string Uri)> due;
        lock (_gate)
        {
            due = [.. _subscriptions.SelectMany(s => s.Value.Where(u => u == DevicesUri || u == one).Select(u => (s.Key, u)))];
        }

        foreach (var (server, uri) in due)
        {
            _ = NotifyAsync(server, uri);
        }
    }

    private async Task NotifyAsync(McpServer server, string uri)
    {
        try
        {
            await server.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri });
        }
        catch (Exception error) when (error is ObjectDisposedException or InvalidOperationException or IOException or OperationCanceledException or McpException)
        {
            // The session has ended (or its transport failed): forget it.
            lock (_gate)
            {
                _subscriptions.Remove(server);
            }

            LogForgotten(_logger, uri, error.Message);
        }
    }

    [LoggerMessage(EventId = 916, Level = LogLevel.Debug, Message = "MCP: a subscription to {Uri} was dropped, its session is gone ({Problem})")]
    private static partial void LogForgotten(ILogger logger, string uri, string problem);
}
