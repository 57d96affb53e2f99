using EdgeGateway.Testing.Processes;
using Xunit;

namespace EdgeGateway.Tests.StreamProcessor;

/// <summary>Starts <c>stream-processor</c> (built next to the test assembly) as a real process.</summary>
internal static class ProcessorProgram
{
    public static string Assembly
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "stream-processor.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("stream-processor.dll is not next to the test assembly.", path);
        }
    }

    public static ExternalProcess Start(IEnumerable<string> arguments) =>
        ExternalProcess.Start(DotNetPrograms.HostPath, [Assembly, .. arguments]);

    /// <summary>
    /// Starts <c>stream-processor run</c> on <paramref name="bootstrapServers"/> with test timings (10 ms fetch
    /// wait, 6 s session timeout) and waits until it has joined its group.
    /// </summary>
    public static async Task<ExternalProcess> StartRunAsync(string bootstrapServers, string statePath, string instance, params string[] extra)
    {
        var process = Start(
        [
            "run", "--bootstrap-servers", bootstrapServers, "--state", statePath, "--instance-id", instance,
            "--fetch-wait-max", "10ms", "--session-timeout", "6s", .. extra,
        ]);
        await process.WaitForOutputAsync(line => line.Contains("Partitions assigned", StringComparison.Ordinal), $"processor {instance} joined its group", cancellationToken: TestContext.Current.CancellationToken);
        return process;
    }

    /// <summary>Stops it with SIGTERM, expects exit code 0 and no error lines but those <paramref name="expected"/> allows.</summary>
    public static async Task StopAsync(ExternalProcess process, Func<string, bool>? expected = null)
    {
        process.Terminate();
        await process.WaitForExitAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"stream-processor exited with {process.ExitCode}:\n{process.AllOutput}");
        DotNetPrograms.AssertNoErrorLogLines(process, expected);
    }
}
