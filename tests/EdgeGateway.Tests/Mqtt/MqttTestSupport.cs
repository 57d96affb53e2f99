using System.Buffers;
using System.Collections;
using System.Reflection;
using System.Text;
using EdgeGateway.Mqtt.Packets;
using Xunit;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>Helpers shared by the MQTT codec tests: hex, encode/decode shortcuts, deep comparison, segmented buffers.</summary>
internal static class MqttTestSupport
{
    public static byte[] Hex(string text) => Convert.FromHexString(text.Replace(" ", "", StringComparison.Ordinal));

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);

    public static byte[] Encode(MqttPacket packet, MqttProtocolVersion version, int maximumPacketSize = MqttLimits.MaximumPacketSize)
    {
        var writer = new ArrayBufferWriter<byte>();
        var written = MqttPacketEncoder.Encode(writer, packet, version, maximumPacketSize);
        Assert.Equal(written, writer.WrittenCount);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes exactly one packet that fills <paramref name="bytes"/>.</summary>
    public static MqttPacket DecodeSingle(byte[] bytes, MqttProtocolVersion version)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        var result = MqttPacketDecoder.Decode(ref buffer, version);
        Assert.True(result.IsPacket, $"expected a packet, got {result.Status}: {result.Error}");
        Assert.Equal(0, buffer.Length);
        return result.Packet;
    }

    /// <summary>Decodes one error from <paramref name="bytes"/> and checks nothing was consumed.</summary>
    public static MqttProtocolError DecodeError(byte[] bytes, MqttProtocolVersion version, int maximumPacketSize = MqttLimits.MaximumPacketSize)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        var result = MqttPacketDecoder.Decode(ref buffer, version, maximumPacketSize);
        Assert.True(result.IsError, $"expected an error, got {result.Status} {result.Packet}");
        Assert.Equal(bytes.Length, buffer.Length);
        return result.Error;
    }

    /// <summary>Decodes every packet in <paramref name="buffer"/>; stops at need-more-data; fails on an error.</summary>
    public static List<MqttPacket> DecodeAll(ReadOnlySequence<byte> buffer, MqttProtocolVersion version)
    {
        var packets = new List<MqttPacket>();
        while (true)
        {
            var result = MqttPacketDecoder.Decode(ref buffer, version);
            if (result.IsError)
            {
                Assert.Fail(result.Error.ToString());
            }

            if (!result.IsPacket)
            {
                Assert.Equal(0, buffer.Length);
                return packets;
            }

            packets.Add(result.Packet);
        }
    }

    /// <summary>A multi-segment sequence over <paramref name="bytes"/>, cut at the given (sorted) positions; repeated cuts make empty segments.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, IReadOnlyList<int> cuts)
    {
        var pieces = new List<byte[]>();
        var start = 0;
        foreach (var cut in cuts)
        {
            pieces.Add(bytes[start..cut]);
            start = cut;
        }

        pieces.Add(bytes[start..]);
        var first = new Segment(pieces[0], 0);
        var last = first;
        for (var i = 1; i < pieces.Count; i++)
        {
            last = last.Append(pieces[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Random cut positions for <see cref="Segmented"/>.</summary>
    public static int[] RandomCuts(Random random, int length, int count)
    {
        var cuts = new int[count];
        for (var i = 0; i < count; i++)
        {
            cuts[i] = random.Next(length + 1);
        }

        Array.Sort(cuts);
        return cuts;
    }

    /// <summary>
    /// Asserts two packets (or any values) have the same content: public properties compared recursively, lists
    /// element by element, byte memories by content. Record equality would compare lists by reference.
    /// </summary>
    public static void AssertEquivalent(object? expected, object? actual, string path = "packet")
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: expected {Describe(expected)}, got {Describe(actual)}");
            return;
        }

        if (expected is ReadOnlyMemory<byte> expectedBytes)
        {
            var actualBytes = Assert.IsType<ReadOnlyMemory<byte>>(actual);
            Assert.True(expectedBytes.Span.SequenceEqual(actualBytes.Span),
                $"{path}: expected bytes {ToHex(expectedBytes.Span)}, got {ToHex(actualBytes.Span)}");
            return;
        }

        if (expected is IEnumerable expectedItems and not string)
        {
            // Built packets hold arrays, decoded ones lists: compare the items, not the collection types.
            var left = expectedItems.Cast<object?>().ToList();
            var right = Assert.IsAssignableFrom<IEnumerable>(actual).Cast<object?>().ToList();
            Assert.True(left.Count == right.Count, $"{path}: expected {left.Count} items, got {right.Count}");
            for (var i = 0; i < left.Count; i++)
            {
                AssertEquivalent(left[i], right[i], $"{path}[{i}]");
            }

            return;
        }

        var type = expected.GetType();
        Assert.True(type == actual.GetType(), $"{path}: expected a {type.Name}, got a {actual.GetType().Name}");
        if (expected is string || type.IsPrimitive || type.IsEnum || expected is MqttUserProperty || expected is MqttSubscriptionOptions)
        {
            Assert.True(Equals(expected, actual), $"{path}: expected {Describe(expected)}, got {Describe(actual)}");
            return;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            AssertEquivalent(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        _ => value.ToString() ?? value.GetType().Name,
    };

    public static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
