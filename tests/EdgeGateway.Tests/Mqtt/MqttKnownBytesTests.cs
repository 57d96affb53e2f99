using EdgeGateway.Mqtt.Packets;
using Xunit;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>Byte vectors written out by hand from the specification's packet layouts, decoded and encoded.</summary>
public sealed class MqttKnownBytesTests
{
    private const MqttProtocolVersion V311 = MqttProtocolVersion.V311;
    private const MqttProtocolVersion V500 = MqttProtocolVersion.V500;

    [Fact]
    public void V311_connect_with_clean_session_and_client_id()
    {
        // 10 | remaining 15 | "MQTT" | level 4 | flags: clean session | keep alive 60 | client id "abc"
        var bytes = Hex("10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63");

        var packet = Assert.IsType<MqttConnectPacket>(DecodeSingle(bytes, V311));

        Assert.Equal("abc", packet.ClientId);
        Assert.True(packet.CleanStart);
        Assert.Equal(60, packet.KeepAlive);
        Assert.Null(packet.Will);
        Assert.Null(packet.UserName);
        Assert.Null(packet.Password);
        Assert.Equal(bytes, Encode(packet, V311));
    }

    [Fact]
    public void V311_connect_with_will_user_name_and_password()
    {
        // flags EE: user name, password, will retain, will QoS 1, will, clean session; keep alive 10;
        // client id "id", will topic "w", will message "bye", user name "u", password "p"
        var bytes = Hex("10 1C 00 04 4D 51 54 54 04 EE 00 0A 00 02 69 64 00 01 77 00 03 62 79 65 00 01 75 00 01 70");

        var packet = Assert.IsType<MqttConnectPacket>(DecodeSingle(bytes, V311));

        Assert.Equal("id", packet.ClientId);
        Assert.Equal("w", packet.Will!.Topic);
        Assert.Equal("bye"u8.ToArray(), packet.Will.Payload.ToArray());
        Assert.Equal(MqttQualityOfService.AtLeastOnce, packet.Will.QoS);
        Assert.True(packet.Will.Retain);
        Assert.Equal("u", packet.UserName);
        Assert.Equal("p"u8.ToArray(), packet.Password!.Value.ToArray());
        Assert.Equal(bytes, Encode(packet, V311));
    }

    [Fact]
    public void V500_connect_with_a_session_expiry_property()
    {
        // level 5 | flags: clean start | keep alive 60 | properties (5 bytes): 0x11 session expiry 3600 | client id "abc"
        var bytes = Hex("10 15 00 04 4D 51 54 54 05 02 00 3C 05 11 00 00 0E 10 00 03 61 62 63");

        var packet = Assert.IsType<MqttConnectPacket>(DecodeSingle(bytes, V500));

        Assert.Equal(3600u, packet.SessionExpiryInterval);
        Assert.Equal("abc", packet.ClientId);
        Assert.Equal(bytes, Encode(packet, V500));
    }

    [Fact]
    public void V311_publish_qos1()
    {
        // 32: PUBLISH QoS 1 | remaining 9 | topic "a/b" | packet id 10 | payload "hi"
        var bytes = Hex("32 09 00 03 61 2F 62 00 0A 68 69");

        var packet = Assert.IsType<MqttPublishPacket>(DecodeSingle(bytes, V311));

        Assert.Equal("a/b", packet.TopicName);
        Assert.Equal(MqttQualityOfService.AtLeastOnce, packet.QoS);
        Assert.Equal(10, packet.PacketIdentifier);
        Assert.Equal("hi"u8.ToArray(), packet.Payload.ToArray());
        Assert.False(packet.Retain);
        Assert.False(packet.Dup);
        Assert.Equal(bytes, Encode(packet, V311));
    }

    [Fact]
    public void V500_publish_qos0_with_a_topic_alias()
    {
        // 30 | remaining 8 | topic "t" | properties (3 bytes): 0x23 topic alias 5 | payload "x"
        var bytes = Hex("30 08 00 01 74 03 23 00 05 78");

        var packet = Assert.IsType<MqttPublishPacket>(DecodeSingle(bytes, V500));

        Assert.Equal("t", packet.TopicName);
        Assert.Equal((ushort)5, packet.TopicAlias);
        Assert.Equal("x"u8.ToArray(), packet.Payload.ToArray());
        Assert.Equal(bytes, Encode(packet, V500));
    }

    [Fact]
    public void Subscribe_in_both_versions()
    {
        var v311 = Hex("82 08 00 01 00 03 61 2F 23 01");
        var v311Packet = Assert.IsType<MqttSubscribePacket>(DecodeSingle(v311, V311));
        Assert.Equal(new MqttSubscription("a/#", new(MqttQualityOfService.AtLeastOnce)), Assert.Single(v311Packet.Subscriptions));
        Assert.Equal(v311, Encode(v311Packet, V311));

        // properties (2 bytes): 0x0B subscription id 7 | filter "a" | options 2E: QoS 2, No Local, Retain As Published, Retain Handling 2
        var v500 = Hex("82 09 00 01 02 0B 07 00 01 61 2E");
        var v500Packet = Assert.IsType<MqttSubscribePacket>(DecodeSingle(v500, V500));
        Assert.Equal(7u, v500Packet.SubscriptionIdentifier);
        Assert.Equal(
            new MqttSubscription("a", new(MqttQualityOfService.ExactlyOnce, NoLocal: true, RetainAsPublished: true, MqttRetainHandling.DoNotSend)),
            Assert.Single(v500Packet.Subscriptions));
        Assert.Equal(v500, Encode(v500Packet, V500));
    }

    [Theory]
    [InlineData(V311, "20 02 01 00")] // CONNACK session present, accepted
    [InlineData(V311, "20 02 00 05")] // CONNACK not authorized
    [InlineData(V500, "20 03 00 00 00")] // CONNACK success, no properties
    [InlineData(V500, "20 09 00 00 06 21 00 14 22 00 0A")] // receive maximum 20, topic alias maximum 10
    [InlineData(V311, "40 02 00 07")] // PUBACK
    [InlineData(V500, "40 02 00 07")] // PUBACK success, short form
    [InlineData(V500, "40 03 00 07 10")] // PUBACK no matching subscribers, no properties
    [InlineData(V500, "50 02 00 07")] // PUBREC
    [InlineData(V311, "62 02 00 07")] // PUBREL (flags 0010)
    [InlineData(V500, "70 03 00 07 92")] // PUBCOMP packet identifier not found
    [InlineData(V311, "90 04 00 01 01 80")] // SUBACK granted QoS 1, failure
    [InlineData(V311, "A2 05 00 02 00 01 61")] // UNSUBSCRIBE "a"
    [InlineData(V311, "B0 02 00 01")] // UNSUBACK
    [InlineData(V500, "B0 04 00 01 00 11")] // UNSUBACK no subscription existed
    [InlineData(V311, "C0 00")] // PINGREQ
    [InlineData(V500, "D0 00")] // PINGRESP
    [InlineData(V311, "E0 00")] // DISCONNECT
    [InlineData(V500, "E0 00")] // DISCONNECT normal, short form
    [InlineData(V500, "E0 01 8E")] // DISCONNECT session taken over
    [InlineData(V500, "F0 00")] // AUTH success, short form
    public void Small_packets_decode_and_encode_to_the_same_bytes(MqttProtocolVersion version, string hex)
    {
        var bytes = Hex(hex);

        var packet = DecodeSingle(bytes, version);

        Assert.Equal(bytes, Encode(packet, version));
    }

    [Fact]
    public void A_v311_connack_answering_a_v500_connect_reads_as_unsupported_protocol_version()
    {
        // A 3.1.1-only server refuses an MQTT 5.0 CONNECT with the 3.1.1 CONNACK: return code 1, no properties.
        var packet = Assert.IsType<MqttConnAckPacket>(DecodeSingle(Hex("20 02 00 01"), V500));

        Assert.Equal(MqttConnectReasonCode.UnsupportedProtocolVersion, packet.ReasonCode);
    }

    [Fact]
    public void Non_minimal_variable_byte_integers_are_accepted_on_read()
    {
        // Remaining length 2 written as 82 00 (two bytes) instead of 02.
        var packet = Assert.IsType<MqttPubAckPacket>(DecodeSingle(Hex("40 82 00 00 07"), V311));

        Assert.Equal(7, packet.PacketIdentifier);
    }
}
