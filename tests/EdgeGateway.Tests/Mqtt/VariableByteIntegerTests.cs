using System.Buffers;
using EdgeGateway.Mqtt.Packets;
using Xunit;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

public sealed class VariableByteIntegerTests
{
    [Theory]
    [InlineData(0, "00")]
    [InlineData(127, "7F")]
    [InlineData(128, "80 01")]
    [InlineData(16_383, "FF 7F")]
    [InlineData(16_384, "80 80 01")]
    [InlineData(2_097_151, "FF FF 7F")]
    [InlineData(2_097_152, "80 80 80 01")]
    [InlineData(268_435_455, "FF FF FF 7F")]
    public void Boundary_values_encode_minimally_and_read_back(int value, string hex)
    {
        var expected = Hex(hex);
        var buffer = new byte[4];

        var written = VariableByteInteger.Write(buffer, value);

        Assert.Equal(expected, buffer[..written]);
        Assert.Equal(expected.Length, VariableByteInteger.GetSize(value));
        Assert.Equal(VariableByteIntegerStatus.Success, VariableByteInteger.TryRead(expected, out var read, out var consumed));
        Assert.Equal(value, read);
        Assert.Equal(expected.Length, consumed);

        // The same through a sequence cut after every byte.
        var segmented = Segmented(expected, Enumerable.Range(1, expected.Length - 1).ToArray());
        Assert.Equal(VariableByteIntegerStatus.Success, VariableByteInteger.TryRead(segmented, out read, out consumed));
        Assert.Equal(value, read);
        Assert.Equal(expected.Length, consumed);
    }

    [Theory]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(16_383)]
    [InlineData(16_384)]
    [InlineData(2_097_151)]
    [InlineData(2_097_152)]
    [InlineData(268_435_455)]
    public void Boundary_values_as_remaining_length_frame_a_packet(int remainingLength)
    {
        // A PUBLISH whose remaining length is exactly the boundary value: topic "t" and a payload filling the rest.
        var header = new byte[5];
        header[0] = 0x30;
        var size = VariableByteInteger.Write(header.AsSpan(1), remainingLength);
        var total = 1 + size + remainingLength;

        // Only the header is needed to learn the size: a short buffer is need-more-data, a small maximum an error.
        var partial = new ReadOnlySequence<byte>(header, 0, 1 + size);
        Assert.Equal(MqttDecodeStatus.NeedMoreData, MqttPacketDecoder.Decode(ref partial, MqttProtocolVersion.V311).Status);
        var error = DecodeError(header[..(1 + size)], MqttProtocolVersion.V311, maximumPacketSize: total - 1);
        Assert.Equal(MqttProtocolErrorKind.PacketTooLarge, error.Kind);

        if (remainingLength <= 2_097_152)
        {
            var packet = new MqttPublishPacket { TopicName = "t", Payload = new byte[remainingLength - 3] };
            var bytes = Encode(packet, MqttProtocolVersion.V311);
            Assert.Equal(total, bytes.Length);
            Assert.Equal(header[..(1 + size)], bytes[..(1 + size)]);
            Assert.Equal(remainingLength - 3, Assert.IsType<MqttPublishPacket>(DecodeSingle(bytes, MqttProtocolVersion.V311)).Payload.Length);
        }
    }

    [Theory]
    [InlineData("80 00", 0, 2)]
    [InlineData("FF 80 00", 127, 3)]
    [InlineData("80 80 80 00", 0, 4)]
    public void Non_minimal_encodings_are_accepted(string hex, int value, int length)
    {
        Assert.Equal(VariableByteIntegerStatus.Success, VariableByteInteger.TryRead(Hex(hex), out var read, out var consumed));
        Assert.Equal(value, read);
        Assert.Equal(length, consumed);
    }

    [Theory]
    [InlineData("FF FF FF FF 01")]
    [InlineData("80 80 80 80 00")]
    [InlineData("FF FF FF FF")]
    public void Five_byte_integers_are_malformed(string hex) =>
        Assert.Equal(VariableByteIntegerStatus.Malformed, VariableByteInteger.TryRead(Hex(hex), out _, out _));

    [Theory]
    [InlineData("")]
    [InlineData("80")]
    [InlineData("FF FF")]
    [InlineData("FF FF FF")]
    public void Incomplete_integers_need_more_data(string hex) =>
        Assert.Equal(VariableByteIntegerStatus.NeedMoreData, VariableByteInteger.TryRead(Hex(hex), out _, out _));

    [Theory]
    [InlineData(-1)]
    [InlineData(268_435_456)]
    [InlineData(int.MaxValue)]
    public void Values_out_of_range_cannot_be_written(int value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VariableByteInteger.GetSize(value));
        Assert.Throws<ArgumentOutOfRangeException>(() => VariableByteInteger.Write(new byte[8], value));
    }

    [Fact]
    public void A_destination_too_small_is_refused() =>
        Assert.Throws<ArgumentException>(() => VariableByteInteger.Write(new byte[1], 128));

    [Fact]
    public void A_remaining_length_of_five_bytes_is_a_protocol_error()
    {
        Assert.Equal(MqttProtocolErrorKind.MalformedVariableByteInteger, DecodeError(Hex("30 FF FF FF FF 01"), MqttProtocolVersion.V500).Kind);

        // Known malformed as soon as the fourth length byte still has its continuation bit.
        Assert.Equal(MqttProtocolErrorKind.MalformedVariableByteInteger, DecodeError(Hex("30 80 80 80 80"), MqttProtocolVersion.V311).Kind);
    }
}
