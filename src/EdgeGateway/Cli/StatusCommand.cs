using System.Text.Json;
using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Status;

namespace EdgeGateway.Cli;

/// <summary>
/// <c>edge-gateway status</c>: reads the status file the running gateway writes and prints a summary
/// (or the raw JSON). Exit code 0 when the gateway is running and its snapshot is fresh; 1 when the
/// file is missing or unreadable, the snapshot is stale, or the gateway stopped; 2 when the
/// configuration used to find the file is invalid.
/// </summary>
public static class StatusCommand
{
    /// <summary>Runs the command.</summary>
    /// <param name="statusFile">The status file (<c>--file</c>); when null it is found from the configuration.</param>
    /// <param name="configFile">The configuration file (<c>--config</c>); when null the default one if it exists, else the built-in defaults.</param>
    /// <param name="json">Print the snapshot's JSON instead of the summary.</param>
    /// <param name="output">Where the summary or JSON goes.</param>
    /// <param name="error">Where problems go.</param>
    /// <param name="timeProvider">The clock the snapshot's age is judged by.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    /// <returns>The exit code (<see cref="ExitCodes"/>).</returns>
    public static async Task<int> RunAsync(
        string? statusFile,
        string? configFile,
        bool json,
        TextWriter output,
        TextWriter error,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(timeProvider);

        var defaults = new GatewayOptions();
        var interval = defaults.StatusInterval;
        string path;
        if (statusFile is { Length: > 0 })
        {
            path = Path.GetFullPath(statusFile);
        }
        else
        {
            var configPath = configFile ?? (File.Exists(GatewayConfiguration.DefaultPath) ? GatewayConfiguration.DefaultPath : null);
            if (configPath is null)
            {
                path = defaults.StatusFilePath(new BufferOptions().Path);
            }
            else
            {
                GatewayConfiguration configuration;
                try
                {
                    configuration = GatewayConfiguration.Load(configPath);
                }
                catch (ConfigurationException problem)
                {
                    await GatewayCommandLine.WriteProblemAsync(error, problem);
                    return ExitCodes.InvalidConfiguration;
                }

                path = configuration.Gateway.StatusFilePath(configuration.Buffer.Path);
                interval = configuration.Gateway.StatusInterval;
            }
        }

        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception problem) when (problem is FileNotFoundException or DirectoryNotFoundException)
        {
            await error.WriteLineAsync($"edge-gateway: no status file at {path}: is the gateway running? (it writes one every {StatusFormatter.Duration(interval)})");
            return ExitCodes.Failure;
        }
        catch (Exception problem) when (problem is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"edge-gateway: cannot read the status file {path}: {problem.Message}");
            return ExitCodes.Failure;
        }

        GatewayStatus? status;
        try
        {
            status = JsonSerializer.Deserialize(content, StatusJsonContext.Default.GatewayStatus);
        }
        catch (JsonException problem)
        {
            await error.WriteLineAsync($"edge-gateway: the status file {path} is not a gateway status snapshot: {problem.Message}");
            return ExitCodes.Failure;
        }

        if (status is null)
        {
            await error.WriteLineAsync($"edge-gateway: the status file {path} is not a gateway status snapshot: it holds null");
            return ExitCodes.Failure;
        }

        var now = timeProvider.GetUtcNow();
        if (json)
        {
            // The file as written: scripts get every field, including ones newer than this reader.
            await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(content).TrimEnd());
        }
        else
        {
            await output.WriteAsync(StatusFormatter.Format(status, now));
        }

        if (status.State == GatewayRunState.Stopped)
        {
            await error.WriteLineAsync($"edge-gateway: the gateway is not running: it stopped at {Time(status.GeneratedAt)} (these are its final counters; file {path})");
            return ExitCodes.Failure;
        }

        if (StatusFormatter.IsStale(status, now))
        {
            var age = now - status.GeneratedAt;
            await error.WriteLineAsync(
                $"edge-gateway: the status snapshot is stale: written {StatusFormatter.Duration(age)} ago, expected every {StatusFormatter.Duration(TimeSpan.FromSeconds(status.IntervalSeconds))}: "
                + $"the gateway is not running or stuck since {Time(status.GeneratedAt)} (pid {status.ProcessId}; file {path})");
            return ExitCodes.Failure;
        }

        return ExitCodes.Success;
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
