namespace EdgeGateway.Hosting;

/// <summary>
/// Where critical loops report that they died. The host stops and the process exits non-zero, so
/// systemd's <c>Restart=on-failure</c> restarts it; a stop through StopHost alone may exit 0
/// (dotnet/runtime #67146).
/// </summary>
public sealed class CriticalFailures
{
    private Exception? _first;

    /// <summary>The first failure reported, or null.</summary>
    public Exception? First => Volatile.Read(ref _first);

    /// <summary>Records a failure (the first one is kept).</summary>
    public void Report(Exception error) => Interlocked.CompareExchange(ref _first, error, null);
}
