using EdgeGateway.Mqtt.Packets;
using Xunit;

namespace EdgeGateway.Tests.Mqtt;

public sealed class TopicAliasMapTests
{
    private static MqttPublishPacket Publish(string topic, ushort? alias) => new() { TopicName = topic, TopicAlias = alias };

    [Fact]
    public void A_topic_with_an_alias_sets_it_and_an_alias_alone_uses_it()
    {
        var map = new TopicAliasMap(topicAliasMaximum: 10);

        Assert.True(map.TryResolve(Publish("sensors/aq-1", 3), out var first, out _));
        Assert.True(map.TryResolve(Publish("", 3), out var second, out _));

        Assert.Equal("sensors/aq-1", first);
        Assert.Equal("sensors/aq-1", second);
        Assert.Equal(1, map.Count);
    }

    [Fact]
    public void An_alias_can_be_remapped()
    {
        var map = new TopicAliasMap(10);
        map.TryResolve(Publish("a", 1), out _, out _);

        map.TryResolve(Publish("b", 1), out _, out _);

        Assert.True(map.TryResolve(Publish("", 1), out var topic, out _));
        Assert.Equal("b", topic);
        Assert.Equal(1, map.Count);
    }

    [Fact]
    public void A_publish_without_alias_keeps_its_topic()
    {
        var map = new TopicAliasMap(0);

        Assert.True(map.TryResolve(Publish("a/b", null), out var topic, out var error));
        Assert.Equal("a/b", topic);
        Assert.Null(error);
    }

    [Theory]
    [InlineData(10, "", (ushort)4)] // never set
    [InlineData(10, "a", (ushort)0)] // alias 0
    [InlineData(10, "a", (ushort)11)] // above the maximum
    [InlineData(0, "a", (ushort)1)] // aliases not allowed at all
    public void Invalid_aliases_are_topic_alias_errors(ushort maximum, string topic, ushort alias)
    {
        var map = new TopicAliasMap(maximum);

        Assert.False(map.TryResolve(Publish(topic, alias), out var resolved, out var error));

        Assert.Null(resolved);
        Assert.Equal(MqttProtocolErrorKind.TopicAliasInvalid, error.Kind);
        Assert.Equal(MqttDisconnectReasonCode.TopicAliasInvalid, error.DisconnectReasonCode);
    }

    [Fact]
    public void No_topic_and_no_alias_is_an_error()
    {
        Assert.False(new TopicAliasMap(10).TryResolve(Publish("", null), out _, out var error));
        Assert.Equal(MqttProtocolErrorKind.InvalidTopicName, error.Kind);
    }

    [Fact]
    public void Clear_forgets_every_alias()
    {
        var map = new TopicAliasMap(ushort.MaxValue);
        map.TryResolve(Publish("a", ushort.MaxValue), out _, out _);

        map.Clear();

        Assert.Equal(0, map.Count);
        Assert.False(map.TryResolve(Publish("", ushort.MaxValue), out _, out var error));
        Assert.Equal(MqttProtocolErrorKind.TopicAliasInvalid, error.Kind);
    }

    [Fact]
    public void Decoded_publishes_resolve_through_the_map()
    {
        var map = new TopicAliasMap(5);
        var set = (MqttPublishPacket)MqttTestSupport.DecodeSingle(MqttTestSupport.Hex("30 08 00 01 74 03 23 00 05 78"), MqttProtocolVersion.V500);
        var use = (MqttPublishPacket)MqttTestSupport.DecodeSingle(MqttTestSupport.Hex("30 07 00 00 03 23 00 05 79"), MqttProtocolVersion.V500);

        Assert.True(map.TryResolve(set, out var first, out _));
        Assert.True(map.TryResolve(use, out var second, out _));
        Assert.Equal("t", first);
        Assert.Equal("t", second);
    }
}
