using System.Buffers;
using EdgeGateway.Mqtt.Packets;
using Xunit;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>One crafted packet per protocol error: each must come back as that error, with nothing consumed.</summary>
public sealed class MqttDecoderErrorTests
{
    private const MqttProtocolVersion V311 = MqttProtocolVersion.V311;
    private const MqttProtocolVersion V500 = MqttProtocolVersion.V500;

    [Theory]
    // Fixed header
    [InlineData(V311, "00 00", MqttProtocolErrorKind.UnknownPacketType)]
    [InlineData(V500, "00 00", MqttProtocolErrorKind.UnknownPacketType)]
    [InlineData(V311, "F0 00", MqttProtocolErrorKind.UnknownPacketType)] // AUTH does not exist in 3.1.1
    [InlineData(V500, "30 FF FF FF FF 01", MqttProtocolErrorKind.MalformedVariableByteInteger)]
    [InlineData(V311, "41 02 00 01", MqttProtocolErrorKind.InvalidFixedHeaderFlags)] // PUBACK with flags 1
    [InlineData(V311, "60 02 00 01", MqttProtocolErrorKind.InvalidFixedHeaderFlags)] // PUBREL without its 0010 flags
    [InlineData(V500, "80 06 00 01 00 00 01 61", MqttProtocolErrorKind.InvalidFixedHeaderFlags)] // SUBSCRIBE without 0010
    [InlineData(V311, "A0 05 00 01 00 01 61", MqttProtocolErrorKind.InvalidFixedHeaderFlags)] // UNSUBSCRIBE without 0010
    [InlineData(V500, "C8 00", MqttProtocolErrorKind.InvalidFixedHeaderFlags)] // PINGREQ with flags
    [InlineData(V311, "36 05 00 01 61 00 01", MqttProtocolErrorKind.InvalidQoS)] // PUBLISH QoS 3
    [InlineData(V311, "38 03 00 01 61", MqttProtocolErrorKind.InvalidFixedHeaderFlags)] // DUP on QoS 0
    // Lengths
    [InlineData(V311, "30 02 00 05", MqttProtocolErrorKind.TruncatedPacket)] // topic declares 5 bytes, none left
    [InlineData(V311, "40 01 00", MqttProtocolErrorKind.TruncatedPacket)] // PUBACK with half a packet identifier
    [InlineData(V311, "20 01 00", MqttProtocolErrorKind.TruncatedPacket)] // CONNACK without return code
    [InlineData(V500, "20 02 00 00", MqttProtocolErrorKind.TruncatedPacket)] // 5.0 CONNACK success without property length
    [InlineData(V500, "30 06 00 01 61 05 23 00", MqttProtocolErrorKind.TruncatedPacket)] // property length beyond the packet
    [InlineData(V500, "30 07 00 01 61 02 23 00 01", MqttProtocolErrorKind.TruncatedPacket)] // topic alias runs past its property block
    [InlineData(V500, "F0 01 18", MqttProtocolErrorKind.TruncatedPacket)] // AUTH reason code without property length
    [InlineData(V311, "40 03 00 01 00", MqttProtocolErrorKind.TrailingBytes)] // 3.1.1 PUBACK is exactly 2 bytes
    [InlineData(V311, "20 03 00 00 00", MqttProtocolErrorKind.TrailingBytes)] // 3.1.1 CONNACK is exactly 2 bytes
    [InlineData(V500, "D0 01 00", MqttProtocolErrorKind.TrailingBytes)] // PINGRESP has no body
    [InlineData(V311, "E0 01 00", MqttProtocolErrorKind.TrailingBytes)] // 3.1.1 DISCONNECT has no body
    [InlineData(V500, "B0 02 00 01", MqttProtocolErrorKind.TruncatedPacket)] // 5.0 UNSUBACK without property length
    [InlineData(V500, "30 08 00 01 61 FF FF FF FF 01", MqttProtocolErrorKind.MalformedVariableByteInteger)] // property length of 5 bytes
    // Strings
    [InlineData(V311, "30 04 00 02 C3 28", MqttProtocolErrorKind.InvalidString)] // invalid UTF-8 sequence
    [InlineData(V311, "30 03 00 01 00", MqttProtocolErrorKind.InvalidString)] // U+0000
    [InlineData(V311, "30 05 00 03 ED A0 80", MqttProtocolErrorKind.InvalidString)] // an encoded surrogate (U+D800)
    [InlineData(V311, "30 04 00 02 C0 80", MqttProtocolErrorKind.InvalidString)] // overlong encoding of U+0000
    [InlineData(V500, "20 08 00 00 05 1F 00 02 C3 28", MqttProtocolErrorKind.InvalidString)] // invalid UTF-8 in a Reason String
    // Properties
    [InlineData(V500, "30 05 00 01 61 01 05", MqttProtocolErrorKind.InvalidPropertyId)] // 0x05 is not a property
    [InlineData(V500, "30 06 00 01 61 02 80 01", MqttProtocolErrorKind.InvalidPropertyId)] // 128 as a two-byte identifier
    [InlineData(V500, "30 0A 00 01 61 06 23 00 01 23 00 01", MqttProtocolErrorKind.DuplicateProperty)] // topic alias twice
    [InlineData(V500, "82 0B 00 01 04 0B 01 0B 02 00 01 61 00", MqttProtocolErrorKind.DuplicateProperty)] // two subscription ids in SUBSCRIBE
    [InlineData(V500, "30 09 00 01 61 05 11 00 00 00 01", MqttProtocolErrorKind.PropertyNotAllowed)] // session expiry in PUBLISH
    [InlineData(V500, "40 06 00 01 00 02 23 00", MqttProtocolErrorKind.PropertyNotAllowed)] // topic alias in PUBACK
    [InlineData(V500, "30 07 00 01 61 03 23 00 00", MqttProtocolErrorKind.InvalidPropertyValue)] // topic alias 0
    [InlineData(V500, "30 06 00 01 61 02 01 02", MqttProtocolErrorKind.InvalidPropertyValue)] // payload format indicator 2
    [InlineData(V500, "30 06 00 01 61 02 0B 00", MqttProtocolErrorKind.InvalidPropertyValue)] // subscription identifier 0
    [InlineData(V500, "30 09 00 01 61 05 08 00 02 61 2B", MqttProtocolErrorKind.InvalidPropertyValue)] // response topic "a+"
    [InlineData(V500, "20 05 00 00 02 24 02", MqttProtocolErrorKind.InvalidPropertyValue)] // maximum QoS 2
    [InlineData(V500, "20 06 00 00 03 21 00 00", MqttProtocolErrorKind.InvalidPropertyValue)] // receive maximum 0
    [InlineData(V500, "20 08 00 00 05 27 00 00 00 00", MqttProtocolErrorKind.InvalidPropertyValue)] // maximum packet size 0
    [InlineData(V500, "20 05 00 00 02 25 07", MqttProtocolErrorKind.InvalidPropertyValue)] // retain available 7
    // Reason codes
    [InlineData(V500, "40 03 00 01 05", MqttProtocolErrorKind.InvalidReasonCode)]
    [InlineData(V500, "62 03 00 01 10", MqttProtocolErrorKind.InvalidReasonCode)] // PUBACK's 0x10 is not a PUBREL code
    [InlineData(V311, "20 02 00 06", MqttProtocolErrorKind.InvalidReasonCode)]
    [InlineData(V500, "20 03 00 03 00", MqttProtocolErrorKind.InvalidReasonCode)]
    [InlineData(V311, "90 03 00 01 03", MqttProtocolErrorKind.InvalidReasonCode)]
    [InlineData(V311, "90 03 00 01 87", MqttProtocolErrorKind.InvalidReasonCode)] // a 5.0-only SUBACK code
    [InlineData(V500, "B0 04 00 01 00 05", MqttProtocolErrorKind.InvalidReasonCode)]
    [InlineData(V500, "E0 01 01", MqttProtocolErrorKind.InvalidReasonCode)]
    [InlineData(V500, "F0 02 01 00", MqttProtocolErrorKind.InvalidReasonCode)]
    // Identifiers, topics, filters, payloads
    [InlineData(V311, "40 02 00 00", MqttProtocolErrorKind.InvalidPacketIdentifier)]
    [InlineData(V311, "32 05 00 01 61 00 00", MqttProtocolErrorKind.InvalidPacketIdentifier)] // QoS 1 PUBLISH with id 0
    [InlineData(V311, "30 03 00 01 23", MqttProtocolErrorKind.InvalidTopicName)] // "#"
    [InlineData(V311, "30 05 00 03 61 2F 2B", MqttProtocolErrorKind.InvalidTopicName)] // "a/+"
    [InlineData(V311, "30 02 00 00", MqttProtocolErrorKind.InvalidTopicName)] // empty in 3.1.1
    [InlineData(V500, "30 03 00 00 00", MqttProtocolErrorKind.InvalidTopicName)] // empty without topic alias
    [InlineData(V311, "82 07 00 01 00 02 61 23 00", MqttProtocolErrorKind.InvalidTopicFilter)] // "a#"
    [InlineData(V311, "82 05 00 01 00 00 00", MqttProtocolErrorKind.InvalidTopicFilter)] // empty filter
    [InlineData(V500, "A2 07 00 01 00 00 01 2B 2B", MqttProtocolErrorKind.TruncatedPacket)] // filter "+", then half a string length
    [InlineData(V311, "82 02 00 01", MqttProtocolErrorKind.MissingPayload)]
    [InlineData(V311, "A2 02 00 01", MqttProtocolErrorKind.MissingPayload)]
    [InlineData(V311, "90 02 00 01", MqttProtocolErrorKind.MissingPayload)]
    [InlineData(V500, "B0 03 00 01 00", MqttProtocolErrorKind.MissingPayload)]
    // CONNECT and CONNACK
    [InlineData(V311, "10 0C 00 06 4D 51 49 73 64 70 03 02 00 3C", MqttProtocolErrorKind.UnsupportedProtocol)] // MQIsdp, 3.1
    [InlineData(V311, "10 0C 00 04 4D 51 54 54 05 02 00 3C 00 00", MqttProtocolErrorKind.UnsupportedProtocol)] // level 5 on a 3.1.1 connection
    [InlineData(V311, "10 0C 00 04 4D 51 54 54 04 03 00 3C 00 00", MqttProtocolErrorKind.InvalidConnectFlags)] // reserved flag
    [InlineData(V311, "10 0C 00 04 4D 51 54 54 04 42 00 3C 00 00", MqttProtocolErrorKind.InvalidConnectFlags)] // password without user name
    [InlineData(V311, "10 0C 00 04 4D 51 54 54 04 22 00 3C 00 00", MqttProtocolErrorKind.InvalidConnectFlags)] // will retain without will
    [InlineData(V311, "10 0C 00 04 4D 51 54 54 04 1E 00 3C 00 00", MqttProtocolErrorKind.InvalidQoS)] // will QoS 3
    [InlineData(V311, "10 11 00 04 4D 51 54 54 04 06 00 3C 00 00 00 01 23 00 00", MqttProtocolErrorKind.InvalidTopicName)] // will topic "#"
    [InlineData(V311, "20 02 02 00", MqttProtocolErrorKind.InvalidConnAckFlags)]
    [InlineData(V311, "20 02 01 05", MqttProtocolErrorKind.InvalidConnAckFlags)] // session present with a refusal
    // Subscription options
    [InlineData(V311, "82 06 00 01 00 01 61 04", MqttProtocolErrorKind.InvalidSubscriptionOptions)] // No Local bit in 3.1.1
    [InlineData(V500, "82 07 00 01 00 00 01 61 30", MqttProtocolErrorKind.InvalidSubscriptionOptions)] // retain handling 3
    [InlineData(V500, "82 07 00 01 00 00 01 61 40", MqttProtocolErrorKind.InvalidSubscriptionOptions)] // reserved bit 6
    [InlineData(V500, "82 10 00 01 00 00 0A 24 73 68 61 72 65 2F 67 2F 61 04", MqttProtocolErrorKind.InvalidSubscriptionOptions)] // No Local on $share/g/a
    [InlineData(V311, "82 06 00 01 00 01 61 03", MqttProtocolErrorKind.InvalidQoS)]
    // Other rules
    [InlineData(V500, "F0 02 18 00", MqttProtocolErrorKind.ProtocolViolation)] // AUTH without authentication method
    [InlineData(V500, "20 06 00 00 03 16 00 00", MqttProtocolErrorKind.ProtocolViolation)] // authentication data without method
    public void Crafted_packets_give_the_specific_protocol_error(MqttProtocolVersion version, string hex, MqttProtocolErrorKind kind)
    {
        var error = DecodeError(Hex(hex), version);

        Assert.Equal(kind, error.Kind);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.Contains(kind.ToString(), error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_packet_is_refused_from_its_header_alone()
    {
        // Declares 16,383 bytes; only the fixed header has arrived. Waiting for the body would buffer it all.
        var error = DecodeError(Hex("30 FF 7F"), V500, maximumPacketSize: 1024);

        Assert.Equal(MqttProtocolErrorKind.PacketTooLarge, error.Kind);
        Assert.Equal(MqttDisconnectReasonCode.PacketTooLarge, error.DisconnectReasonCode);
        Assert.Equal(MqttPacketType.Publish, error.PacketType);
    }

    [Fact]
    public void The_maximum_packet_size_counts_the_whole_packet()
    {
        var bytes = Hex("32 09 00 03 61 2F 62 00 0A 68 69"); // 11 bytes

        Assert.Equal(MqttProtocolErrorKind.PacketTooLarge, DecodeError(bytes, V311, maximumPacketSize: 10).Kind);

        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(MqttPacketDecoder.Decode(ref buffer, V311, maximumPacketSize: 11).IsPacket);
    }

    [Fact]
    public void Errors_carry_the_disconnect_reason_code_to_send()
    {
        Assert.Equal(MqttDisconnectReasonCode.MalformedPacket, DecodeError(Hex("30 02 00 05"), V500).DisconnectReasonCode);
        Assert.Equal(MqttDisconnectReasonCode.ProtocolError, DecodeError(Hex("30 0A 00 01 61 06 23 00 01 23 00 01"), V500).DisconnectReasonCode);
        Assert.Null(DecodeError(Hex("00 00"), V500).PacketType);
    }

    [Fact]
    public void A_bad_first_byte_is_an_error_before_the_rest_arrives()
    {
        Assert.Equal(MqttProtocolErrorKind.UnknownPacketType, DecodeError([0x00], V500).Kind);
        Assert.Equal(MqttProtocolErrorKind.InvalidQoS, DecodeError([0x36], V311).Kind);
    }

    [Fact]
    public void Incomplete_input_needs_more_data_and_consumes_nothing()
    {
        var bytes = Hex("32 09 00 03 61 2F 62 00 0A 68 69");
        for (var length = 0; length < bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
            var result = MqttPacketDecoder.Decode(ref buffer, V311);

            Assert.Equal(MqttDecodeStatus.NeedMoreData, result.Status);
            Assert.Null(result.Packet);
            Assert.Null(result.Error);
            Assert.Equal(length, buffer.Length);
        }
    }

    [Fact]
    public void Invalid_arguments_are_the_callers_error()
    {
        var buffer = new ReadOnlySequence<byte>([0xC0, 0x00]);

        Assert.Throws<ArgumentOutOfRangeException>(() => MqttPacketDecoder.Decode(ref buffer, (MqttProtocolVersion)3));
        Assert.Throws<ArgumentOutOfRangeException>(() => MqttPacketDecoder.Decode(ref buffer, V500, maximumPacketSize: 1));
    }
}
