using System.Text.Json;
using EdgeGateway.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Xunit;

namespace EdgeGateway.Tests.Logging;

/// <summary>The console formats of <c>Logging:Format</c>, through the formatter the gateway's logging wiring picks.</summary>
public sealed class LogFormatTests
{
    private const string Template = "Buffer operation '{Operation}' failed after {Attempts} attempts";

    private static string Write(LogFormat format, LogLevel level, Exception? exception)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddGatewayConsole(new ConfigurationBuilder().Build(), new LoggingOptions { Format = format }));
        using var provider = services.BuildServiceProvider();
        var name = provider.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName;
        var formatter = Assert.Single(provider.GetServices<ConsoleFormatter>(), f => f.Name == name);

        List<KeyValuePair<string, object?>> state = [new("Operation", "vacuum\nnow"), new("Attempts", 3), new("{OriginalFormat}", Template)];
        var entry = new LogEntry<List<KeyValuePair<string, object?>>>(
            level, "EdgeGateway.Buffering.ReadingBuffer", new EventId(211, "LogOperationFailed"), state, exception,
            (_, _) => "Buffer operation 'vacuum\nnow' failed after 3 attempts");
        using var writer = new StringWriter();
        formatter.Write(entry, null, writer);
        return writer.ToString();
    }

    private static InvalidOperationException Thrown()
    {
        try
        {
            try
            {
                throw new IOException("disk I/O error\nsecond line of the inner message");
            }
            catch (IOException inner)
            {
                throw new InvalidOperationException("the commit failed", inner);
            }
        }
        catch (InvalidOperationException error)
        {
            return error;
        }
    }

    [Fact]
    public void Systemd_writes_one_line_with_the_syslog_priority_even_for_an_exception()
    {
        var exception = Thrown();
        Assert.Contains('\n', exception.ToString());

        var text = Write(LogFormat.Systemd, LogLevel.Error, exception);

        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var line = Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("<3>EdgeGateway.Buffering.ReadingBuffer[211] Buffer operation 'vacuum now' failed after 3 attempts", line, StringComparison.Ordinal);
        Assert.Contains("the commit failed", line, StringComparison.Ordinal);
        Assert.Contains("disk I/O error second line of the inner message", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', line);
    }

    [Theory]
    [InlineData(true, null, LogFormat.Systemd)]
    [InlineData(false, "8:12345", LogFormat.Systemd)]
    [InlineData(false, null, LogFormat.Simple)]
    public void Auto_is_the_default_and_means_simple_on_a_terminal_and_systemd_in_the_journal_or_a_pipe(bool redirected, string? journalStream, LogFormat expected)
    {
        Assert.Equal(LogFormat.Auto, new LoggingOptions().Format);
        Assert.Equal(expected, GatewayLoggingBuilderExtensions.Resolve(LogFormat.Auto, redirected, journalStream));
        Assert.Equal(LogFormat.Json, GatewayLoggingBuilderExtensions.Resolve(LogFormat.Json, redirected: false, journalStream: null));
    }

    [Theory]
    [InlineData(LogLevel.Critical, "<2>")]
    [InlineData(LogLevel.Warning, "<4>")]
    [InlineData(LogLevel.Information, "<6>")]
    [InlineData(LogLevel.Debug, "<7>")]
    public void Systemd_lines_carry_the_priority_journald_reads(LogLevel level, string prefix) =>
        Assert.StartsWith(prefix, Write(LogFormat.Systemd, level, null), StringComparison.Ordinal);

    [Fact]
    public void Json_writes_one_object_per_line_with_the_exception_as_one_field()
    {
        var exception = Thrown();

        var text = Write(LogFormat.Json, LogLevel.Error, exception);

        var line = Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("time").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.Equal("error", root.GetProperty("level").GetString());
        Assert.Equal("EdgeGateway.Buffering.ReadingBuffer", root.GetProperty("category").GetString());
        Assert.Equal(211, root.GetProperty("eventId").GetInt32());
        Assert.Equal("LogOperationFailed", root.GetProperty("eventName").GetString());
        Assert.Equal("Buffer operation 'vacuum\nnow' failed after 3 attempts", root.GetProperty("message").GetString());
        Assert.Equal("vacuum\nnow", root.GetProperty("state").GetProperty("Operation").GetString());
        Assert.Equal(3, root.GetProperty("state").GetProperty("Attempts").GetInt32());
        Assert.False(root.GetProperty("state").TryGetProperty("{OriginalFormat}", out _));
        Assert.Equal(exception.ToString(), root.GetProperty("exception").GetString());
    }

    [Fact]
    public void Simple_keeps_the_terminal_format_with_a_utc_timestamp_and_a_level_word()
    {
        var line = Write(LogFormat.Simple, LogLevel.Warning, null);

        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn: EdgeGateway\.Buffering\.ReadingBuffer\[211\] ", line);
    }
}
