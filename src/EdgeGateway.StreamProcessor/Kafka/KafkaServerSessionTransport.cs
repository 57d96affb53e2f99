using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace EdgeGateway.StreamProcessor.Kafka;

/// <summary>
/// The server side of one MCP session carried by Kafka records with one key (a gateway id). The host
/// hands each request in with <see cref="HandleRequestAsync"/> and gets the server's answer back as a
/// task, so it can produce the answer and only then commit the record's offset. Messages the server
/// sends on its own (notifications) go to <c>onUnsolicited</c>.
/// </summary>
internal sealed class KafkaServerSessionTransport : TransportBase
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonRpcMessageWithId>> _pending = new(StringComparer.Ordinal);
    private readonly Func<JsonRpcMessage, CancellationToken, Task> _onUnsolicited;

    /// <summary>Creates a connected session transport for <paramref name="key"/>.</summary>
    public KafkaServerSessionTransport(string key, Func<JsonRpcMessage, CancellationToken, Task> onUnsolicited, ILoggerFactory? loggerFactory)
        : base($"kafka:{key}", loggerFactory)
    {
        _onUnsolicited = onUnsolicited;
        SessionId = key;
        SetConnected();
    }

    /// <summary>Passes a request to the server; the task completes with its response or error.</summary>
    public async Task<JsonRpcMessageWithId> HandleRequestAsync(JsonRpcRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var answer = new TaskCompletionSource<JsonRpcMessageWithId>(TaskCreationOptions.RunContinuationsAsynchronously);
        var id = request.Id.ToString();
        if (!_pending.TryAdd(id, answer))
        {
            throw new InvalidOperationException($"Request {id} is already being handled in session {SessionId}.");
        }

        try
        {
            await WriteMessageAsync(request, cancellationToken);
            using (cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken)))
            {
                return await answer.Task;
            }
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Passes a notification (or a response to a server request) to the server.</summary>
    public Task HandleMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken) => WriteMessageAsync(message, cancellationToken);

    /// <inheritdoc />
    public override Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        if (message is JsonRpcMessageWithId answer and (JsonRpcResponse or JsonRpcError) && _pending.TryGetValue(answer.Id.ToString(), out var waiting))
        {
            waiting.TrySetResult(answer);
            return Task.CompletedTask;
        }

        return _onUnsolicited(message, cancellationToken);
    }

    /// <inheritdoc />
    public override ValueTask DisposeAsync()
    {
        SetDisconnected();
        foreach (var waiting in _pending.Values)
        {
            waiting.TrySetCanceled();
        }

        return ValueTask.CompletedTask;
    }
}
