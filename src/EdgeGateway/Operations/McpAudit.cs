using Microsoft.Extensions.Logging;

namespace EdgeGateway.Operations;

/// <summary>
/// The audit log of the MCP server: one line per change and per refused call, with who (the token's
/// name), what, and when, under the category <c>EdgeGateway.Operations.Audit</c>. Arguments are never
/// written whole, so no secret can reach the log through it.
/// </summary>
public sealed partial class McpAudit
{
    /// <summary>The log category of audit lines.</summary>
    public const string Category = "EdgeGateway.Operations.Audit";

    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the audit log.</summary>
    public McpAudit(ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _logger = loggerFactory.CreateLogger(Category);
        _timeProvider = timeProvider;
    }

    /// <summary>Records a change that was made.</summary>
    public void Changed(string who, string what, string target, string outcome)
    {
        var now = _timeProvider.GetUtcNow();
        LogChanged(_logger, now, who, what, target, outcome);
    }

    /// <summary>Records a call that was refused for lack of scope or authentication.</summary>
    public void Refused(string who, string what, string reason)
    {
        var now = _timeProvider.GetUtcNow();
        LogRefused(_logger, now, who, what, reason);
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "audit: at {When:O} {Who} {What} {Target}: {Outcome}")]
    private static partial void LogChanged(ILogger logger, DateTimeOffset when, string who, string what, string target, string outcome);

    [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "audit: at {When:O} {Who} was refused {What}: {Reason}")]
    private static partial void LogRefused(ILogger logger, DateTimeOffset when, string who, string what, string reason);
}
