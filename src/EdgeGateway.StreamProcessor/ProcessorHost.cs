using EdgeGateway.Kafka.Producing;
using EdgeGateway.StreamProcessor.Ingest;
using EdgeGateway.StreamProcessor.Kafka;
using EdgeGateway.StreamProcessor.State;
using EdgeGateway.StreamProcessor.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EdgeGateway.StreamProcessor;

/// <summary>The composition root of <c>stream-processor run</c>.</summary>
internal static class ProcessorHost
{
    /// <summary>The version reported as the MCP server's.</summary>
    public static string Version { get; } = typeof(ProcessorHost).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Builds the host over validated <paramref name="options"/>.</summary>
    public static IHost Build(ProcessorOptions options)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "stream-processor",
            ContentRootPath = AppContext.BaseDirectory,
        });
        AddConsoleLogging(builder.Logging, builder.Services, toStandardError: options.Stdout);

        // The SDK logs every refused batch as an error with its stack; the Kafka host logs each refusal once (event 807).
        builder.Logging.AddFilter("ModelContextProtocol.Server.McpServer", LogLevel.Critical);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.AddStreamProcessor(options);
        return builder.Build();
    }

    /// <summary>Registers the processor: state, Kafka producer, the MCP server options with the ingest tool, and its services.</summary>
    public static IServiceCollection AddStreamProcessor(this IServiceCollection services, ProcessorOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new ProcessorState(options, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton(_ => options.KeysFile is { Length: > 0 } keysFile ? FieldKeys.Load(keysFile) : FieldKeys.None);
        services.AddSingleton(provider =>
        {
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeGateway.StreamProcessor.Kafka.Producer");
            var producer = new KafkaRecordProducer(
                new KafkaProducerSettings
                {
                    BootstrapServers = options.BootstrapServers,
                    Security = options.Security,
                    ClientId = $"stream-processor-{options.InstanceId}",
                    Linger = TimeSpan.Zero,
                    DeliveryTimeout = TimeSpan.FromSeconds(30),
                },
                (error, fatal) => ProducerLog.Error(logger, error, fatal));
            producer.WarmUp(options.ResponseTopic, TimeSpan.FromSeconds(5));
            return producer;
        });
        services.AddSingleton(provider => new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "edge-stream-processor", Version = Version },
            ToolCollection =
            [
                new IngestReadingsTool(
                    options.ToolName,
                    provider.GetRequiredService<ProcessorState>(),
                    provider.GetRequiredService<FieldKeys>(),
                    provider.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeGateway.StreamProcessor.Ingest")),
            ],
        });
        services.AddHostedService<KafkaMcpServerHost>();
        services.AddHostedService<OutboxPublisher>();
        services.AddHostedService<StateMaintenance>();
        return services;
    }

    /// <summary>One-line console logs with UTC times, as the gateway writes them; optionally all on standard error.</summary>
    public static void AddConsoleLogging(ILoggingBuilder logging, IServiceCollection services, bool toStandardError)
    {
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("ModelContextProtocol", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        if (toStandardError)
        {
            services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        }
    }
}

/// <summary>The producer's client-level errors.</summary>
internal static partial class ProducerLog
{
    /// <summary>Logs a librdkafka client error (informational unless fatal).</summary>
    public static void Error(ILogger logger, string error, bool fatal)
    {
        if (fatal)
        {
            Fatal(logger, error);
        }
        else
        {
            Transient(logger, error);
        }
    }

    [LoggerMessage(EventId = 841, Level = LogLevel.Warning, Message = "Kafka producer: {Error}")]
    private static partial void Transient(ILogger logger, string error);

    [LoggerMessage(EventId = 842, Level = LogLevel.Critical, Message = "Kafka producer failed for good: {Error}")]
    private static partial void Fatal(ILogger logger, string error);
}
