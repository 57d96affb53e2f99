using System.ComponentModel;
using EdgeGateway.Configuration;

namespace EdgeGateway.Logging;

/// <summary>
/// The gateway's own keys in section <c>Logging</c>. The rest of the section (<c>LogLevel</c>, provider
/// sections) is .NET logging's and is passed to it unchanged; only these keys are checked at startup.
/// </summary>
public sealed class LoggingOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Logging";

    /// <summary>How each log event is written to standard output (<c>auto</c>, <c>systemd</c>, <c>json</c> or <c>simple</c>).</summary>
    public LogFormat Format { get; set; } = LogFormat.Auto;

    /// <summary>
    /// How long repeats of one bad-input cause (a reason from a source) are only counted after the first is
    /// logged; one summary line with the count follows when the window ends.
    /// </summary>
    [DurationRange("1s", "1d")]
    public TimeSpan BadInputWindow { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>How log events are written (<c>Logging:Format</c>).</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum LogFormat
{
    /// <summary>
    /// <see cref="Simple"/> when the log goes to a terminal (someone trying the gateway out), <see cref="Systemd"/>
    /// otherwise: under systemd (<c>$JOURNAL_STREAM</c>), into a pipe or a file.
    /// </summary>
    Auto,

    /// <summary>
    /// One line per event with a syslog priority prefix (<c>&lt;4&gt;</c>) that journald turns into the entry's
    /// priority; no timestamp (journald adds it), no colours, line breaks in messages and exceptions folded.
    /// </summary>
    Systemd,

    /// <summary>One JSON object per line: time, level, category, event, message, state, exception.</summary>
    Json,

    /// <summary>One line per event with a UTC timestamp and a level word, for a terminal.</summary>
    Simple,
}
