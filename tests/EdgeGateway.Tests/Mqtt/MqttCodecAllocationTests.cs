using System.Buffers;
using EdgeGateway.Mqtt.Packets;
using Xunit;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>The codec's allocation promises: encoding allocates nothing, decoding only the packet and what it holds.</summary>
public sealed class MqttCodecAllocationTests
{
    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void Encoding_allocates_nothing(MqttProtocolVersion version)
    {
        var packets = MqttSamplePackets.For(version).Values.ToArray();
        var writer = new ArrayBufferWriter<byte>(1 << 20);
        foreach (var packet in packets)
        {
            MqttPacketEncoder.Encode(writer, packet, version); // warm up (JIT, static data)
        }

        // The runtime itself may allocate now and then while the JIT promotes hot methods: take the best of a few rounds.
        var least = long.MaxValue;
        for (var round = 0; round < 5 && least > 0; round++)
        {
            writer.ResetWrittenCount();
            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var packet in packets)
            {
                MqttPacketEncoder.Encode(writer, packet, version);
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
    }

    [Fact]
    public void Decoding_a_publish_allocates_the_packet_its_topic_and_its_payload_only()
    {
        var bytes = MqttTestSupport.Encode(
            new MqttPublishPacket { TopicName = "sensors/aq-1/pm2_5", QoS = MqttQualityOfService.AtLeastOnce, PacketIdentifier = 1, Payload = new byte[100] },
            MqttProtocolVersion.V500);
        var buffer = new ReadOnlySequence<byte>(bytes);
        MqttPacketDecoder.Decode(ref buffer, MqttProtocolVersion.V500); // warm up

        buffer = new ReadOnlySequence<byte>(bytes);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = MqttPacketDecoder.Decode(ref buffer, MqttProtocolVersion.V500);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(result.IsPacket);
        // Packet object (~130 bytes), 18-character topic string (~60), 100-byte payload array (~125).
        Assert.InRange(allocated, 100, 400);
    }

    [Fact]
    public void Decoding_acknowledgements_and_pings_allocates_at_most_the_packet_object()
    {
        var puback = MqttTestSupport.Hex("40 02 00 07");
        var pingresp = MqttTestSupport.Hex("D0 00");
        Decode(puback);
        Decode(pingresp);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Decode(pingresp);
        var afterPing = GC.GetAllocatedBytesForCurrentThread();
        Decode(puback);
        var afterPubAck = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, afterPing - before);
        Assert.InRange(afterPubAck - afterPing, 1, 80);

        static void Decode(byte[] bytes)
        {
            var buffer = new ReadOnlySequence<byte>(bytes);
            Assert.True(MqttPacketDecoder.Decode(ref buffer, MqttProtocolVersion.V500).IsPacket);
        }
    }
}
