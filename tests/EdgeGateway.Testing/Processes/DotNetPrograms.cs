namespace EdgeGateway.Testing.Processes;

/// <summary>
/// Starts this repository's own programs (edge-gateway, firmware-sim) as real processes, from the
/// builds copied next to the test assembly, so command-line behaviour is tested end to end.
/// </summary>
public static class DotNetPrograms
{
    /// <summary>The <c>dotnet</c> host that runs the tests (set by the SDK), or <c>dotnet</c> from PATH.</summary>
    public static string HostPath { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";

    /// <summary>The path of the edge-gateway assembly.</summary>
    public static string Gateway => Locate("edge-gateway.dll");

    /// <summary>The path of the firmware-sim assembly.</summary>
    public static string FirmwareSim => Locate("firmware-sim.dll");

    /// <summary>
    /// The environment variable that moves a gateway's metrics and health listener (<c>Observability:Http:Url</c>).
    /// Every gateway a test starts gets port 0 (any free port, logged) unless the test sets it: many
    /// gateways run at once, and none may bind the fixed default port 9750.
    /// </summary>
    public const string ObservabilityUrlVariable = "EDGEGW__Observability__Http__Url";

    /// <summary>
    /// A natively compiled edge-gateway executable to run instead of the assembly (the environment variable
    /// <c>EDGEGW_TEST_NATIVE_GATEWAY</c>, set by deploy/test.sh), so that the process-level tests also check the
    /// Native AOT build, whose reflection (configuration binding, MCP tools, JSON) fails only at run time.
    /// </summary>
    public static string? NativeGateway { get; } = Environment.GetEnvironmentVariable("EDGEGW_TEST_NATIVE_GATEWAY") is { Length: > 0 } native ? native : null;

    /// <summary>The program and arguments that run edge-gateway with <paramref name="arguments"/>: the native executable, or the host with the assembly.</summary>
    public static (string Program, IList<string> Arguments) GatewayCommand(IEnumerable<string> arguments) =>
        NativeGateway is { } native ? (native, [.. arguments]) : (HostPath, [Gateway, .. arguments]);

    /// <summary>Starts edge-gateway with <paramref name="arguments"/>.</summary>
    public static ExternalProcess StartGateway(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var (program, all) = GatewayCommand(arguments);
        return ExternalProcess.Start(program, all, workingDirectory, GatewayEnvironment(environment));
    }

    /// <summary>Runs edge-gateway with <paramref name="arguments"/> to completion.</summary>
    public static Task<ProcessResult> RunGatewayAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        var (program, all) = GatewayCommand(arguments);
        return ExternalProcess.RunAsync(program, all, environment: GatewayEnvironment(environment), cancellationToken: cancellationToken);
    }

    /// <summary>Starts firmware-sim with <paramref name="arguments"/> (stop it with <see cref="ExternalProcess.Terminate"/>, as Ctrl+C would).</summary>
    public static ExternalProcess StartFirmwareSim(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null) =>
        ExternalProcess.Start(HostPath, [FirmwareSim, .. arguments], workingDirectory, environment);

    /// <summary>Runs firmware-sim with <paramref name="arguments"/> to completion.</summary>
    public static Task<ProcessResult> RunFirmwareSimAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        ExternalProcess.RunAsync(HostPath, [FirmwareSim, .. arguments], cancellationToken: cancellationToken);

    /// <summary>
    /// The same rule as for in-process logs: an edge-gateway process must not have logged an error
    /// (see <see cref="IsErrorLogLine"/>) unless <paramref name="expected"/> allows it.
    /// </summary>
    /// <exception cref="Xunit.Sdk.XunitException">Lists the unexpected error lines.</exception>
    public static void AssertNoErrorLogLines(ExternalProcess process, Func<string, bool>? expected = null)
    {
        ArgumentNullException.ThrowIfNull(process);
        var errors = process.StandardOutput.Concat(process.StandardError)
            .Where(IsErrorLogLine)
            .Where(line => expected is null || !expected(line))
            .ToList();
        if (errors.Count > 0)
        {
            throw new Xunit.Sdk.XunitException($"The process logged {errors.Count} unexpected error line(s):\n{string.Join('\n', errors)}");
        }
    }

    /// <summary>
    /// True for an Error or Critical event in any of the console formats: <c>fail:</c>/<c>crit:</c> (simple),
    /// a syslog priority of 0-3 (<c>&lt;3&gt;</c>, systemd), <c>"level":"error"</c>/<c>"critical"</c> (json).
    /// </summary>
    public static bool IsErrorLogLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Contains(" fail: ", StringComparison.Ordinal) || line.Contains(" crit: ", StringComparison.Ordinal)
            || (line.Length > 3 && line[0] == '<' && line[1] is >= '0' and <= '3' && line[2] == '>')
            || line.Contains("\"level\":\"error\"", StringComparison.Ordinal) || line.Contains("\"level\":\"critical\"", StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> GatewayEnvironment(IReadOnlyDictionary<string, string?>? environment)
    {
        var merged = environment is null ? new Dictionary<string, string?>(StringComparer.Ordinal) : new Dictionary<string, string?>(environment, StringComparer.Ordinal);
        merged.TryAdd(ObservabilityUrlVariable, "http://127.0.0.1:0");
        return merged;
    }

    private static string Locate(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, fileName);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{fileName} is not next to the test assembly; does the test project reference its project?", path);
    }
}
