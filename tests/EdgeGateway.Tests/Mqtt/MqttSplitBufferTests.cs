using System.Buffers;
using System.IO.Pipelines;
using EdgeGateway.Mqtt.Packets;
using Xunit;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>However the bytes arrive (one at a time, in random segments, through a real pipe), the packets are the same.</summary>
public sealed class MqttSplitBufferTests
{
    public static TheoryData<MqttProtocolVersion> Versions() => new() { MqttProtocolVersion.V311, MqttProtocolVersion.V500 };

    [Theory]
    [MemberData(nameof(Versions))]
    public void Random_segmentations_decode_identically(MqttProtocolVersion version)
    {
        var (stream, expected) = Stream(version);
        const int seed = 20_261_122;
        var random = new Random(seed);

        for (var round = 0; round < 200; round++)
        {
            var cuts = RandomCuts(random, stream.Length, random.Next(1, 64));
            var decoded = DecodeAll(Segmented(stream, cuts), version);

            Assert.True(decoded.Count == expected.Count, $"seed {seed}, round {round}: {decoded.Count} packets instead of {expected.Count}");
            for (var i = 0; i < expected.Count; i++)
            {
                AssertEquivalent(expected[i], decoded[i], $"round {round} packet {i}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Every_segment_boundary_inside_each_packet_decodes_identically(MqttProtocolVersion version)
    {
        foreach (var (name, packet) in MqttSamplePackets.For(version))
        {
            var bytes = Encode(packet, version);
            if (bytes.Length > 1_000)
            {
                continue; // the large samples are covered by the random segmentations
            }

            for (var cut = 0; cut <= bytes.Length; cut++)
            {
                var decoded = DecodeAll(Segmented(bytes, [cut, cut]), version);
                AssertEquivalent(packet, Assert.Single(decoded), $"{name} cut at {cut}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Bytes_fed_one_at_a_time_decode_identically(MqttProtocolVersion version)
    {
        var (stream, expected) = Stream(version, includeLarge: false);
        var decoded = new List<MqttPacket>();
        var pending = new List<byte>();

        foreach (var b in stream)
        {
            pending.Add(b);
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            var result = MqttPacketDecoder.Decode(ref buffer, version);
            Assert.False(result.IsError, result.Error?.ToString());
            if (result.IsPacket)
            {
                decoded.Add(result.Packet);
                Assert.Equal(0, buffer.Length); // one byte at a time: a packet completes exactly at its last byte
                pending.Clear();
            }
        }

        Assert.Empty(pending);
        Assert.Equal(expected.Count, decoded.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            AssertEquivalent(expected[i], decoded[i], $"packet {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Packets_written_to_a_pipe_writer_are_read_back_from_the_pipe_reader(MqttProtocolVersion version)
    {
        var (_, expected) = Stream(version);
        var pipe = new Pipe(new PipeOptions(minimumSegmentSize: 64, pauseWriterThreshold: 0));
        var ct = TestContext.Current.CancellationToken;

        foreach (var packet in expected)
        {
            MqttPacketEncoder.Encode(pipe.Writer, packet, version);
            await pipe.Writer.FlushAsync(ct);
        }

        await pipe.Writer.CompleteAsync();

        var decoded = new List<MqttPacket>();
        while (true)
        {
            var read = await pipe.Reader.ReadAsync(ct);
            var buffer = read.Buffer;
            while (true)
            {
                var result = MqttPacketDecoder.Decode(ref buffer, version);
                Assert.False(result.IsError, result.Error?.ToString());
                if (!result.IsPacket)
                {
                    break;
                }

                decoded.Add(result.Packet);
            }

            pipe.Reader.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                Assert.True(buffer.IsEmpty);
                break;
            }
        }

        await pipe.Reader.CompleteAsync();
        Assert.Equal(expected.Count, decoded.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            AssertEquivalent(expected[i], decoded[i], $"packet {i}");
        }
    }

    /// <summary>All sample packets of a version, encoded back to back.</summary>
    private static (byte[] Stream, List<MqttPacket> Packets) Stream(MqttProtocolVersion version, bool includeLarge = true)
    {
        var packets = new List<MqttPacket>();
        var writer = new ArrayBufferWriter<byte>();
        foreach (var packet in MqttSamplePackets.For(version).Values)
        {
            if (!includeLarge && MqttPacketEncoder.GetEncodedSize(packet, version) > 1_000)
            {
                continue;
            }

            MqttPacketEncoder.Encode(writer, packet, version);
            packets.Add(packet);
        }

        return (writer.WrittenSpan.ToArray(), packets);
    }
}
