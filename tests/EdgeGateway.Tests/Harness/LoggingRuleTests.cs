using EdgeGateway.Testing.Logging;
using Microsoft.Extensions.Logging;
using Xunit;

namespace EdgeGateway.Tests.Harness;

public sealed class LoggingRuleTests
{
    [Fact]
    public void An_unexpected_error_log_fails_the_check()
    {
        var logs = new TestLoggerProvider();
        logs.CreateLogger("Component").LogError("disk on fire");

        var error = Assert.Throws<UnexpectedErrorLogException>(logs.AssertNoUnexpectedErrors);
        Assert.Contains("disk on fire", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_expected_error_and_lower_levels_pass_the_check()
    {
        var logs = new TestLoggerProvider();
        logs.ExpectErrors(entry => entry.Message.Contains("bad frame", StringComparison.Ordinal));
        var logger = logs.CreateLogger("Component");
        logger.LogError("bad frame from uart0");
        logger.LogWarning("slow disk");

        logs.AssertNoUnexpectedErrors();
        Assert.Equal(2, logs.Entries.Count);
    }

    [Fact]
    public async Task A_logged_test_that_logged_an_unexpected_error_fails_when_disposed()
    {
        var test = new SampleLoggedTest();
        test.LogError("broken");

        await Assert.ThrowsAsync<UnexpectedErrorLogException>(async () => await test.DisposeAsync());
    }

    [Fact]
    public async Task A_logged_test_without_errors_disposes_cleanly()
    {
        var test = new SampleLoggedTest();
        test.LogInformation("fine");

        await test.DisposeAsync();
        Assert.True(test.Disposed);
    }

    private sealed class SampleLoggedTest : LoggedTest
    {
        public bool Disposed { get; private set; }

        public void LogError(string message) => LoggerFactory.CreateLogger("Sample").LogError("{Message}", message);

        public void LogInformation(string message) => LoggerFactory.CreateLogger("Sample").LogInformation("{Message}", message);

        protected override ValueTask CleanUpAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
