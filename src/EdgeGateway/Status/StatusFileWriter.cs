using System.Text.Json;
using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Status;

/// <summary>
/// Writes the gateway's <see cref="GatewayStatus"/> as indented JSON to the status file every
/// <c>Gateway:StatusInterval</c>, and once more when the gateway stops, after the pipeline has
/// stopped (it is registered before the pipeline, and the host stops services in reverse order), so
/// the last snapshot holds the final counters and says <c>stopped</c>.
/// </summary>
/// <remarks>
/// Each write replaces the file atomically (a temporary file in the same directory, then a rename),
/// so a reader never sees half a snapshot. The status is not critical: a write that fails is logged
/// once per cause and tried again at the next interval; it never stops the gateway.
/// </remarks>
public sealed partial class StatusFileWriter : BackgroundService
{
    private readonly GatewayStatusCollector _collector;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _directory;
    private readonly string _temporaryPath;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private string? _failure;
    private bool _directoryChecked;

    /// <summary>Creates the writer for the file named by <c>Gateway:StatusFile</c> (by default next to the buffer).</summary>
    public StatusFileWriter(
        GatewayStatusCollector collector,
        IOptions<GatewayOptions> gateway,
        IOptions<BufferOptions> buffer,
        TimeProvider timeProvider,
        ILogger<StatusFileWriter> logger)
    {
        ArgumentNullException.ThrowIfNull(collector);
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _collector = collector;
        _interval = gateway.Value.StatusInterval;
        _timeProvider = timeProvider;
        _logger = logger;
        FilePath = gateway.Value.StatusFilePath(buffer.Value.Path);
        _directory = Path.GetDirectoryName(FilePath)!;

        // Hidden, same directory (a rename within one filesystem is atomic), one per process.
        _temporaryPath = Path.Combine(_directory, $".{Path.GetFileName(FilePath)}.{Environment.ProcessId}.tmp");
    }

    /// <summary>The full path of the status file.</summary>
    public string FilePath { get; }

    /// <summary>Writes one snapshot now; false (logged) when it could not be written.</summary>
    /// <param name="state">Running, or stopped for the last one.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task<bool> WriteAsync(GatewayRunState state, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            try
            {
                var json = JsonSerializer.SerializeToUtf8Bytes(_collector.Collect(state), StatusJsonContext.Default.GatewayStatus);
                if (!_directoryChecked)
                {
                    Directory.CreateDirectory(_directory);
                    _directoryChecked = true;
                }

                await File.WriteAllBytesAsync(_temporaryPath, json, cancellationToken);
                File.Move(_temporaryPath, FilePath, overwrite: true);
            }
#pragma warning disable CA1031 // The status is not critical: whatever fails here is logged and must not stop the gateway.
            catch (Exception error) when (error is not OperationCanceledException)
#pragma warning restore CA1031
            {
                Failed(error);
                return false;
            }

            if (_failure is not null)
            {
                _failure = null;
                LogRecovered(_logger, FilePath);
            }

            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        // The pipeline stopped before this (reverse registration order): these are the final counters.
        try
        {
            await WriteAsync(GatewayRunState.Stopped, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout passed: the last running snapshot stays, and turns stale.
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _writeLock.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogWriting(_logger, FilePath, _interval.TotalSeconds);
        using var timer = new PeriodicTimer(_interval, _timeProvider);
        try
        {
            do
            {
                await WriteAsync(GatewayRunState.Running, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes the last snapshot once the pipeline has stopped.
        }
    }

    private void Failed(Exception error)
    {
        _directoryChecked = false;
        TryDelete(_temporaryPath);

        // Once per cause: a read-only disk would otherwise log every interval.
        var cause = $"{error.GetType().Name}: {error.Message}";
        if (cause != _failure)
        {
            _failure = cause;
            LogWriteFailed(_logger, FilePath, error.Message);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Left behind: the next write overwrites it.
        }
    }

    [LoggerMessage(EventId = 800, Level = LogLevel.Information, Message = "Writing the gateway's status to {Path} every {IntervalSeconds} s (read it with 'edge-gateway status')")]
    private static partial void LogWriting(ILogger logger, string path, double intervalSeconds);

    [LoggerMessage(EventId = 801, Level = LogLevel.Warning,
        Message = "Cannot write the status file {Path}: {Error}; the gateway runs on and tries again every interval ('edge-gateway status' reports a stale snapshot meanwhile)")]
    private static partial void LogWriteFailed(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 802, Level = LogLevel.Information, Message = "The status file {Path} is written again")]
    private static partial void LogRecovered(ILogger logger, string path);
}
