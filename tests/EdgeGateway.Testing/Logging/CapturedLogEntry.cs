using Microsoft.Extensions.Logging;

namespace EdgeGateway.Testing.Logging;

/// <summary>One log entry written during a test.</summary>
/// <param name="Category">The logger category (usually the type name).</param>
/// <param name="Level">The level it was written at.</param>
/// <param name="EventId">The event id.</param>
/// <param name="Message">The formatted message.</param>
/// <param name="Exception">The exception, if one was logged.</param>
public sealed record CapturedLogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Level} {Category}[{EventId.Id}] {Message}" + (Exception is null ? string.Empty : $" ({Exception.GetType().Name}: {Exception.Message})");
}
