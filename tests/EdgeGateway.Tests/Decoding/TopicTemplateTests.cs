using EdgeGateway.Decoding;
using EdgeGateway.Mqtt.Topics;
using Xunit;
using static EdgeGateway.Tests.Decoding.DecodingTestSupport;

namespace EdgeGateway.Tests.Decoding;

public sealed class TopicTemplateTests
{
    [Theory]
    [InlineData("city/{district}/aq/{deviceId}", "city/+/aq/+", new[] { "district", "deviceId" })]
    [InlineData("sensors/{deviceId}", "sensors/+", new[] { "deviceId" })]
    [InlineData("sensors/+/{deviceId}/#", "sensors/+/+/#", new[] { "deviceId" })]
    [InlineData("gw/{deviceId}/{channel...}", "gw/+/#", new[] { "deviceId", "channel" })]
    [InlineData("{site}/{deviceId}", "+/+", new[] { "site", "deviceId" })]
    [InlineData("/leading/{deviceId}", "/leading/+", new[] { "deviceId" })]
    [InlineData("$SYS/broker/{metric}", "$SYS/broker/+", new[] { "metric" })]
    [InlineData("fixed/topic", "fixed/topic", new string[0])]
    public void A_template_gives_its_subscription_filter_and_variable_names(string template, string filter, string[] variables)
    {
        var parsed = TopicTemplate.Parse(template);

        Assert.Equal(filter, parsed.SubscriptionFilter);
        Assert.True(MqttTopicFilter.IsValidFilter(parsed.SubscriptionFilter));
        Assert.Equal(variables, parsed.VariableNames);
        Assert.Equal(variables.Contains("deviceId"), parsed.HasDeviceId);
        Assert.Equal(template, parsed.ToString());
    }

    [Fact]
    public void Matching_captures_the_device_id_and_the_other_variables()
    {
        var template = TopicTemplate.Parse("city/{district}/aq/{deviceId}");

        Assert.True(template.TryMatch("city/north/aq/aq-0042", out var variables));
        Assert.Equal(new Dictionary<string, string> { ["district"] = "north", ["deviceId"] = "aq-0042" }, variables);

        Assert.True(template.TryGetDeviceId("city/north/aq/aq-0042", out var deviceId, out _));
        Assert.Equal(Id("aq-0042"), deviceId);
    }

    [Theory]
    [InlineData("city/north/aq")] // fewer levels
    [InlineData("city/north/aq/aq-1/extra")] // more levels
    [InlineData("town/north/aq/aq-1")]
    [InlineData("City/north/aq/aq-1")] // case-sensitive
    [InlineData("city/north/noise/aq-1")]
    [InlineData("city/north/aq/")] // an empty device level matches, but is no device id: see below
    public void Topics_that_do_not_fit_do_not_match_or_give_no_device(string topic)
    {
        var template = TopicTemplate.Parse("city/{district}/aq/{deviceId}");

        if (topic.EndsWith('/'))
        {
            Assert.True(template.TryMatch(topic, out _));
            Assert.False(template.TryGetDeviceId(topic, out _, out var invalid));
            Assert.Equal(DecodeFailureReason.InvalidDeviceId, invalid.Reason);
            return;
        }

        Assert.False(template.TryMatch(topic, out _));
        Assert.False(template.TryGetDeviceId(topic, out var deviceId, out var failure));
        Assert.Null(deviceId);
        Assert.Equal(DecodeFailureReason.TopicMismatch, failure.Reason);
        Assert.Contains(topic, failure.Detail, StringComparison.Ordinal);
        Assert.Contains("city/{district}/aq/{deviceId}", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Levels_may_be_empty_as_in_mqtt()
    {
        Assert.True(TopicTemplate.Parse("city/{district}/aq/{deviceId}").TryMatch("city//aq/aq-1", out var variables));
        Assert.Equal(string.Empty, variables["district"]);
    }

    [Fact]
    public void A_device_id_that_is_not_valid_is_a_failure_naming_the_level()
    {
        var template = TopicTemplate.Parse("sensors/{deviceId}");

        Assert.False(template.TryGetDeviceId("sensors/aq 42", out _, out var failure));
        Assert.Equal(DecodeFailureReason.InvalidDeviceId, failure.Reason);
        Assert.Contains("{deviceId}", failure.Detail, StringComparison.Ordinal);
        Assert.Contains("aq 42", failure.Detail, StringComparison.Ordinal);

        Assert.False(template.TryGetDeviceId("sensors/" + new string('d', 129), out _, out failure));
        Assert.Contains("128", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_without_device_id_matches_and_leaves_the_device_to_the_payload()
    {
        var template = TopicTemplate.Parse("city/{district}/aq");

        Assert.True(template.TryGetDeviceId("city/south/aq", out var deviceId, out var failure));
        Assert.Null(deviceId);
        Assert.Null(failure);
    }

    [Theory]
    [InlineData("gw/d-1/a/b", "a/b")]
    [InlineData("gw/d-1/a", "a")]
    [InlineData("gw/d-1/", "")]
    [InlineData("gw/d-1", "")] // '#' matches the parent level too
    public void A_rest_variable_captures_the_remaining_levels(string topic, string rest)
    {
        var template = TopicTemplate.Parse("gw/{deviceId}/{channel...}");

        Assert.True(template.TryMatch(topic, out var variables));
        Assert.Equal(rest, variables["channel"]);
        Assert.Equal("d-1", variables["deviceId"]);
    }

    [Fact]
    public void Dollar_topics_are_not_matched_by_a_leading_variable_or_wildcard()
    {
        Assert.False(TopicTemplate.Parse("{deviceId}/status").TryMatch("$SYS/status", out _));
        Assert.False(TopicTemplate.Parse("+/{deviceId}").TryMatch("$SYS/d-1", out _));
        Assert.False(TopicTemplate.Parse("{rest...}").TryMatch("$SYS/d-1", out _));
        Assert.True(TopicTemplate.Parse("$SYS/{deviceId}").TryMatch("$SYS/d-1", out _));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("city/aq-{deviceId}", "whole level")]
    [InlineData("city/{deviceId", "whole level")]
    [InlineData("city/deviceId}", "whole level")]
    [InlineData("city/{}", "not a variable name")]
    [InlineData("city/{1st}", "not a variable name")]
    [InlineData("city/{device-id}", "not a variable name")]
    [InlineData("city/{x}/{x}", "more than once")]
    [InlineData("city/#/aq", "last level")]
    [InlineData("city/aq+", "wildcard '+'")]
    [InlineData("city/a#", "wildcard '#'")]
    [InlineData("{rest...}/aq", "last level")]
    [InlineData("gw/{deviceId...}", "one level")]
    [InlineData("$share/group/city/{deviceId}", "shared subscription")]
    [InlineData("city/\0/x", "NUL")]
    [InlineData("{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}/{q}", "more than 16")]
    public void Invalid_templates_are_refused_with_a_reason(string template, string reason)
    {
        Assert.False(TopicTemplate.TryParse(template, out var parsed, out var error));
        Assert.Null(parsed);
        Assert.Contains(reason, error, StringComparison.Ordinal);

        var exception = Assert.Throws<FormatException>(() => TopicTemplate.Parse(template));
        Assert.Contains(reason, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_level_at_fault_is_named()
    {
        Assert.False(TopicTemplate.TryParse("city/{district}/aq-{deviceId}", out _, out var error));

        Assert.StartsWith("level 3 'aq-{deviceId}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_span_overload_needs_room_for_every_variable()
    {
        var template = TopicTemplate.Parse("city/{district}/aq/{deviceId}");

        Assert.Throws<ArgumentException>(() => template.TryMatch("city/n/aq/d", new Range[1]));
        var values = new Range[2];
        Assert.True(template.TryMatch("city/n/aq/d", values));
        Assert.Equal(("n", "d"), ("city/n/aq/d"[values[0]], "city/n/aq/d"[values[1]]));
    }

    [Fact]
    public void The_device_id_of_the_topic_feeds_the_decoder_as_a_source_will_do_it()
    {
        var template = TopicTemplate.Parse("city/{district}/temp/{deviceId}");
        var decoder = PayloadDecoders.Create(new DecoderOptions { Kind = DecoderKind.Number, Number = new() { Metric = "temperature", Unit = "Cel" } });
        var message = Message("-2.5", "city/harbour/temp/ts-0012");

        Assert.True(template.TryGetDeviceId(message.Channel, out var deviceId, out _));
        var reading = Assert.Single(Success(decoder.Decode(message, deviceId)));

        Assert.Equal(new DecodedReading(Id("ts-0012"), "temperature", -2.5, "Cel", null, null), reading);
    }

    /// <summary>A template matches exactly the topics its subscription filter matches (the broker's view and ours agree).</summary>
    [Fact]
    public void Matching_agrees_with_the_mqtt_filter_on_random_topics()
    {
        const int Seed = 20261122;
        var random = new Random(Seed);
        string[] templates =
        [
            "city/{district}/aq/{deviceId}", "sensors/+/{deviceId}/#", "gw/{deviceId}/{channel...}", "{site}/{deviceId}",
            "#", "{rest...}", "a/+/+", "/a/{x}", "a//{x}", "$SYS/{x}/#",
        ];
        string[] levels = ["city", "north", "aq", "aq-1", "", "sensors", "gw", "a", "$SYS", "x", "d-1"];
        for (var i = 0; i < 5_000; i++)
        {
            var template = TopicTemplate.Parse(templates[random.Next(templates.Length)]);
            var topic = string.Join('/', Enumerable.Range(0, random.Next(1, 6)).Select(_ => levels[random.Next(levels.Length)]));
            if (topic.Length == 0)
            {
                continue;
            }

            Assert.True(
                MqttTopicFilter.Matches(template.SubscriptionFilter, topic) == template.TryMatch(topic, out _),
                $"seed {Seed}, case {i}: template '{template}' (filter '{template.SubscriptionFilter}') and topic '{topic}' disagree");
        }
    }
}
