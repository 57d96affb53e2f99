using EdgeGateway.Testing.Processes;
using Xunit;

namespace EdgeGateway.Tests.Cli;

public sealed class FirmwareSimCommandLineTests
{
    [Fact]
    public async Task Version_prints_the_product_version_and_bad_arguments_exit_2()
    {
        var version = await DotNetPrograms.RunFirmwareSimAsync(["--version"], TestContext.Current.CancellationToken);
        var bad = await DotNetPrograms.RunFirmwareSimAsync(["--fleet-size", "lots"], TestContext.Current.CancellationToken);

        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+$", version.StandardOutput);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--fleet-size", bad.StandardError, StringComparison.Ordinal);
    }
}
