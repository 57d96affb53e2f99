using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using EdgeGateway.StreamProcessor.Demo;
using EdgeGateway.StreamProcessor.Gateways;
using EdgeGateway.StreamProcessor.Ingest;
using EdgeGateway.StreamProcessor.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace EdgeGateway.StreamProcessor.Cli;

/// <summary>
/// The <c>stream-processor</c> command line: <c>run</c> (the processor), <c>mcp</c> (its tools over stdio),
/// <c>gateway call</c> (a gateway's tool over the control topic), and the demo's helpers <c>mock-kafka</c>,
/// <c>verify</c> and <c>watch</c>. Exit codes: 0 success, 1 failure, 2 invalid command line.
/// </summary>
internal static class ProcessorCommandLine
{
    /// <summary>Success.</summary>
    public const int Success = 0;

    /// <summary>A failure while running (or a check that found a problem).</summary>
    public const int Failure = 1;

    /// <summary>Invalid command line.</summary>
    public const int InvalidUsage = 2;

    /// <summary>Parses <paramref name="args"/> and runs the command; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("The reference cloud stream processor for EdgeGateway batches (MCP over Kafka), and its tools.")
        {
            BuildRun(error),
            BuildMcp(),
            GatewayCallCommand.Build(output, error),
            MockKafkaCommand.Build(output, error),
            VerifyCommand.Build(output, error),
            WatchCommand.Build(error),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                await error.WriteLineAsync($"stream-processor: {problem.Message}");
            }

            await error.WriteLineAsync("Run 'stream-processor --help' for usage.");
            return InvalidUsage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, Output = output, Error = error });
    }

    /// <summary>A required <c>--bootstrap-servers</c> option.</summary>
    internal static Option<string> BootstrapOption() => new("--bootstrap-servers", "-b")
    {
        Description = "Kafka brokers, host:port[,host:port].",
        HelpName = "SERVERS",
        Required = true,
    };

    /// <summary>A duration option with a default.</summary>
    internal static Option<TimeSpan> DurationOption(string name, TimeSpan defaultValue, string description) => new(name)
    {
        Description = $"{description} (e.g. 500ms, 30s, 5m; default {defaultValue.TotalSeconds}s).",
        HelpName = "DURATION",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
            if (Durations.TryParse(text) is { } value)
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a duration (500ms, 30s, 5m, 2h)");
            return default;
        },
    };

    private static Command BuildRun(TextWriter error)
    {
        var defaults = new ProcessorOptions();
        var bootstrap = BootstrapOption();
        var group = new Option<string>("--group") { Description = "Consumer group shared by the instances.", DefaultValueFactory = _ => defaults.GroupId };
        var batchTopic = new Option<string>("--batch-topic") { Description = "Where the gateways send batches.", DefaultValueFactory = _ => defaults.BatchTopic };
        var responseTopic = new Option<string>("--response-topic") { Description = "Where each batch's JSON-RPC answer goes (key: gateway id).", DefaultValueFactory = _ => defaults.ResponseTopic };
        var windowTopic = new Option<string>("--window-topic") { Description = "Closed windows (key: device id).", DefaultValueFactory = _ => defaults.WindowTopic };
        var alertTopic = new Option<string>("--alert-topic") { Description = "Alerts raised and cleared (key: device id).", DefaultValueFactory = _ => defaults.AlertTopic };
        var deadLetterTopic = new Option<string>("--dead-letter-topic") { Description = "Batches that could not be processed.", DefaultValueFactory = _ => defaults.DeadLetterTopic };
        var toolName = new Option<string>("--tool-name") { Description = "The ingest tool's name (the gateways' Kafka:ToolName).", DefaultValueFactory = _ => defaults.ToolName };
        var state = new Option<string>("--state") { Description = "The SQLite state file (instances sharing partitions share it).", DefaultValueFactory = _ => defaults.StatePath, HelpName = "FILE" };
        var window = DurationOption("--window", defaults.Window, "Tumbling window length");
        var lateness = DurationOption("--allowed-lateness", defaults.AllowedLateness, "How far behind a series' watermark a reading still updates its window");
        var idle = DurationOption("--idle-timeout", defaults.IdleTimeout, "A quiet series' windows close this long after end + lateness");
        var dedup = DurationOption("--dedup-retention", defaults.DedupRetention, "How long batch ids and reading keys are remembered");
        var retention = DurationOption("--window-retention", defaults.WindowRetention, "How long closed windows stay in the state file");
        var session = DurationOption("--session-timeout", defaults.SessionTimeout, "Kafka consumer session timeout");
        var fetchWait = DurationOption("--fetch-wait-max", defaults.FetchWaitMax, "Longest a broker holds an empty fetch");
        var lease = DurationOption("--outbox-lease", defaults.OutboxLease, "How long an instance holds the window and alert records it is sending before others may");
        var alerts = new Option<string[]>("--alert")
        {
            Description = "A threshold alert METRIC>VALUE or METRIC<VALUE (repeat the option for more), e.g. --alert 'pm25>50'.",
            HelpName = "RULE",
            AllowMultipleArgumentsPerToken = false,
        };
        var keysFile = new Option<string?>("--keys-file")
        {
            Description = "Field-encryption keys ('KEY-ID KEY' per line, as the gateways' Encryption:KeysFile) to decrypt personal-data values; without the key, such values are counted and left out.",
            HelpName = "FILE",
        };
        var stdout = new Option<bool>("--stdout") { Description = "Also print window and alert records as JSON lines on standard output (logs go to standard error)." };
        var instance = new Option<string>("--instance-id") { Description = "This instance's name in logs and client ids.", DefaultValueFactory = _ => defaults.InstanceId };

        var security = new KafkaSecurityOptions();
        var run = new Command("run", "Run the processor until SIGTERM or Ctrl-C: consume batches, answer them, write windows and alerts.")
        {
            bootstrap, group, batchTopic, responseTopic, windowTopic, alertTopic, deadLetterTopic, toolName, state, window, lateness, idle, dedup, retention,
            session, fetchWait, lease, alerts, keysFile, stdout, instance,
        };
        security.AddTo(run);
        run.SetAction(async (parse, cancellationToken) =>
        {
            List<string> problems = [];
            var options = new ProcessorOptions
            {
                Security = security.Read(parse, problems),
                BootstrapServers = parse.GetValue(bootstrap)!,
                GroupId = parse.GetValue(group)!,
                BatchTopic = parse.GetValue(batchTopic)!,
                ResponseTopic = parse.GetValue(responseTopic)!,
                WindowTopic = parse.GetValue(windowTopic)!,
                AlertTopic = parse.GetValue(alertTopic)!,
                DeadLetterTopic = parse.GetValue(deadLetterTopic)!,
                ToolName = parse.GetValue(toolName)!,
                StatePath = parse.GetValue(state)!,
                Window = parse.GetValue(window),
                AllowedLateness = parse.GetValue(lateness),
                IdleTimeout = parse.GetValue(idle),
                DedupRetention = parse.GetValue(dedup),
                WindowRetention = parse.GetValue(retention),
                SessionTimeout = parse.GetValue(session),
                FetchWaitMax = parse.GetValue(fetchWait),
                OutboxLease = parse.GetValue(lease),
                Stdout = parse.GetValue(stdout),
                KeysFile = parse.GetValue(keysFile),
                InstanceId = parse.GetValue(instance)!,
            };
            List<AlertRule> rules = [];
            foreach (var text in parse.GetValue(alerts) ?? [])
            {
                try
                {
                    rules.Add(AlertRule.Parse(text));
                }
                catch (FormatException problem)
                {
                    problems.Add($"--alert: {problem.Message}");
                }
            }

            options.Alerts = rules;
            problems.AddRange(options.Validate());
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await error.WriteLineAsync($"stream-processor: {problem}");
                }

                return InvalidUsage;
            }

            using var host = ProcessorHost.Build(options);
            try
            {
                await host.RunAsync(cancellationToken);
                return Success;
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                await error.WriteLineAsync($"stream-processor: {failure.Message}");
                return Failure;
            }
        });
        return run;
    }

    private static Command BuildMcp()
    {
        var state = new Option<string>("--state") { Description = "The processors' SQLite state file.", DefaultValueFactory = _ => new ProcessorOptions().StatePath, HelpName = "FILE" };
        var mcp = new Command("mcp", "Serve the processor's tools for people over stdio (MCP): get_latest, list_alerts, list_windows, get_counters.") { state };
        mcp.SetAction(async (parse, cancellationToken) =>
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "stream-processor-mcp", ContentRootPath = AppContext.BaseDirectory });
            ProcessorHost.AddConsoleLogging(builder.Logging, builder.Services, toStandardError: true);
            builder.Services.AddSingleton(new StateFileLocation(Path.GetFullPath(parse.GetValue(state)!)));
            builder.Services
                .AddMcpServer(server => server.ServerInfo = new Implementation { Name = "edge-stream-processor", Version = ProcessorHost.Version })
                .WithStdioServerTransport()
                .WithTools<ProcessorQueryTools>();
            using var host = builder.Build();
            await host.RunAsync(cancellationToken);
            return Success;
        });
        return mcp;
    }
}
