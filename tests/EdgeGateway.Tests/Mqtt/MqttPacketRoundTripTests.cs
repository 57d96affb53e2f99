using EdgeGateway.Mqtt.Packets;
using Xunit;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

public sealed class MqttPacketRoundTripTests
{
    public static TheoryData<MqttProtocolVersion, string> Samples()
    {
        var data = new TheoryData<MqttProtocolVersion, string>();
        foreach (var version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            foreach (var name in MqttSamplePackets.Names(version))
            {
                data.Add(version, name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Encoding_then_decoding_gives_the_same_packet_and_the_same_bytes(MqttProtocolVersion version, string name)
    {
        var packet = MqttSamplePackets.For(version)[name];

        var bytes = Encode(packet, version);
        var decoded = DecodeSingle(bytes, version);

        AssertEquivalent(packet, decoded);
        Assert.Equal(bytes, Encode(decoded, version));
        Assert.Equal(bytes.Length, MqttPacketEncoder.GetEncodedSize(packet, version));
    }

    [Fact]
    public void Every_packet_type_is_covered_for_both_versions()
    {
        var v311 = MqttSamplePackets.V311.Values.Select(p => p.PacketType).ToHashSet();
        var v500 = MqttSamplePackets.V500.Values.Select(p => p.PacketType).ToHashSet();

        Assert.Equal(14, v311.Count);
        Assert.DoesNotContain(MqttPacketType.Auth, v311);
        Assert.Equal(15, v500.Count);
    }

    [Fact]
    public void Every_v311_connack_return_code_maps_both_ways()
    {
        byte[] returnCodes = [0, 1, 2, 3, 4, 5];
        MqttConnectReasonCode[] reasons =
        [
            MqttConnectReasonCode.Success, MqttConnectReasonCode.UnsupportedProtocolVersion, MqttConnectReasonCode.ClientIdentifierNotValid,
            MqttConnectReasonCode.ServerUnavailable, MqttConnectReasonCode.BadUserNameOrPassword, MqttConnectReasonCode.NotAuthorized,
        ];

        for (var i = 0; i < returnCodes.Length; i++)
        {
            var decoded = Assert.IsType<MqttConnAckPacket>(DecodeSingle([0x20, 0x02, 0x00, returnCodes[i]], MqttProtocolVersion.V311));
            Assert.Equal(reasons[i], decoded.ReasonCode);
            Assert.Equal([0x20, 0x02, 0x00, returnCodes[i]], Encode(new MqttConnAckPacket { ReasonCode = reasons[i] }, MqttProtocolVersion.V311));
        }
    }

    [Fact]
    public void Decoded_payloads_and_binary_fields_do_not_share_the_input_buffer()
    {
        var bytes = Encode(MqttSamplePackets.V500["publish-full"], MqttProtocolVersion.V500);
        var decoded = Assert.IsType<MqttPublishPacket>(DecodeSingle(bytes, MqttProtocolVersion.V500));

        Array.Clear(bytes);

        Assert.Equal("{\"v\":12.5}"u8.ToArray(), decoded.Payload.ToArray());
        Assert.Equal(new byte[] { 9, 8, 7 }, decoded.CorrelationData!.Value.ToArray());
    }

    [Fact]
    public void Ping_packets_decode_to_the_shared_instances()
    {
        Assert.Same(MqttPingRespPacket.Instance, DecodeSingle([0xD0, 0x00], MqttProtocolVersion.V500));
        Assert.Same(MqttPingReqPacket.Instance, DecodeSingle([0xC0, 0x00], MqttProtocolVersion.V311));
    }

    [Fact]
    public void Packets_describe_themselves_without_payloads_or_passwords()
    {
        var connect = MqttSamplePackets.V500["connect-full"].ToString();
        var publish = MqttSamplePackets.V500["publish-full"].ToString();

        Assert.DoesNotContain("s3cret", connect, StringComparison.Ordinal);
        Assert.Contains("edge-gateway-gw-1", connect, StringComparison.Ordinal);
        Assert.DoesNotContain("12.5", publish, StringComparison.Ordinal);
        Assert.Contains("id=300", publish, StringComparison.Ordinal);
        Assert.Equal("PINGREQ", MqttPingReqPacket.Instance.ToString());
    }
}
