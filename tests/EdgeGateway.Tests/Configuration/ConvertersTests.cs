using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using Xunit;

namespace EdgeGateway.Tests.Configuration;

public sealed class ConvertersTests
{
    [Theory]
    [InlineData("5ms", 5)]
    [InlineData("30s", 30_000)]
    [InlineData("1.5m", 90_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("7d", 604_800_000)]
    [InlineData(" 10 s ", 10_000)]
    [InlineData("00:00:30", 30_000)]
    public void Durations_read_in_operator_and_dotnet_forms(string text, long milliseconds)
    {
        Assert.True(DurationConverter.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5 fortnights")]
    [InlineData("-5s")]
    [InlineData("s")]
    public void Durations_without_a_known_unit_are_refused(string text) =>
        Assert.False(DurationConverter.TryParse(text, out _));

    [Theory]
    [InlineData(5, "5ms")]
    [InlineData(30_000, "30s")]
    [InlineData(604_800_000, "7d")]
    [InlineData(1_500, "1500ms")]
    public void Durations_format_in_the_shortest_exact_form(long milliseconds, string text) =>
        Assert.Equal(text, DurationConverter.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData("1048576", 1L << 20)]
    [InlineData("512KiB", 512L << 10)]
    [InlineData("64mib", 64L << 20)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("500MB", 500_000_000)]
    [InlineData("10B", 10)]
    public void Sizes_read_in_binary_and_decimal_units(string text, long bytes) =>
        Assert.Equal(bytes, ByteSize.Parse(text).Bytes);

    [Theory]
    [InlineData("lots")]
    [InlineData("-1")]
    [InlineData("12 parsecs")]
    public void Sizes_that_do_not_parse_name_the_accepted_forms(string text)
    {
        var error = Assert.Throws<FormatException>(() => ByteSize.Parse(text));
        Assert.Contains("512KiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Enums_read_in_kebab_case_or_by_member_name()
    {
        Assert.True(KebabCaseEnumConverter.TryParse(typeof(BufferFullPolicy), "drop-oldest", out var kebab));
        Assert.True(KebabCaseEnumConverter.TryParse(typeof(BufferFullPolicy), "RejectNew", out var member));
        Assert.Equal(BufferFullPolicy.DropOldest, kebab);
        Assert.Equal(BufferFullPolicy.RejectNew, member);
        Assert.Equal(["block", "drop-oldest", "reject-new"], KebabCaseEnumConverter.Names(typeof(BufferFullPolicy)));
    }
}
