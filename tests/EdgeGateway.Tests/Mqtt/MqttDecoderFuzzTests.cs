using System.Buffers;
using System.Globalization;
using EdgeGateway.Mqtt.Packets;
using Xunit;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>
/// Thousands of random and mutated packets: the decoder must only ever answer need-more-data, a packet, or a
/// protocol error; never throw, never loop. Every packet it accepts must encode again and decode to the same bytes.
/// </summary>
/// <remarks>
/// Deterministic by default (fixed seeds). To explore further: <c>EDGEGW_MQTT_FUZZ_SEED</c> (a base seed) and
/// <c>EDGEGW_MQTT_FUZZ_CASES</c> (cases per version). A failure names the base seed, the case seed and the input.
/// </remarks>
public sealed class MqttDecoderFuzzTests
{
    private const int DefaultCasesPerVersion = 20_000;

    [Theory(Timeout = 120_000)]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Mutated_and_random_input_only_decodes_to_packets_errors_or_need_more_data(MqttProtocolVersion version)
    {
        var baseSeed = EnvironmentInt("EDGEGW_MQTT_FUZZ_SEED") ?? (0x4D515454 + (int)version);
        var cases = EnvironmentInt("EDGEGW_MQTT_FUZZ_CASES") ?? DefaultCasesPerVersion;
        var valid = MqttSamplePackets.For(version).Values
            .Select(p => Encode(p, version))
            .Where(b => b.Length <= 2_048) // the 70 kB samples would only make each case slower
            .ToArray();

        // The work is synchronous: run it on the pool so the Timeout above can stop a decoder that never returns.
        var outcomes = await Task.Run(() => Run(version, baseSeed, cases, valid), TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"MQTT {version}: seed {baseSeed}, {cases} cases: {outcomes[MqttDecodeStatus.Packet]} packets, " +
            $"{outcomes[MqttDecodeStatus.Error]} protocol errors, {outcomes[MqttDecodeStatus.NeedMoreData]} need-more-data endings");

        // The mutations must reach all three outcomes, or the fuzzer is not testing much.
        Assert.All(outcomes.Values, count => Assert.True(count > cases / 100));
    }

    private static Dictionary<MqttDecodeStatus, int> Run(MqttProtocolVersion version, int baseSeed, int cases, byte[][] valid)
    {
        var outcomes = new Dictionary<MqttDecodeStatus, int>
        {
            [MqttDecodeStatus.NeedMoreData] = 0,
            [MqttDecodeStatus.Packet] = 0,
            [MqttDecodeStatus.Error] = 0,
        };
        var seeds = new Random(baseSeed);
        for (var i = 0; i < cases; i++)
        {
            var caseSeed = seeds.Next();
            var random = new Random(caseSeed);
            var input = MakeInput(random, valid);
            var maximumPacketSize = random.Next(5) == 0 ? random.Next(2, 2_048) : MqttLimits.MaximumPacketSize;
            var buffer = random.Next(2) == 0
                ? new ReadOnlySequence<byte>(input)
                : Segmented(input, RandomCuts(random, input.Length, random.Next(1, 8)));
            try
            {
                foreach (var (status, count) in DecodeToEnd(buffer, version, maximumPacketSize))
                {
                    outcomes[status] += count;
                }
            }
#pragma warning disable CA1031 // Anything at all, assertion failures included, must be reported with the seed that reproduces it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Assert.Fail($"MQTT {version}, base seed {baseSeed}, case {i} (seed {caseSeed}), maximum packet size {maximumPacketSize}, " +
                    $"input {ToHex(input)}:{Environment.NewLine}{e}");
            }
        }

        return outcomes;
    }

    /// <summary>Decodes until the input is used up, an error, or need-more-data; returns what happened.</summary>
    private static IEnumerable<(MqttDecodeStatus, int)> DecodeToEnd(ReadOnlySequence<byte> buffer, MqttProtocolVersion version, int maximumPacketSize)
    {
        var packets = 0;
        var limit = buffer.Length + 1; // every packet consumes at least 2 bytes: more calls than this means a loop
        for (var call = 0; ; call++)
        {
            Assert.True(call <= limit, "the decoder keeps returning packets without consuming input");
            var before = buffer.Length;
            var result = MqttPacketDecoder.Decode(ref buffer, version, maximumPacketSize);
            switch (result.Status)
            {
                case MqttDecodeStatus.Packet:
                    Assert.NotNull(result.Packet);
                    Assert.Null(result.Error);
                    Assert.True(buffer.Length <= before - 2, "a decoded packet consumed less than a fixed header");
                    AssertReEncodes(result.Packet, version);
                    packets++;
                    continue;
                case MqttDecodeStatus.Error:
                    Assert.NotNull(result.Error);
                    Assert.Null(result.Packet);
                    Assert.Equal(before, buffer.Length);
                    Assert.False(string.IsNullOrEmpty(result.Error.Message));
                    Assert.True(Enum.IsDefined(result.Error.Kind));
                    return [(MqttDecodeStatus.Packet, packets), (MqttDecodeStatus.Error, 1)];
                case MqttDecodeStatus.NeedMoreData:
                    Assert.Null(result.Packet);
                    Assert.Null(result.Error);
                    Assert.Equal(before, buffer.Length);
                    return [(MqttDecodeStatus.Packet, packets), (MqttDecodeStatus.NeedMoreData, 1)];
                default:
                    throw new InvalidOperationException($"unknown status {result.Status}");
            }
        }
    }

    /// <summary>What the decoder accepts, the encoder writes, and that decodes to the same bytes again.</summary>
    private static void AssertReEncodes(MqttPacket packet, MqttProtocolVersion version)
    {
        byte[] bytes;
        try
        {
            bytes = Encode(packet, version);
        }
        catch (MqttEncodingException) when (packet is MqttConnectPacket { ClientId: "", CleanStart: false } && version == MqttProtocolVersion.V311)
        {
            // The one known asymmetry: a 3.1.1 server must answer this CONNECT with "identifier rejected", so it is
            // decodable, but a client must never send it, so the encoder refuses it.
            return;
        }

        Assert.Equal(bytes, Encode(DecodeSingle(bytes, version), version));
    }

    private static byte[] MakeInput(Random random, byte[][] valid)
    {
        if (random.Next(10) == 0)
        {
            // Pure noise, with a plausible first byte half of the time.
            var noise = new byte[random.Next(0, 64)];
            random.NextBytes(noise);
            if (noise.Length > 0 && random.Next(2) == 0)
            {
                noise[0] = (byte)(random.Next(1, 16) << 4);
            }

            return noise;
        }

        var input = new List<byte>(valid[random.Next(valid.Length)]);
        while (random.Next(4) == 0)
        {
            input.AddRange(valid[random.Next(valid.Length)]);
        }

        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            Mutate(random, input, valid);
        }

        return [.. input];
    }

    private static void Mutate(Random random, List<byte> input, byte[][] valid)
    {
        byte[] interesting = [0x00, 0x01, 0x02, 0x7F, 0x80, 0xFF, 0x23, 0x2B, 0x2F, 0x24];
        switch (random.Next(11))
        {
            case 0 when input.Count > 0: // flip one bit
                input[random.Next(input.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when input.Count > 0: // one byte to an interesting or random value
                input[random.Next(input.Count)] = random.Next(2) == 0 ? interesting[random.Next(interesting.Length)] : (byte)random.Next(256);
                break;
            case 2 when input.Count > 0: // truncate
                {
                    var keep = random.Next(input.Count);
                    input.RemoveRange(keep, input.Count - keep);
                    break;
                }

            case 3: // extend with random bytes
                for (var n = random.Next(1, 17); n > 0; n--)
                {
                    input.Add((byte)random.Next(256));
                }

                break;
            case 4: // insert random bytes
                input.InsertRange(random.Next(input.Count + 1), Enumerable.Range(0, random.Next(1, 5)).Select(_ => (byte)random.Next(256)));
                break;
            case 5 when input.Count > 1: // delete a range
                {
                    var start = random.Next(input.Count);
                    input.RemoveRange(start, random.Next(1, Math.Min(8, input.Count - start) + 1));
                    break;
                }

            case 6 when input.Count > 1: // rewrite the remaining length: off by a little, huge, or not a valid integer
                {
                    var lengthBytes = random.Next(1, 6);
                    var end = Math.Min(input.Count, 1 + lengthBytes);
                    input.RemoveRange(1, end - 1);
                    var replacement = random.Next(3) switch
                    {
                        0 => VbiBytes(Math.Clamp(input.Count - 1 + random.Next(-3, 4), 0, VariableByteInteger.MaxValue)),
                        1 => VbiBytes(random.Next(0, VariableByteInteger.MaxValue + 1)),
                        _ => Enumerable.Range(0, random.Next(1, 6)).Select(_ => (byte)(0x80 | random.Next(256))).ToArray(),
                    };
                    input.InsertRange(1, replacement);
                    break;
                }

            case 7 when input.Count > 2: // a two-byte length or identifier to a boundary value
                {
                    var at = random.Next(input.Count - 1);
                    var value = random.Next(4) switch
                    {
                        0 => 0,
                        1 => 0xFFFF,
                        2 => ((input[at] << 8) | input[at + 1]) + 1,
                        _ => ((input[at] << 8) | input[at + 1]) - 1,
                    };
                    input[at] = (byte)(value >> 8);
                    input[at + 1] = (byte)value;
                    break;
                }

            case 8 when input.Count > 0: // another first byte: other type, other flags
                input[0] = random.Next(2) == 0 ? (byte)random.Next(256) : (byte)((input[0] & 0xF0) | random.Next(16));
                break;
            case 9: // splice in part of another valid packet
                {
                    var other = valid[random.Next(valid.Length)];
                    var from = random.Next(other.Length);
                    input.InsertRange(random.Next(input.Count + 1), other.Skip(from).Take(random.Next(1, other.Length - from + 1)));
                    break;
                }

            default: // property-ish noise: a random property identifier and a few bytes
                input.InsertRange(random.Next(input.Count + 1), [(byte)random.Next(0x2C), (byte)random.Next(256), (byte)random.Next(256)]);
                break;
        }
    }

    private static byte[] VbiBytes(int value)
    {
        var bytes = new byte[VariableByteInteger.MaxSize];
        return bytes[..VariableByteInteger.Write(bytes, value)];
    }

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
