using EdgeGateway.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;

namespace Microsoft.Extensions.Logging;

/// <summary>The gateway's console logging: levels from section <c>Logging</c>, one line per event in the configured format.</summary>
public static class GatewayLoggingBuilderExtensions
{
    /// <summary>
    /// Adds the console logger in <paramref name="options"/>' format, with the levels of <paramref name="loggingSection"/>
    /// (Information by default; Kestrel's and the MCP SDK's per-request lines only from Warning).
    /// </summary>
    /// <param name="logging">The logging builder.</param>
    /// <param name="loggingSection">Section <c>Logging</c>.</param>
    /// <param name="options">The gateway's keys of that section.</param>
    /// <param name="toStandardError">Writes every event to standard error (when standard output carries a protocol).</param>
    public static ILoggingBuilder AddGatewayConsole(this ILoggingBuilder logging, IConfiguration loggingSection, LoggingOptions options, bool toStandardError = false)
    {
        ArgumentNullException.ThrowIfNull(logging);
        ArgumentNullException.ThrowIfNull(loggingSection);
        ArgumentNullException.ThrowIfNull(options);

        // Per-request lines of Kestrel and the MCP SDK are noise on a gateway; the Logging section can still lower these.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter("ModelContextProtocol", LogLevel.Warning);
        logging.AddConfiguration(loggingSection);
        logging.SetMinimumLevel(LogLevel.Information);
        switch (Resolve(options.Format, toStandardError ? System.Console.IsErrorRedirected : System.Console.IsOutputRedirected, Environment.GetEnvironmentVariable("JOURNAL_STREAM")))
        {
            case LogFormat.Json:
                logging.AddConsole(console => console.FormatterName = JsonLineFormatter.FormatterName);
                logging.AddConsoleFormatter<JsonLineFormatter, ConsoleFormatterOptions>();
                break;
            case LogFormat.Simple:
                logging.AddSimpleConsole(console =>
                {
                    console.SingleLine = true;
                    console.UseUtcTimestamp = true;
                    console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                    console.ColorBehavior = LoggerColorBehavior.Disabled;
                });
                break;
            default:
                // .NET's systemd formatter: "<6>Category[EventId] message", line breaks of the message and the
                // exception folded into spaces (journald splits entries at line breaks), no timestamp, no colours.
                logging.AddSystemdConsole(console =>
                {
                    console.IncludeScopes = false;
                    console.TimestampFormat = null;
                });
                break;
        }

        if (toStandardError)
        {
            logging.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        return logging;
    }

    /// <summary>The format <paramref name="configured"/> means where the log goes.</summary>
    /// <param name="configured">The configured <c>Logging:Format</c>.</param>
    /// <param name="redirected">True when the log's stream is not a terminal.</param>
    /// <param name="journalStream">The value of <c>$JOURNAL_STREAM</c> (systemd sets it when the stream is the journal).</param>
    public static LogFormat Resolve(LogFormat configured, bool redirected, string? journalStream) => configured switch
    {
        LogFormat.Auto when redirected || !string.IsNullOrEmpty(journalStream) => LogFormat.Systemd,
        LogFormat.Auto => LogFormat.Simple,
        _ => configured,
    };
}
