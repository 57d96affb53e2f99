using System.CommandLine;
using EdgeGateway.Configuration;
using EdgeGateway.Hosting;
using EdgeGateway.Operations;
using EdgeGateway.Status;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Cli;

/// <summary>
/// The <c>edge-gateway</c> command line: <c>run</c>, <c>status</c>, <c>doctor</c>, <c>config validate FILE</c>, <c>keys new</c>, <c>--version</c>.
/// Configuration problems print one line per key to standard error and exit with code 2.
/// </summary>
public static class GatewayCommandLine
{
    /// <summary>Parses <paramref name="args"/> and runs the chosen command; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var root = Build(output, error);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                await error.WriteLineAsync($"edge-gateway: {problem.Message}");
            }

            await error.WriteLineAsync("Run 'edge-gateway --help' for usage.");
            return ExitCodes.InvalidConfiguration;
        }

        // The host handles SIGTERM/SIGINT itself; the command line library must not race it.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, Output = output, Error = error });
    }

    private static RootCommand Build(TextWriter output, TextWriter error)
    {
        var configOption = new Option<string>("--config", "-c")
        {
            Description = $"The configuration file (JSON). Environment variables {GatewayConfiguration.EnvironmentPrefix}Section__Key override its values.",
            DefaultValueFactory = _ => GatewayConfiguration.DefaultPath,
            HelpName = "FILE",
        };

        var run = new Command("run", "Run the gateway until SIGTERM or Ctrl-C.") { configOption };
        run.SetAction((parse, cancellationToken) => RunGatewayAsync(parse.GetValue(configOption)!, error, cancellationToken));

        var fileArgument = new Argument<string>("FILE") { Description = "The configuration file to check." };
        var validate = new Command("validate", "Check a configuration file without running; exit code 2 when it is invalid.") { fileArgument };
        validate.SetAction(parse => ValidateAsync(parse.GetValue(fileArgument)!, output, error));

        var showConfigOption = new Option<string>("--config", "-c")
        {
            Description = "The configuration file (the same one the service runs with).",
            DefaultValueFactory = _ => GatewayConfiguration.DefaultPath,
            HelpName = "FILE",
        };
        var show = new Command(
            "show",
            "Print the effective configuration as JSON: the file, the latest configuration version applied over MCP (stored beside the buffer) layered on top, "
            + "then the environment overrides; secrets replaced by ***.")
        {
            showConfigOption,
        };
        show.SetAction(parse => ShowAsync(parse.GetValue(showConfigOption)!, output, error));

        var config = new Command("config", "Work with configuration files.") { validate, show };

        return new RootCommand("EdgeGateway: reads city sensors over MQTT, serial and GPIO, buffers every reading durably, forwards context-enriched batches to Kafka.")
        {
            run,
            BuildStatus(output, error),
            config,
            McpCommand.Build(output, error),
            DoctorCommand.Build(output, error),
            KeysCommand.Build(output, error),
        };
    }

    private static Command BuildStatus(TextWriter output, TextWriter error)
    {
        var configOption = new Option<string?>("--config", "-c")
        {
            Description = $"The gateway's configuration file, to find the status file (Gateway:StatusFile, or status.json next to Buffer:Path). Default: {GatewayConfiguration.DefaultPath} if it exists, else the built-in defaults.",
            HelpName = "FILE",
        };
        var fileOption = new Option<string?>("--file", "-f")
        {
            Description = "Read this status file instead of finding it from the configuration.",
            HelpName = "PATH",
        };
        var jsonOption = new Option<bool>("--json")
        {
            Description = "Print the snapshot as JSON (the file as the gateway wrote it) instead of the summary.",
        };
        var status = new Command(
            "status",
            "Print the running gateway's state and counters, read from the status file it writes every Gateway:StatusInterval. "
            + "Exit codes: 0 running (snapshot fresh); 1 not running: no status file, a file that cannot be read, "
            + $"a snapshot older than {StatusFormatter.StaleAfterIntervals} intervals (stuck or killed), or one written at shutdown; 2 invalid configuration or command line.")
        {
            configOption,
            fileOption,
            jsonOption,
        };
        status.SetAction((parse, cancellationToken) => StatusCommand.RunAsync(
            parse.GetValue(fileOption),
            parse.GetValue(configOption),
            parse.GetValue(jsonOption),
            output,
            error,
            TimeProvider.System,
            cancellationToken));
        return status;
    }

    private static async Task<int> ValidateAsync(string path, TextWriter output, TextWriter error)
    {
        try
        {
            var configuration = GatewayConfiguration.Load(path);
            await output.WriteLineAsync($"{configuration.FilePath}: valid (gateway '{configuration.Gateway.EffectiveId}')");
            return ExitCodes.Success;
        }
        catch (ConfigurationException problem)
        {
            await WriteProblemAsync(error, problem);
            return ExitCodes.InvalidConfiguration;
        }
    }

    private static async Task<int> ShowAsync(string path, TextWriter output, TextWriter error)
    {
        try
        {
            var configuration = ConfigurationVersionStore.LoadEffective(path, out var warning);
            if (warning is not null)
            {
                await error.WriteLineAsync($"edge-gateway: warning: {warning}");
            }

            var document = new System.Text.Json.Nodes.JsonObject
            {
                ["file"] = configuration.FilePath,
                ["version"] = configuration.Version,
                ["configuration"] = ConfigurationRedactor.ToJson(configuration.Root, []),
            };
            await output.WriteLineAsync(document.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Success;
        }
        catch (ConfigurationException problem)
        {
            await WriteProblemAsync(error, problem);
            return ExitCodes.InvalidConfiguration;
        }
    }

    private static async Task<int> RunGatewayAsync(string path, TextWriter error, CancellationToken cancellationToken)
    {
        GatewayConfiguration configuration;
        try
        {
            // The file, with the latest configuration version applied over MCP layered on top.
            configuration = ConfigurationVersionStore.LoadEffective(path, out var warning);
            if (warning is not null)
            {
                await error.WriteLineAsync($"edge-gateway: warning: {warning}");
            }
        }
        catch (ConfigurationException problem)
        {
            await WriteProblemAsync(error, problem);
            return ExitCodes.InvalidConfiguration;
        }

        using var host = GatewayHost.Build(configuration);
        var failures = host.Services.GetRequiredService<CriticalFailures>();
        var services = host.Services.GetServices<IHostedService>().ToList();
        try
        {
            await host.RunAsync(cancellationToken);
        }
        catch (OptionsValidationException problem)
        {
            await error.WriteLineAsync($"edge-gateway: the configuration is invalid:{string.Concat(problem.Failures.Select(f => $"{Environment.NewLine}  {f}"))}");
            return ExitCodes.InvalidConfiguration;
        }
        catch (EdgeGateway.Context.DevicesFileException problem)
        {
            await error.WriteLineAsync($"edge-gateway: {problem.Message}");
            return ExitCodes.InvalidConfiguration;
        }

        // A background loop that died stops the host, which alone may still exit 0 (dotnet/runtime #67146).
        var failure = failures.First
            ?? services.OfType<BackgroundService>().Select(s => s.ExecuteTask?.Exception?.GetBaseException()).FirstOrDefault(e => e is not null);
        if (failure is not null)
        {
            await error.WriteLineAsync($"edge-gateway: stopped after a critical failure: {failure.Message}");
            return ExitCodes.Failure;
        }

        return ExitCodes.Success;
    }

    /// <summary>Prints a configuration problem: one line, or one line per key.</summary>
    internal static async Task WriteProblemAsync(TextWriter error, ConfigurationException problem)
    {
        if (problem.Errors.Count == 0)
        {
            await error.WriteLineAsync($"edge-gateway: {problem.Message}");
            return;
        }

        await error.WriteLineAsync($"edge-gateway: the configuration is invalid ({problem.Errors.Count} problem{(problem.Errors.Count == 1 ? string.Empty : "s")}):");
        foreach (var item in problem.Errors)
        {
            await error.WriteLineAsync($"  {item}");
        }
    }
}
