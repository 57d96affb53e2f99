using EdgeGateway.Mqtt.Topics;
using Xunit;

namespace EdgeGateway.Tests.Mqtt;

public sealed class MqttTopicFilterTests
{
    [Theory]
    // Exact levels
    [InlineData("a/b/c", "a/b/c", true)]
    [InlineData("a/b/c", "a/b", false)]
    [InlineData("a/b", "a/b/c", false)]
    [InlineData("a/b/c", "A/b/c", false)] // case-sensitive
    [InlineData("a", "a/", false)]
    [InlineData("/a", "/a", true)]
    [InlineData("/a", "a", false)]
    // Single-level wildcard
    [InlineData("a/+/c", "a/b/c", true)]
    [InlineData("a/+/c", "a//c", true)] // + matches an empty level
    [InlineData("a/+/c", "a/b/d/c", false)]
    [InlineData("a/+", "a/b", true)]
    [InlineData("a/+", "a/", true)]
    [InlineData("a/+", "a", false)]
    [InlineData("a/+", "a/b/c", false)]
    [InlineData("+", "a", true)]
    [InlineData("+", "/a", false)] // two levels
    [InlineData("+/+", "/a", true)]
    [InlineData("/+", "/a", true)]
    [InlineData("+/+/+", "a/b/c", true)]
    // Multi-level wildcard
    [InlineData("#", "a", true)]
    [InlineData("#", "a/b/c", true)]
    [InlineData("#", "/a", true)]
    [InlineData("a/#", "a", true)] // the parent level
    [InlineData("a/#", "a/", true)]
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("a/#", "ab", false)]
    [InlineData("a/#", "b/a", false)]
    [InlineData("a/b/#", "a", false)]
    [InlineData("a/+/#", "a", false)]
    [InlineData("a/+/#", "a/b", true)]
    [InlineData("+/#", "a", true)]
    // $ topics
    [InlineData("#", "$SYS/broker/load", false)]
    [InlineData("+/broker/load", "$SYS/broker/load", false)]
    [InlineData("+", "$SYS", false)]
    [InlineData("$SYS/#", "$SYS/broker/load", true)]
    [InlineData("$SYS/#", "$SYS", true)]
    [InlineData("$SYS/+/load", "$SYS/broker/load", true)]
    [InlineData("a/#", "a/$b", true)] // only the first level is special
    // Shared subscriptions match on their filter part
    [InlineData("$share/group/sensors/+", "sensors/aq-1", true)]
    [InlineData("$share/group/sensors/#", "sensors", true)]
    [InlineData("$share/group/#", "$SYS/x", false)]
    [InlineData("$share/group/a", "$share/group/a", false)]
    // Invalid input matches nothing
    [InlineData("a/#/b", "a/x/b", false)]
    [InlineData("a+", "a+", false)]
    [InlineData("", "", false)]
    [InlineData("a", "", false)]
    [InlineData("#", "a/+", false)]
    [InlineData("$share/group", "group", false)]
    public void Matches_follows_the_specification(string filter, string topic, bool matches) =>
        Assert.Equal(matches, MqttTopicFilter.Matches(filter, topic));

    [Theory]
    [InlineData("a", true)]
    [InlineData("/", true)]
    [InlineData("//", true)]
    [InlineData("a//b", true)]
    [InlineData("#", true)]
    [InlineData("+", true)]
    [InlineData("+/+", true)]
    [InlineData("a/+/b/#", true)]
    [InlineData("/#", true)]
    [InlineData("$SYS/#", true)]
    [InlineData("$share/g/a/+", true)]
    [InlineData("$share/g/#", true)]
    [InlineData("$share/g//", true)]
    [InlineData("$share", true)] // no '/' after it: an ordinary filter
    [InlineData("sport/tennis#", false)]
    [InlineData("sport/tennis/#/ranking", false)]
    [InlineData("#/a", false)]
    [InlineData("##", false)]
    [InlineData("a+", false)]
    [InlineData("+a/b", false)]
    [InlineData("a/++", false)]
    [InlineData("", false)]
    [InlineData("a\0b", false)]
    [InlineData("$share/", false)]
    [InlineData("$share/g", false)]
    [InlineData("$share/g/", false)]
    [InlineData("$share//a", false)]
    [InlineData("$share/g+/a", false)]
    [InlineData("$share/g#/a", false)]
    [InlineData("$share/g/a#", false)]
    public void IsValidFilter_checks_wildcard_placement_and_shared_form(string filter, bool valid) =>
        Assert.Equal(valid, MqttTopicFilter.IsValidFilter(filter));

    [Theory]
    [InlineData("a", true)]
    [InlineData("a/b/c", true)]
    [InlineData("/", true)]
    [InlineData("a//b", true)]
    [InlineData("$SYS/x", true)]
    [InlineData("ünïcödé/𝄞", true)]
    [InlineData("", false)]
    [InlineData("a/+", false)]
    [InlineData("a/#", false)]
    [InlineData("a+b", false)]
    [InlineData("a\0b", false)]
    public void IsValidTopicName_refuses_wildcards_and_invalid_strings(string topic, bool valid) =>
        Assert.Equal(valid, MqttTopicFilter.IsValidTopicName(topic));

    [Fact]
    public void Lone_surrogates_make_names_and_filters_invalid()
    {
        // Built at run time: attribute arguments cannot carry a lone surrogate.
        var lone = "a" + (char)0xDC00;

        Assert.False(MqttTopicFilter.IsValidTopicName(lone));
        Assert.False(MqttTopicFilter.IsValidFilter(lone));
        Assert.False(MqttTopicFilter.IsValidTopicName("a" + (char)0xD800 + "b"));
    }

    [Fact]
    public void Length_limits_count_utf8_bytes()
    {
        Assert.True(MqttTopicFilter.IsValidTopicName(new string('a', 65_535)));
        Assert.False(MqttTopicFilter.IsValidTopicName(new string('a', 65_536)));
        Assert.False(MqttTopicFilter.IsValidTopicName(new string('é', 32_768))); // 65,536 UTF-8 bytes
        Assert.False(MqttTopicFilter.IsValidFilter(new string('a', 65_536)));
    }

    [Fact]
    public void Shared_subscriptions_split_into_group_and_filter()
    {
        Assert.True(MqttTopicFilter.TryParseSharedSubscription("$share/gateways/sensors/+/pm2_5", out var group, out var filter));
        Assert.Equal("gateways", group);
        Assert.Equal("sensors/+/pm2_5", filter);

        Assert.False(MqttTopicFilter.TryParseSharedSubscription("sensors/#", out _, out _));
        Assert.False(MqttTopicFilter.TryParseSharedSubscription("$share/g", out _, out _));
        Assert.True(MqttTopicFilter.IsSharedSubscription("$share/g/a"));
        Assert.False(MqttTopicFilter.IsSharedSubscription("$sharex/g/a"));
    }

    [Theory]
    [InlineData("a/b", false)]
    [InlineData("a/+", true)]
    [InlineData("#", true)]
    [InlineData("$share/g/a", false)]
    [InlineData("$share/g/+", true)]
    public void HasWildcards_looks_at_the_filter_part(string filter, bool expected) =>
        Assert.Equal(expected, MqttTopicFilter.HasWildcards(filter));

    [Fact]
    public void Null_arguments_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => MqttTopicFilter.Matches(null!, "a"));
        Assert.Throws<ArgumentNullException>(() => MqttTopicFilter.Matches("a", null!));
        Assert.Throws<ArgumentNullException>(() => MqttTopicFilter.IsValidFilter(null!));
    }
}
