namespace EdgeGateway.Mqtt.Client;

/// <summary>
/// An async counting gate whose limit can change (the broker's Receive Maximum is known only after
/// each CONNACK). Waiters are served first come, first served.
/// </summary>
internal sealed class InflightWindow
{
    private readonly Lock _gate = new();
    private readonly Queue<TaskCompletionSource> _waiters = new();
    private int _limit;
    private int _inUse;

    public InflightWindow(int limit) => _limit = limit;

    /// <summary>Slots taken now.</summary>
    public int InUse
    {
        get
        {
            lock (_gate)
            {
                return _inUse;
            }
        }
    }

    public Task WaitAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            if (_inUse < _limit && _waiters.Count == 0)
            {
                _inUse++;
                return Task.CompletedTask;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
        }

        return WaitSlowAsync(waiter, cancellationToken);
    }

    public void Release()
    {
        lock (_gate)
        {
            _inUse--;
            ReleaseWaitersLocked();
        }
    }

    public void SetLimit(int limit)
    {
        lock (_gate)
        {
            _limit = Math.Max(1, limit);
            ReleaseWaitersLocked();
        }
    }

    private async Task WaitSlowAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        try
        {
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // If the slot was granted in the meantime, hand it on; otherwise the waiter is skipped when dequeued.
            if (!waiter.TrySetCanceled(cancellationToken))
            {
                Release();
            }

            throw;
        }
    }

    private void ReleaseWaitersLocked()
    {
        while (_inUse < _limit && _waiters.TryDequeue(out var next))
        {
            if (next.TrySetResult())
            {
                _inUse++;
            }
        }
    }
}
