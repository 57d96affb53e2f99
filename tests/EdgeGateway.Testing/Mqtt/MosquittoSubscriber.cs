using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;

namespace EdgeGateway.Testing.Mqtt;

/// <summary>
/// A running <c>mosquitto_sub -v</c> (see <see cref="MosquittoClients.StartSubscriberAsync"/>).
/// Each received message is one line <c>"topic payload"</c> (a payload with line breaks spans lines).
/// Disposing kills the tool.
/// </summary>
public sealed class MosquittoSubscriber : IAsyncDisposable
{
    internal MosquittoSubscriber(ExternalProcess process, string clientId, string topic, int count)
    {
        Process = process;
        ClientId = clientId;
        Topic = topic;
        Count = count;
    }

    /// <summary>The MQTT client id it connected with.</summary>
    public string ClientId { get; }

    /// <summary>The topic filter it subscribed to.</summary>
    public string Topic { get; }

    /// <summary>How many messages it waits for before exiting; 0 for no limit.</summary>
    public int Count { get; }

    /// <summary>The <c>mosquitto_sub</c> process.</summary>
    public ExternalProcess Process { get; }

    /// <summary>The messages received so far, as <c>"topic payload"</c> lines.</summary>
    public IReadOnlyList<string> Messages => Process.StandardOutput;

    /// <summary>
    /// Waits until <paramref name="count"/> messages arrived (default: <see cref="Count"/>) and returns
    /// all received so far.
    /// </summary>
    /// <exception cref="InvalidOperationException">mosquitto_sub exited before receiving them.</exception>
    /// <exception cref="TimeoutException">They did not arrive in time; the message lists what did.</exception>
    public async Task<IReadOnlyList<string>> WaitForMessagesAsync(int? count = null, CancellationToken cancellationToken = default)
    {
        var expected = count ?? Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(expected, 1, nameof(count));
        try
        {
            await Eventually.TrueAsync(
                () => Messages.Count >= expected || Process.HasExited,
                $"{ClientId} received {expected} message(s) on {Topic}",
                cancellationToken: cancellationToken);
        }
        catch (TimeoutException error)
        {
            throw new TimeoutException($"{error.Message} Received {Messages.Count}:\n{Process.AllOutput}", error);
        }

        if (Process.HasExited)
        {
            // Read its output to the end: the last message may still be in the pipe.
            await Process.WaitForExitAsync(TestTimeouts.Brief, cancellationToken);
        }

        var messages = Messages;
        return messages.Count >= expected
            ? messages
            : throw new InvalidOperationException(
                $"mosquitto_sub {ClientId} exited with code {Process.ExitCode} after {messages.Count} of {expected} message(s). Output:\n{Process.AllOutput}");
    }

    /// <summary>Disconnects cleanly (SIGTERM makes mosquitto_sub send DISCONNECT) and waits until it exited.</summary>
    public async Task DisconnectAsync(CancellationToken cancellationToken = default)
    {
        Process.Terminate();
        await Process.WaitForExitAsync(TestTimeouts.Brief, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
