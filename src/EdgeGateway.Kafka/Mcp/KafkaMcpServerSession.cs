using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace EdgeGateway.Kafka.Mcp;

/// <summary>
/// One client session of <see cref="KafkaMcpServerHost"/>: the transport its MCP server reads from
/// (fed by the host's demultiplexer) and answers through (the reply topic).
/// </summary>
internal sealed class KafkaMcpServerSession : TransportBase
{
    private readonly KafkaMcpServerHost _host;
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;
    private long _lastActivity;
    private int _closed;

    public KafkaMcpServerSession(string sessionId, string owner, KafkaMcpServerHost host, ILoggerFactory loggerFactory)
        : base($"kafka-mcp {sessionId}", loggerFactory)
    {
        SessionId = sessionId;
        Owner = owner;
        _host = host;
        SetConnected();
    }

    /// <summary>The name of the token that opened the session; only it may use the session.</summary>
    public string Owner { get; }

    /// <summary>When the session last received a record (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long LastActivity => Interlocked.Read(ref _lastActivity);

    public void Touch(long timestamp) => Interlocked.Exchange(ref _lastActivity, timestamp);

    /// <summary>Starts the session's MCP server; <paramref name="ended"/> is called when it stops.</summary>
    public void Start(Func<ITransport, CancellationToken, Task> runSession, Action<Exception?> ended, CancellationToken stopping)
    {
        var token = CancellationTokenSource.CreateLinkedTokenSource(stopping, _stop.Token);
        _run = Task.Run(
            async () =>
            {
                Exception? failure = null;
                try
                {
                    await runSession(this, token.Token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // Closed.
                }
                catch (Exception error)
                {
                    failure = error;
                }
                finally
                {
                    token.Dispose();
                    SetDisconnected();
                    ended(failure);
                }
            },
            CancellationToken.None);
    }

    /// <summary>Hands a message from the client to the session's server.</summary>
    public Task DeliverAsync(JsonRpcMessage message, CancellationToken cancellationToken) => WriteMessageAsync(message, cancellationToken);

    /// <inheritdoc />
    public override Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _host.ReplyAsync(SessionId!, message, cancellationToken);
    }

    /// <summary>Ends the session's server and waits for it.</summary>
    public async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        SetDisconnected();
        await _stop.CancelAsync();
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Ends the session without waiting: the server disposes its transport from inside the run that
    /// <see cref="CloseAsync"/> waits for. (The token source is never disposed: it has no timer.)
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        SetDisconnected();
        await _stop.CancelAsync();
    }
}
