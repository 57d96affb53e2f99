using System.Buffers;
using EdgeGateway.Mqtt.Packets;
using Xunit;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>The encoder refuses what it cannot write correctly, and writes nothing when it does.</summary>
public sealed class MqttEncoderValidationTests
{
    private const MqttProtocolVersion V311 = MqttProtocolVersion.V311;
    private const MqttProtocolVersion V500 = MqttProtocolVersion.V500;

    public static TheoryData<string, MqttProtocolVersion, MqttPacket> InvalidPackets() => new()
    {
        { "wildcard + in topic", V500, new MqttPublishPacket { TopicName = "a/+" } },
        { "wildcard # in topic", V311, new MqttPublishPacket { TopicName = "a/#" } },
        { "empty topic in 3.1.1", V311, new MqttPublishPacket { TopicName = "" } },
        { "empty topic without alias", V500, new MqttPublishPacket { TopicName = "" } },
        { "U+0000 in topic", V500, new MqttPublishPacket { TopicName = "a\0b" } },
        { "lone surrogate in topic", V500, new MqttPublishPacket { TopicName = "a\uD800b" } },
        { "topic over 65535 bytes", V500, new MqttPublishPacket { TopicName = new string('é', 40_000) } },
        { "QoS 1 with packet id 0", V311, new MqttPublishPacket { TopicName = "a", QoS = MqttQualityOfService.AtLeastOnce } },
        { "QoS 0 with a packet id", V311, new MqttPublishPacket { TopicName = "a", PacketIdentifier = 5 } },
        { "DUP on QoS 0", V500, new MqttPublishPacket { TopicName = "a", Dup = true } },
        { "QoS 3", V500, new MqttPublishPacket { TopicName = "a", QoS = (MqttQualityOfService)3, PacketIdentifier = 1 } },
        { "topic alias 0", V500, new MqttPublishPacket { TopicName = "a", TopicAlias = 0 } },
        { "subscription identifier 0", V500, new MqttPublishPacket { TopicName = "a", SubscriptionIdentifiers = [0] } },
        { "subscription identifier too large", V500, new MqttPublishPacket { TopicName = "a", SubscriptionIdentifiers = [268_435_456] } },
        { "response topic with wildcard", V500, new MqttPublishPacket { TopicName = "a", ResponseTopic = "r/#" } },
        { "correlation data over 65535 bytes", V500, new MqttPublishPacket { TopicName = "a", CorrelationData = new byte[65_536] } },
        { "user property on 3.1.1", V311, new MqttPublishPacket { TopicName = "a", UserProperties = [new("k", "v")] } },
        { "message expiry on 3.1.1", V311, new MqttPublishPacket { TopicName = "a", MessageExpiryInterval = 5 } },
        { "U+0000 in user property", V500, new MqttPublishPacket { TopicName = "a", UserProperties = [new("k", "\0")] } },
        { "PUBACK packet id 0", V500, new MqttPubAckPacket { PacketIdentifier = 0 } },
        { "PUBACK reason code on 3.1.1", V311, new MqttPubAckPacket { PacketIdentifier = 1, ReasonCode = MqttPubAckReasonCode.QuotaExceeded } },
        { "PUBACK reason string on 3.1.1", V311, new MqttPubAckPacket { PacketIdentifier = 1, ReasonString = "x" } },
        { "PUBACK undefined reason code", V500, new MqttPubAckPacket { PacketIdentifier = 1, ReasonCode = (MqttPubAckReasonCode)0x05 } },
        { "PUBREL with a PUBACK-only code", V500, new MqttPubRelPacket { PacketIdentifier = 1, ReasonCode = (MqttPubRelReasonCode)0x10 } },
        { "SUBSCRIBE without subscriptions", V500, new MqttSubscribePacket { PacketIdentifier = 1, Subscriptions = [] } },
        { "SUBSCRIBE with packet id 0", V311, new MqttSubscribePacket { PacketIdentifier = 0, Subscriptions = [new("a", new(MqttQualityOfService.AtMostOnce))] } },
        { "invalid filter", V500, new MqttSubscribePacket { PacketIdentifier = 1, Subscriptions = [new("a/#/b", new(MqttQualityOfService.AtMostOnce))] } },
        { "shared subscription without filter", V500, new MqttSubscribePacket { PacketIdentifier = 1, Subscriptions = [new("$share/g", new(MqttQualityOfService.AtMostOnce))] } },
        { "No Local on a shared subscription", V500, new MqttSubscribePacket { PacketIdentifier = 1, Subscriptions = [new("$share/g/a", new(MqttQualityOfService.AtMostOnce, NoLocal: true))] } },
        { "retain handling 3", V500, new MqttSubscribePacket { PacketIdentifier = 1, Subscriptions = [new("a", new(MqttQualityOfService.AtMostOnce, RetainHandling: (MqttRetainHandling)3))] } },
        { "No Local on 3.1.1", V311, new MqttSubscribePacket { PacketIdentifier = 1, Subscriptions = [new("a", new(MqttQualityOfService.AtMostOnce, NoLocal: true))] } },
        { "subscription identifier on 3.1.1", V311, new MqttSubscribePacket { PacketIdentifier = 1, SubscriptionIdentifier = 1, Subscriptions = [new("a", new(MqttQualityOfService.AtMostOnce))] } },
        { "UNSUBSCRIBE without filters", V500, new MqttUnsubscribePacket { PacketIdentifier = 1, TopicFilters = [] } },
        { "UNSUBSCRIBE invalid filter", V311, new MqttUnsubscribePacket { PacketIdentifier = 1, TopicFilters = ["a+"] } },
        { "SUBACK without codes", V500, new MqttSubAckPacket { PacketIdentifier = 1, ReasonCodes = [] } },
        { "SUBACK 5.0 code on 3.1.1", V311, new MqttSubAckPacket { PacketIdentifier = 1, ReasonCodes = [MqttSubAckReasonCode.NotAuthorized] } },
        { "UNSUBACK 5.0 without codes", V500, new MqttUnsubAckPacket { PacketIdentifier = 1 } },
        { "UNSUBACK codes on 3.1.1", V311, new MqttUnsubAckPacket { PacketIdentifier = 1, ReasonCodes = [MqttUnsubAckReasonCode.Success] } },
        { "CONNECT properties on 3.1.1", V311, new MqttConnectPacket { ClientId = "c", SessionExpiryInterval = 10 } },
        { "will properties on 3.1.1", V311, new MqttConnectPacket { ClientId = "c", Will = new MqttWillMessage { Topic = "w", WillDelayInterval = 1 } } },
        { "password without user name on 3.1.1", V311, new MqttConnectPacket { ClientId = "c", Password = new byte[] { 1 } } },
        { "empty client id without clean session on 3.1.1", V311, new MqttConnectPacket { ClientId = "", CleanStart = false } },
        { "will topic with wildcard", V500, new MqttConnectPacket { ClientId = "c", Will = new MqttWillMessage { Topic = "w/#" } } },
        { "receive maximum 0", V500, new MqttConnectPacket { ClientId = "c", ReceiveMaximum = 0 } },
        { "maximum packet size 0", V500, new MqttConnectPacket { ClientId = "c", MaximumPacketSize = 0 } },
        { "authentication data without method", V500, new MqttConnectPacket { ClientId = "c", AuthenticationData = new byte[] { 1 } } },
        { "password over 65535 bytes", V500, new MqttConnectPacket { ClientId = "c", Password = new byte[70_000] } },
        { "CONNACK 5.0-only code on 3.1.1", V311, new MqttConnAckPacket { ReasonCode = MqttConnectReasonCode.ServerBusy } },
        { "CONNACK session present with refusal", V500, new MqttConnAckPacket { SessionPresent = true, ReasonCode = MqttConnectReasonCode.Banned } },
        { "CONNACK maximum QoS 2", V500, new MqttConnAckPacket { MaximumQoS = MqttQualityOfService.ExactlyOnce } },
        { "DISCONNECT reason on 3.1.1", V311, new MqttDisconnectPacket { ReasonCode = MqttDisconnectReasonCode.ServerBusy } },
        { "DISCONNECT undefined reason", V500, new MqttDisconnectPacket { ReasonCode = (MqttDisconnectReasonCode)0x01 } },
        { "AUTH on 3.1.1", V311, new MqttAuthPacket() },
        { "AUTH without method", V500, new MqttAuthPacket { ReasonCode = MqttAuthReasonCode.ContinueAuthentication } },
    };

    [Theory]
    [MemberData(nameof(InvalidPackets))]
    public void Invalid_packets_are_refused_and_nothing_is_written(string because, MqttProtocolVersion version, MqttPacket packet)
    {
        var writer = new ArrayBufferWriter<byte>();

        var error = Assert.Throws<MqttEncodingException>(() => MqttPacketEncoder.Encode(writer, packet, version));

        Assert.Equal(0, writer.WrittenCount);
        Assert.False(string.IsNullOrWhiteSpace(error.Message), because);
        Assert.IsAssignableFrom<ArgumentException>(error);
    }

    [Fact]
    public void A_packet_over_the_peers_maximum_size_is_refused_with_its_size()
    {
        var writer = new ArrayBufferWriter<byte>();
        var packet = new MqttPublishPacket { TopicName = "a", Payload = new byte[200] };

        var error = Assert.Throws<MqttPacketTooLargeException>(() => MqttPacketEncoder.Encode(writer, packet, V500, maximumPacketSize: 100));

        Assert.Equal(0, writer.WrittenCount);
        Assert.Equal(207, error.PacketSize); // 1 + 2 (remaining length 204 = topic 3 + property length 1 + payload 200) + 204
        Assert.Equal(100, error.MaximumPacketSize);
    }

    [Fact]
    public void A_packet_of_exactly_the_maximum_size_is_written()
    {
        var packet = new MqttPublishPacket { TopicName = "a", Payload = new byte[10] };
        var size = MqttPacketEncoder.GetEncodedSize(packet, V500);
        var writer = new ArrayBufferWriter<byte>();

        Assert.Equal(size, MqttPacketEncoder.Encode(writer, packet, V500, maximumPacketSize: size));
        Assert.Throws<MqttPacketTooLargeException>(() => MqttPacketEncoder.Encode(new ArrayBufferWriter<byte>(), packet, V500, maximumPacketSize: size - 1));
    }

    [Fact]
    public void Strings_at_the_65535_byte_limit_are_written()
    {
        var packet = new MqttPublishPacket { TopicName = new string('a', 65_535) };

        var bytes = MqttTestSupport.Encode(packet, V311);

        Assert.Equal(65_535, Assert.IsType<MqttPublishPacket>(MqttTestSupport.DecodeSingle(bytes, V311)).TopicName.Length);
    }

    [Fact]
    public void Invalid_arguments_are_refused()
    {
        var writer = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentNullException>(() => MqttPacketEncoder.Encode(null!, MqttPingReqPacket.Instance, V500));
        Assert.Throws<ArgumentNullException>(() => MqttPacketEncoder.Encode(writer, null!, V500));
        Assert.Throws<ArgumentOutOfRangeException>(() => MqttPacketEncoder.Encode(writer, MqttPingReqPacket.Instance, (MqttProtocolVersion)6));
        Assert.Throws<ArgumentOutOfRangeException>(() => MqttPacketEncoder.Encode(writer, MqttPingReqPacket.Instance, V500, maximumPacketSize: 1));
    }
}
