using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Testing.Processes;

/// <summary>
/// A program the test starts (mosquitto, kcat, the gateway itself...). Its output lines are kept for
/// assertions and copied to the test's output; it is killed by pid when disposed, and every process
/// still alive when the test host exits is killed too, so no server outlives the test run.
/// </summary>
public sealed class ExternalProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITestOutputHelper? _output;
    private readonly string _label;
    private int _disposed;

    static ExternalProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Values)
            {
                TryKill(process);
            }
        };
    }

    private ExternalProcess(Process process, string label, ITestOutputHelper? output)
    {
        _process = process;
        _label = label;
        _output = output;
    }

    /// <summary>The operating system's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code; only valid after <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Lines written to standard output so far.</summary>
    public IReadOnlyList<string> StandardOutput => [.. _stdout];

    /// <summary>Lines written to standard error so far.</summary>
    public IReadOnlyList<string> StandardError => [.. _stderr];

    /// <summary>Both output streams, in the order the lines arrived per stream.</summary>
    public string AllOutput => string.Join('\n', StandardOutput.Concat(StandardError));

    /// <summary>The standard input of the process (when started with <c>redirectStdin</c>).</summary>
    public StreamWriter StandardInput => _process.StandardInput;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    public static ExternalProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        bool redirectStdin = false)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                {
                    info.Environment.Remove(key);
                }
                else
                {
                    info.Environment[key] = value;
                }
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var label = System.IO.Path.GetFileName(fileName);
        var wrapper = new ExternalProcess(process, label, TestContext.Current.TestOutputHelper);
        process.OutputDataReceived += (_, e) => wrapper.OnLine(e.Data, wrapper._stdout, wrapper._stdoutClosed, "out");
        process.ErrorDataReceived += (_, e) => wrapper.OnLine(e.Data, wrapper._stderr, wrapper._stderrClosed, "err");
        process.Start();
        Running[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs a program to completion and returns its exit code and output.</summary>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan? timeout = null,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        CancellationToken cancellationToken = default)
    {
        await using var process = Start(fileName, arguments, workingDirectory, environment);
        await process.WaitForExitAsync(timeout, cancellationToken);
        return new ProcessResult(process.ExitCode, string.Join('\n', process.StandardOutput), string.Join('\n', process.StandardError));
    }

    /// <summary>Waits until the process exits and both its output streams are read to the end.</summary>
    /// <exception cref="TimeoutException">It did not exit in time (it is killed first).</exception>
    public async Task WaitForExitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? TestTimeouts.Default;
        try
        {
            await _process.WaitForExitAsync(cancellationToken).WaitAsync(limit, cancellationToken);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(limit, cancellationToken);
        }
        catch (TimeoutException)
        {
            TryKill(_process);
            throw new TimeoutException($"{_label} (pid {Pid}) did not exit within {limit.TotalSeconds:0.#} s. Output so far:\n{AllOutput}");
        }
    }

    /// <summary>Waits until a line of output (either stream) matches <paramref name="predicate"/>.</summary>
    public Task WaitForOutputAsync(Func<string, bool> predicate, string description, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        bool Seen() => _stdout.Any(predicate) || _stderr.Any(predicate);

        return Eventually.TrueAsync(
            () =>
            {
                // Decide "exited" before looking at the lines: output is read asynchronously and is
                // complete only once both streams have closed.
                var finished = HasExited && _stdoutClosed.Task.IsCompleted && _stderrClosed.Task.IsCompleted;
                return Seen() || (finished
                    ? throw new WaitAbortedException($"{_label} exited with code {ExitCode} before {description}. Output:\n{AllOutput}")
                    : false);
            },
            description,
            timeout,
            cancellationToken);
    }

    /// <summary>Sends SIGTERM (a graceful stop request) to the process.</summary>
    public void Terminate() => Signal(15);

    /// <summary>Sends a POSIX signal by number.</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            _ = NativeMethods.Kill(_process.Id, signal);
        }
    }

    /// <summary>Kills the process (SIGKILL) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        TryKill(_process);
        await _process.WaitForExitAsync().WaitAsync(TestTimeouts.Brief);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                await KillAsync();
            }
        }
        finally
        {
            Running.TryRemove(_process.Id, out _);
            _process.Dispose();
        }
    }

    private void OnLine(string? line, ConcurrentQueue<string> lines, TaskCompletionSource closed, string stream)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lines.Enqueue(line);
        try
        {
            _output?.WriteLine($"[{_label}:{Pid} {stream}] {line}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; xunit no longer takes output for it.
        }
    }

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exited between the check and the kill.
        }
    }
}

/// <summary>What a finished program returned.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="StandardOutput">Everything written to standard output.</param>
/// <param name="StandardError">Everything written to standard error.</param>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);
