namespace EdgeGateway.Mqtt.Client;

/// <summary>
/// The outgoing in-flight window: at most <c>limit</c> QoS 1/2 publishes unacknowledged, with a
/// limit that can change (the broker's Receive Maximum is known only after each CONNACK). Slots are
/// granted first come, first served, and the grant action runs under the window's lock, so
/// publishes leave in the order they were made even when callers do not await each one.
/// </summary>
internal sealed class InflightWindow
{
    private readonly Lock _gate = new();
    private readonly Queue<Waiter> _waiters = new();
    private int _limit;
    private int _inUse;

    public InflightWindow(int limit) => _limit = limit;

    /// <summary>Waits for a slot, then runs <paramref name="granted"/> under the window's lock.</summary>
    public Task WaitAsync(Action granted, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_gate)
        {
            if (_inUse < _limit && _waiters.Count == 0)
            {
                _inUse++;
                granted();
                return Task.CompletedTask;
            }

            waiter = new Waiter(granted);
            _waiters.Enqueue(waiter);
        }

        return WaitSlowAsync(waiter, cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> while no slot can be granted (e.g. swapping connections).</summary>
    public void RunExclusive(Action action)
    {
        lock (_gate)
        {
            action();
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            _inUse--;
            GrantLocked();
        }
    }

    public void SetLimit(int limit)
    {
        lock (_gate)
        {
            _limit = Math.Max(1, limit);
            GrantLocked();
        }
    }

    private async Task WaitSlowAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        try
        {
            await waiter.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            lock (_gate)
            {
                // Granted in the meantime: the publish is on its way and keeps its slot until acknowledged.
                if (waiter.Completion.Task.IsCompletedSuccessfully)
                {
                    return;
                }

                waiter.Cancelled = true;
            }

            throw;
        }
    }

    private void GrantLocked()
    {
        while (_inUse < _limit && _waiters.TryDequeue(out var next))
        {
            if (next.Cancelled)
            {
                continue;
            }

            _inUse++;
            next.Granted();
            next.Completion.TrySetResult();
        }
    }

    private sealed class Waiter(Action granted)
    {
        public Action Granted { get; } = granted;

        public bool Cancelled { get; set; }

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
