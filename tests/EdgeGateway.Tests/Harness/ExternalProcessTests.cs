using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Harness;

public sealed class ExternalProcessTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Run_returns_the_exit_code_and_both_output_streams()
    {
        var result = await ExternalProcess.RunAsync("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], cancellationToken: Token);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out", result.StandardOutput);
        Assert.Equal("err", result.StandardError);
    }

    [Fact]
    public async Task Disposing_kills_a_process_that_is_still_running()
    {
        var process = ExternalProcess.Start("/bin/sh", ["-c", "echo started; exec sleep 600"]);
        await process.WaitForOutputAsync(line => line == "started", "the shell started", cancellationToken: Token);
        var pid = process.Pid;

        await process.DisposeAsync();

        await Eventually.TrueAsync(() => !Directory.Exists($"/proc/{pid}"), $"pid {pid} is gone", cancellationToken: Token);
    }

    [Fact]
    public async Task Waiting_for_output_of_a_process_that_exited_fails_fast_with_its_output()
    {
        await using var process = ExternalProcess.Start("/bin/sh", ["-c", "echo something else; exit 1"]);

        var error = await Assert.ThrowsAsync<WaitAbortedException>(() =>
            process.WaitForOutputAsync(line => line == "never", "a line that never comes", cancellationToken: Token));
        Assert.Contains("something else", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Temp_directories_are_removed_on_dispose()
    {
        string path;
        using (var directory = TempDirectory.Create("harness"))
        {
            path = directory.Path;
            directory.WriteFile("nested/file.txt", "content");
            Assert.True(File.Exists(directory.File("nested/file.txt")));
        }

        Assert.False(Directory.Exists(path));
    }
}
