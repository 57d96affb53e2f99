using EdgeGateway.Logging;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Time;
using Microsoft.Extensions.Logging;
using Xunit;

namespace EdgeGateway.Tests.Logging;

/// <summary>A flood of bad input gives one full line per cause and a count per window, on a fake clock.</summary>
public sealed class BadInputLogTests : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly FakeTimeProvider _clock = new();
    private readonly TestLoggerProvider _logs = new();
    private readonly ILoggerFactory _factory;
    private readonly BadInputLog _log;

    public BadInputLogTests()
    {
        _factory = LoggerFactory.Create(builder => builder.AddProvider(_logs));
        _log = new BadInputLog(Window, _clock, _factory.CreateLogger("test"));
    }

    public void Dispose()
    {
        _log.Dispose();
        _factory.Dispose();
    }

    private IReadOnlyList<string> Summaries => [.. _logs.Entries.Where(e => e.EventId.Id == 401).Select(e => e.Message)];

    [Fact]
    public void The_first_case_is_logged_and_the_repeats_are_counted_into_one_summary_when_the_window_ends()
    {
        Assert.True(_log.ShouldLog("mqtt", "non-numeric-value"));
        for (var i = 0; i < 5; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(10));
            Assert.False(_log.ShouldLog("mqtt", "non-numeric-value"));
        }

        Assert.Empty(Summaries);
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(Summaries);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["5 more non-numeric-value from mqtt in the last 60 s"], Summaries);
        Assert.Equal(LogLevel.Warning, _logs.Entries.Single(e => e.EventId.Id == 401).Level);
    }

    [Fact]
    public void Each_reason_from_each_source_is_a_cause_of_its_own()
    {
        Assert.True(_log.ShouldLog("mqtt", "malformed-json"));
        Assert.True(_log.ShouldLog("mqtt", "unknown-device"));
        Assert.True(_log.ShouldLog("serial:pms", "malformed-json"));
        Assert.False(_log.ShouldLog("mqtt", "malformed-json"));
        Assert.False(_log.ShouldLog("serial:pms", "malformed-json"));
        Assert.False(_log.ShouldLog("serial:pms", "malformed-json"));

        _clock.Advance(Window);

        Assert.Equal(
            ["1 more malformed-json from mqtt in the last 60 s", "2 more malformed-json from serial:pms in the last 60 s"],
            Summaries.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_cause_that_keeps_recurring_gets_one_summary_per_window_and_after_a_quiet_window_is_logged_in_full_again()
    {
        Assert.True(_log.ShouldLog("gpio", "malformed-frame"));

        // Three windows of a steady flood: 6 repeats each, no full line.
        for (var window = 0; window < 3; window++)
        {
            for (var i = 0; i < 6; i++)
            {
                _clock.Advance(TimeSpan.FromSeconds(9));
                Assert.False(_log.ShouldLog("gpio", "malformed-frame"));
            }

            _clock.Advance(TimeSpan.FromSeconds(6));
        }

        Assert.Equal(3, Summaries.Count);
        Assert.All(Summaries, s => Assert.Equal("6 more malformed-frame from gpio in the last 60 s", s));

        // A window without repeats closes the cause quietly; the next case is news again.
        _clock.Advance(Window);
        Assert.Equal(3, Summaries.Count);
        Assert.True(_log.ShouldLog("gpio", "malformed-frame"));
    }

    [Fact]
    public void A_single_case_gives_no_summary()
    {
        Assert.True(_log.ShouldLog("mqtt", "empty-payload"));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(Summaries);
    }

    [Fact]
    public void Repeats_still_counted_at_shutdown_are_logged_then()
    {
        Assert.True(_log.ShouldLog("mqtt", "invalid-utf8"));
        Assert.False(_log.ShouldLog("mqtt", "invalid-utf8"));
        _clock.Advance(TimeSpan.FromSeconds(20));

        _log.Dispose();

        Assert.Equal(["1 more invalid-utf8 from mqtt in the last 20 s"], Summaries);
        Assert.False(_log.ShouldLog("mqtt", "invalid-utf8"));
    }
}
