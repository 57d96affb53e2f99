using Microsoft.Extensions.Logging;
using Xunit;

namespace EdgeGateway.Testing.Logging;

/// <summary>
/// Base class for tests that run product code with logging: gives a <see cref="LoggerFactory"/>
/// wired to the test output, and fails the test at the end if an error was logged that the test did
/// not declare with <see cref="TestLoggerProvider.ExpectErrors"/>. Derived classes that need async
/// set-up or tear-down override <see cref="InitializeAsync"/> / <see cref="CleanUpAsync"/>.
/// </summary>
public abstract class LoggedTest : IAsyncLifetime
{
    /// <summary>Creates the logging for one test.</summary>
    protected LoggedTest()
    {
        Logs = new TestLoggerProvider();
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(LogLevel.Debug);
            builder.AddProvider(Logs);
        });
    }

    /// <summary>Everything logged during the test.</summary>
    protected TestLoggerProvider Logs { get; }

    /// <summary>A logger factory whose output goes to the test and to <see cref="Logs"/>.</summary>
    protected ILoggerFactory LoggerFactory { get; }

    /// <summary>The test's cancellation token (cancelled when the run is aborted).</summary>
    protected static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <inheritdoc />
    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await CleanUpAsync();
        }
        finally
        {
            LoggerFactory.Dispose();
        }

        GC.SuppressFinalize(this);

        // Only judge the logs of a test that otherwise passed: a failing test already says what went wrong.
        if (TestContext.Current.TestState?.Result is not TestResult.Failed)
        {
            Logs.AssertNoUnexpectedErrors();
        }
    }

    /// <summary>Releases what the derived test started; runs before the log check.</summary>
    protected virtual ValueTask CleanUpAsync() => ValueTask.CompletedTask;
}
