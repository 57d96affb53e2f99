using System.Globalization;
using System.Text;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;

namespace EdgeGateway.Testing.Mqtt;

/// <summary>
/// A real mosquitto broker (Debian's <c>/usr/sbin/mosquitto</c>) owned by one test: its own config,
/// password file and persistence in a temp directory, listening on a free 127.0.0.1 port. Tests can
/// stop, kill and restart it on the same port to exercise reconnection and persistent sessions. Its
/// log goes to the test output. Disposing kills it and deletes the directory.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    /// <summary>The broker executable.</summary>
    public const string Executable = "/usr/sbin/mosquitto";

    private const int PortAttempts = 5;
    private const string AddressInUse = "Address already in use";
    private readonly TempDirectory _directory;
    private readonly List<string> _earlierOutput = [];
    private readonly Lock _outputLock = new();
    private ExternalProcess? _process;
    private int _lastPid;

    private MosquittoBroker(MosquittoOptions options, TestCertificates? certificates, TempDirectory directory)
    {
        Options = options;
        Certificates = certificates;
        _directory = directory;
    }

    /// <summary>The address the broker listens on.</summary>
    public string Host { get; } = "127.0.0.1";

    /// <summary>The port the broker listens on; it keeps it across restarts.</summary>
    public int Port { get; private set; }

    /// <summary>The process id of the running broker (or of the last one, once stopped).</summary>
    public int Pid => _process?.Pid ?? _lastPid;

    /// <summary>True while a broker process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>How this broker was configured.</summary>
    public MosquittoOptions Options { get; }

    /// <summary>The test PKI when <see cref="MosquittoOptions.Tls"/> is on; null otherwise.</summary>
    public TestCertificates? Certificates { get; }

    /// <summary>The CA certificate clients must trust (TLS only).</summary>
    public string? CaCertificatePath => Certificates?.CaCertificatePath;

    /// <summary>A client certificate the broker accepts (TLS only).</summary>
    public string? ClientCertificatePath => Certificates?.ClientCertificatePath;

    /// <summary>The key of <see cref="ClientCertificatePath"/> (TLS only).</summary>
    public string? ClientKeyPath => Certificates?.ClientKeyPath;

    /// <summary>The generated <c>mosquitto.conf</c>.</summary>
    public string ConfigPath => _directory.File("mosquitto.conf");

    /// <summary>Where the persistence file (<c>mosquitto.db</c>) is written.</summary>
    public string DataDirectory => _directory.File("data");

    /// <summary>Every log line of every broker process started so far, oldest first.</summary>
    public IReadOnlyList<string> OutputLines
    {
        get
        {
            lock (_outputLock)
            {
                var process = _process;
                return process is null
                    ? [.. _earlierOutput]
                    : [.. _earlierOutput, .. process.StandardError, .. process.StandardOutput];
            }
        }
    }

    /// <summary>
    /// Starts a broker and returns once it accepts connections. Retries on a new port when the free
    /// port was taken by someone else before mosquitto bound it.
    /// </summary>
    /// <exception cref="InvalidOperationException">mosquitto exited; the message holds its output.</exception>
    public static async Task<MosquittoBroker> StartAsync(MosquittoOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new MosquittoOptions();
        options.Validate();
        var certificates = options.Tls ? await TestCertificates.GetAsync(cancellationToken) : null;
        var broker = new MosquittoBroker(options, certificates, TempDirectory.Create("mosquitto"));
        try
        {
            await broker.PrepareFilesAsync(cancellationToken);
            for (var attempt = 1; ; attempt++)
            {
                broker.Port = FreePort.Tcp();
                broker.WriteConfig();
                if (await broker.TryLaunchAsync(cancellationToken))
                {
                    return broker;
                }

                if (attempt == PortAttempts)
                {
                    throw new InvalidOperationException($"mosquitto found its port taken {PortAttempts} times in a row. Output:\n{string.Join('\n', broker.OutputLines)}");
                }
            }
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Stops the broker gracefully (SIGTERM) and waits until it exited; mosquitto writes its
    /// persistence file on the way out. Does nothing when it is not running.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_process is { } process)
        {
            process.Terminate();
            await process.WaitForExitAsync(TestTimeouts.Brief, cancellationToken);
            await ForgetProcessAsync();
        }
    }

    /// <summary>Kills the broker (SIGKILL): a crash, so nothing since the last autosave is persisted.</summary>
    public Task KillAsync() => ForgetProcessAsync();

    /// <summary>
    /// Starts the broker again on the same port, config and persistence (stopping it gracefully
    /// first if it still runs). Retries while the port is briefly unavailable.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken);

        // Eventually retries whatever throws; only "port taken" deserves a retry, so other failures end the wait.
        Exception? failure = null;
        await Eventually.TrueAsync(
            async token =>
            {
                try
                {
                    return await TryLaunchAsync(token);
                }
                catch (InvalidOperationException error)
                {
                    failure = error;
                    return true;
                }
            },
            $"mosquitto listens again on port {Port}",
            cancellationToken: cancellationToken);
        if (failure is not null)
        {
            throw new InvalidOperationException($"mosquitto did not restart on port {Port}: {failure.Message}", failure);
        }
    }

    /// <summary>Waits until a broker log line (of any run) matches <paramref name="predicate"/>.</summary>
    public Task WaitForOutputAsync(Func<string, bool> predicate, string description, CancellationToken cancellationToken = default) =>
        Eventually.TrueAsync(() => OutputLines.Any(predicate), $"mosquitto logs {description}", cancellationToken: cancellationToken);

    /// <summary>Kills the broker by pid and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _directory.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"mosquitto {Host}:{Port}{(Options.Tls ? " (TLS)" : string.Empty)}";

    /// <summary>
    /// Starts mosquitto on <see cref="Port"/> and waits until it listens. False when the port was in
    /// use (the process has exited); throws when mosquitto failed for any other reason.
    /// </summary>
    private async Task<bool> TryLaunchAsync(CancellationToken cancellationToken)
    {
        var process = ExternalProcess.Start(Executable, ["-c", ConfigPath], workingDirectory: _directory.Path);
        lock (_outputLock)
        {
            _process = process;
        }

        try
        {
            // "running" is logged after every listener is open; the connection proves it is our port.
            // (On a TLS listener this probe logs a harmless "OpenSSL Error ... unexpected eof".)
            await Eventually.TrueAsync(
                async token => process.HasExited
                    || (process.StandardError.Any(line => line.EndsWith(" running", StringComparison.Ordinal))
                        && await FreePort.AcceptsConnectionsAsync(Port, token)),
                $"mosquitto accepts connections on port {Port}",
                cancellationToken: cancellationToken);
        }
        catch (TimeoutException error)
        {
            await ForgetProcessAsync();
            throw new TimeoutException($"{error.Message} Output:\n{string.Join('\n', OutputLines)}", error);
        }
        catch
        {
            await ForgetProcessAsync();
            throw;
        }

        if (!process.HasExited)
        {
            return true;
        }

        await process.WaitForExitAsync(TestTimeouts.Brief, cancellationToken);
        var portTaken = process.StandardError.Any(line => line.Contains(AddressInUse, StringComparison.Ordinal));
        var exitCode = process.ExitCode;
        await ForgetProcessAsync();
        return portTaken
            ? false
            : throw new InvalidOperationException($"mosquitto exited with code {exitCode} on start. Output:\n{string.Join('\n', OutputLines)}");
    }

    /// <summary>Kills the current process if still alive, keeps its output and disposes it.</summary>
    private async Task ForgetProcessAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        try
        {
            // Read the output to the end, so the last lines (the reason it exited) are kept.
            await process.KillAsync();
            await process.WaitForExitAsync(TestTimeouts.Brief);
        }
        finally
        {
            lock (_outputLock)
            {
                _earlierOutput.AddRange(process.StandardError);
                _earlierOutput.AddRange(process.StandardOutput);
                _lastPid = process.Pid;
                _process = null;
            }

            await process.DisposeAsync();
        }
    }

    private async Task PrepareFilesAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DataDirectory);
        if (Options.Username is { } username)
        {
            var result = await ExternalProcess.RunAsync(
                "mosquitto_passwd",
                ["-b", "-c", _directory.File("passwords"), username, Options.Password!],
                cancellationToken: cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"mosquitto_passwd failed with exit code {result.ExitCode}:\n{result.StandardOutput}\n{result.StandardError}");
            }
        }
    }

    private void WriteConfig()
    {
        var config = new StringBuilder();
        void Line(string line) => config.Append(line).Append('\n');

        Line($"# Written by {typeof(MosquittoBroker).FullName} for one test.");

        // As root, mosquitto switches to user "mosquitto" unless told otherwise, and could then not read these temp files.
        if (Environment.UserName == "root")
        {
            Line("user root");
        }

        // stderr is unbuffered; log_dest stdout is block-buffered when piped, so lines would arrive only at exit.
        Line("log_dest stderr");
        Line("log_timestamp_format %H:%M:%S");
        foreach (var type in new[] { "error", "warning", "notice", "information", "subscribe", "unsubscribe" })
        {
            Line($"log_type {type}");
        }

        Line($"persistence {(Options.Persistence ? "true" : "false")}");
        Line($"persistence_location {DataDirectory}");
        Line(FormattableString.Invariant($"max_inflight_messages {Options.MaxInflightMessages}"));
        Line(FormattableString.Invariant($"max_queued_messages {Options.MaxQueuedMessages}"));
        if (Options.Username is not null)
        {
            Line("allow_anonymous false");
            Line($"password_file {_directory.File("passwords")}");
        }
        else
        {
            Line("allow_anonymous true");
        }

        Line(string.Create(CultureInfo.InvariantCulture, $"listener {Port} {Host}"));
        if (Certificates is { } certificates)
        {
            Line($"cafile {certificates.CaCertificatePath}");
            Line($"certfile {certificates.ServerCertificatePath}");
            Line($"keyfile {certificates.ServerKeyPath}");
            Line($"require_certificate {(Options.RequireClientCertificate ? "true" : "false")}");
        }

        foreach (var extra in Options.ExtraConfig)
        {
            Line(extra);
        }

        File.WriteAllText(ConfigPath, config.ToString());
    }
}
