using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit;

namespace EdgeGateway.Testing.Logging;

/// <summary>
/// A logger provider for tests: copies every entry to the test's output and keeps it, so a test can
/// assert on logs and so unexpected errors fail the test (see <see cref="AssertNoUnexpectedErrors"/>).
/// </summary>
public sealed class TestLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLogEntry> _entries = new();
    private readonly ConcurrentBag<Func<CapturedLogEntry, bool>> _expectedErrors = [];
    private readonly ITestOutputHelper? _output = TestContext.Current.TestOutputHelper;

    /// <summary>Every entry written so far.</summary>
    public IReadOnlyList<CapturedLogEntry> Entries => [.. _entries];

    /// <summary>The lowest level kept and shown. Debug by default.</summary>
    public LogLevel MinimumLevel { get; init; } = LogLevel.Debug;

    /// <summary>
    /// Declares that errors matching <paramref name="match"/> are part of what the test checks, so
    /// they do not fail it. Everything else at Error or above does.
    /// </summary>
    public void ExpectErrors(Func<CapturedLogEntry, bool> match) => _expectedErrors.Add(match);

    /// <summary>Errors (and criticals) that no <see cref="ExpectErrors"/> call allowed.</summary>
    public IReadOnlyList<CapturedLogEntry> UnexpectedErrors =>
        [.. _entries.Where(e => e.Level >= LogLevel.Error && !_expectedErrors.Any(match => match(e)))];

    /// <summary>Throws when an error was logged that the test did not expect.</summary>
    /// <exception cref="Xunit.Sdk.XunitException">The message lists every unexpected error.</exception>
    public void AssertNoUnexpectedErrors()
    {
        var unexpected = UnexpectedErrors;
        if (unexpected.Count > 0)
        {
            throw new UnexpectedErrorLogException(unexpected);
        }
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new TestLogger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private void Write(CapturedLogEntry entry)
    {
        _entries.Enqueue(entry);
        try
        {
            _output?.WriteLine($"[{DateTime.UtcNow:HH:mm:ss.fff}] {entry}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; xunit no longer takes output for it.
        }
    }

    private sealed class TestLogger(TestLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider.MinimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(new CapturedLogEntry(category, logLevel, eventId, formatter(state, exception), exception));
            }
        }
    }
}

/// <summary>Thrown when a test logged errors it did not declare as expected.</summary>
public sealed class UnexpectedErrorLogException : Xunit.Sdk.XunitException
{
    /// <summary>Creates the exception listing <paramref name="entries"/>.</summary>
    public UnexpectedErrorLogException(IReadOnlyList<CapturedLogEntry> entries)
        : base($"{entries.Count} unexpected error log entr{(entries.Count == 1 ? "y" : "ies")}:\n" + string.Join('\n', entries))
    {
    }
}
