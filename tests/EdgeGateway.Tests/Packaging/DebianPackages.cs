using EdgeGateway.Testing.Processes;
using Xunit;

namespace EdgeGateway.Tests.Packaging;

/// <summary>
/// The three .deb files of <c>deploy/package.sh</c>: taken from <c>$EDGEGW_PACKAGES_DIR</c> when
/// deploy/test.sh built them already, otherwise built once here (several minutes).
/// </summary>
public sealed class DebianPackages : IAsyncLifetime
{
    public static readonly string[] Architectures = ["amd64", "arm64", "armhf"];

    private string _directory = string.Empty;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public string PathOf(string architecture) =>
        Directory.GetFiles(_directory, $"edge-gateway_*_{architecture}.deb").Single();

    public async ValueTask InitializeAsync()
    {
        _directory = Environment.GetEnvironmentVariable("EDGEGW_PACKAGES_DIR") is { Length: > 0 } given
            ? given
            : Path.Combine(RepositoryRoot, "deploy", "out", "packages");
        var missing = Architectures.Where(a => !Directory.Exists(_directory) || Directory.GetFiles(_directory, $"edge-gateway_*_{a}.deb").Length == 0).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var result = await ExternalProcess.RunAsync(
            "bash",
            [Path.Combine(RepositoryRoot, "deploy", "package.sh"), .. missing],
            timeout: TimeSpan.FromMinutes(30),
            environment: new Dictionary<string, string?> { ["EDGEGW_PACKAGES_DIR"] = _directory });
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"deploy/package.sh failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeGateway.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"EdgeGateway.sln not found above {AppContext.BaseDirectory}.");
    }
}
