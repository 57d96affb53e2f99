using System.Diagnostics;

namespace EdgeGateway.Testing.Waiting;

/// <summary>
/// Waits for a condition to become true, with a timeout, instead of sleeping a fixed time. Polls
/// with a short, growing interval (1 ms up to 50 ms) so fast conditions return fast.
/// </summary>
public static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> returns true or the timeout passes.</summary>
    /// <exception cref="TimeoutException">The condition did not become true in time; the message names it.</exception>
    public static Task TrueAsync(Func<bool> condition, string description, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return TrueAsync(_ => ValueTask.FromResult(condition()), description, timeout, cancellationToken);
    }

    /// <summary>Waits until the asynchronous <paramref name="condition"/> returns true or the timeout passes.</summary>
    /// <exception cref="TimeoutException">The condition did not become true in time; the message names it.</exception>
    public static async Task TrueAsync(
        Func<CancellationToken, ValueTask<bool>> condition,
        string description,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? TestTimeouts.Default;
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(limit);
        var stopwatch = Stopwatch.StartNew();
        var interval = TimeSpan.FromMilliseconds(1);
        Exception? lastError = null;
        while (true)
        {
            try
            {
                if (await condition(timeoutSource.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested)
            {
                // Fall through to the timeout check below.
            }
            catch (WaitAbortedException)
            {
                throw;
            }
#pragma warning disable CA1031 // A failing probe is retried until the deadline; its last error is reported.
            catch (Exception error)
#pragma warning restore CA1031
            {
                lastError = error;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (stopwatch.Elapsed >= limit)
            {
                throw new TimeoutException(
                    $"Timed out after {limit.TotalSeconds:0.#} s waiting until {description}."
                    + (lastError is null ? string.Empty : $" Last error: {lastError.GetType().Name}: {lastError.Message}"),
                    lastError);
            }

            try
            {
                await Task.Delay(interval, timeoutSource.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The deadline passed during the pause: one last look at the condition happens above.
            }

            interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 2, 50));
        }
    }

    /// <summary>Awaits a task with the default timeout; fails with a message naming what was awaited.</summary>
    public static async Task<T> WithinAsync<T>(Task<T> task, string description, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        var limit = timeout ?? TestTimeouts.Default;
        try
        {
            return await task.WaitAsync(limit);
        }
        catch (TimeoutException error)
        {
            throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {description}.", error);
        }
    }

    /// <summary>Awaits a task with the default timeout; fails with a message naming what was awaited.</summary>
    public static async Task WithinAsync(Task task, string description, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        var limit = timeout ?? TestTimeouts.Default;
        try
        {
            await task.WaitAsync(limit);
        }
        catch (TimeoutException error)
        {
            throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {description}.", error);
        }
    }
}
