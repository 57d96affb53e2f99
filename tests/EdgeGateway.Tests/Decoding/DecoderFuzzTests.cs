using System.Globalization;
using System.Text;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using Xunit;
using static EdgeGateway.Tests.Decoding.DecodingTestSupport;

namespace EdgeGateway.Tests.Decoding;

/// <summary>
/// Thousands of random, mutated and generated payloads: every decoder must answer readings the domain accepts, or a
/// failure with a reason and a detail; never throw.
/// </summary>
/// <remarks>
/// Deterministic by default (fixed seed). To explore further: <c>EDGEGW_DECODER_FUZZ_SEED</c> (a base seed) and
/// <c>EDGEGW_DECODER_FUZZ_CASES</c> (cases per decoder). A failure names the base seed, the case seed and the input.
/// </remarks>
public sealed class DecoderFuzzTests
{
    private const int DefaultCasesPerDecoder = 4_000;

    private static readonly string[] Samples =
    [
        """{"id":"aq-0042","ts":1732270000543,"pm25":6.7,"pm10":50.7,"no2":47.7,"temp":215,"rh":22.6,"seq":42}""",
        """{"id":"aq-1","ts":"2026-11-22T10:00:00.125+01:00","pm":{"pm25":6.7,"pm10":null},"door":true,"seq":7}""",
        """[{"id":"aq-1","ts":1732270000,"pm25":"1.5"},{"id":"aq-2","ts":1732270060,"pm25":2,"rssi":-70}]""",
        """{"id":1234,"env":{"temp":215,"hum":40},"pm25":1e2,"fw":"1.4.2","list":[1,2,{"a":3}]}""",
        """[{"bn":"urn:dev:ow:10e2073a01080063:","bt":1.320067464e+09,"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1},{"n":"current","t":-5,"v":1.2}]""",
        """[{"bn":"urn:dev:ow:10e2073a01080063","bu":"%RH","v":20},{"u":"lon","v":24.30621},{"t":60,"v":20.3}]""",
        """[{"bn":"cab-7/","n":"temp","u":"Cel","v":23.1},{"n":"label","vs":"Machine Room"},{"n":"open","vb":false},{"n":"nfc","vd":"aGkgCg"},{"n":"water","s":12.5,"bs":100}]""",
        "21.5",
        " -3.25e1\r\n",
    ];

    private static readonly string[] Keys =
    [
        "id", "ts", "seq", "pm25", "pm10", "pm", "temp", "door", "env", "rssi",
        "bn", "bt", "bu", "bv", "bs", "bver", "n", "u", "v", "vs", "vb", "vd", "s", "t", "ut", "x_", "",
    ];

    private static readonly string[] Scalars =
    [
        "0", "-1", "1.5", "1e400", "-1e400", "1e14", "1e11", "268435456", "-268435456", "9223372036854775808", "1e-400", "-0",
        "true", "false", "null", "\"\"", "\"aq-0042\"", "\"a b\"", "\"urn:dev:ow:1:\"", "\"2026-11-22T10:00:00Z\"", "\"2026-11-22T10:00:00\"",
        "\"21.5\"", "\"NaN\"", "\"%RH\"", "\"\\u0000\"", "\"\\ud800\"", "\"" + new string('x', 300) + "\"",
    ];

    private static readonly byte[] InterestingBytes = "{}[]\":,\\0123456789-+.eE tfn\r\n"u8.ToArray().Concat(new byte[] { 0x00, 0xFF, 0xC3, 0xE2, 0x80 }).ToArray();

    public static TheoryData<string> DecoderNames => ["json-mapped", "json-nested-all", "senml", "senml-whole", "number"];

    private static IPayloadDecoder Create(string name) => name switch
    {
        "json-mapped" => new JsonPayloadDecoder(new JsonDecoderOptions
        {
            DeviceIdField = "id",
            TimeField = "ts",
            SequenceField = "seq",
            Metrics =
            {
                new() { Field = "pm25", Metric = "pm2_5", Unit = "ug/m3" },
                new() { Field = "pm10", Unit = "ug/m3" },
                new() { Field = "temp", Scale = 0.1, Unit = "Cel" },
                new() { Field = "door" },
            },
        }),
        "json-nested-all" => new JsonPayloadDecoder(new JsonDecoderOptions
        {
            DeviceIdField = "id",
            TimeField = "ts",
            AllNumericFields = true,
            IgnoreFields = { "rssi" },
            Metrics = { new() { Field = "pm.pm25", Metric = "pm25x" }, new() { Field = "env.temp", Scale = 1e300 } },
        }),
        "senml" => new SenMlDecoder(),
        "senml-whole" => new SenMlDecoder(new SenMlDecoderOptions { DeviceIdFromBaseName = BaseNameDeviceIdRule.Whole, DefaultMetric = "value" }),
        "number" => new PlainNumberDecoder(new PlainNumberDecoderOptions { Metric = "temperature", Unit = "Cel" }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(DecoderNames))]
    public async Task Random_and_mutated_payloads_give_readings_or_failures_never_exceptions(string decoderName)
    {
        var baseSeed = EnvironmentInt("EDGEGW_DECODER_FUZZ_SEED") ?? 0x53454E4D;
        var cases = EnvironmentInt("EDGEGW_DECODER_FUZZ_CASES") ?? DefaultCasesPerDecoder;
        var decoder = Create(decoderName);

        // Synchronous work: run it on the pool so the Timeout above can stop a decoder that never returns.
        var outcomes = await Task.Run(() => Run(decoder, decoderName, baseSeed, cases), TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{decoderName}: seed {baseSeed}, {cases} cases: " + string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));

        // The inputs must reach both successes and a variety of failures, or the fuzzer is not testing much.
        Assert.True(outcomes.GetValueOrDefault("success") > cases / 100, $"too few successes: {outcomes.GetValueOrDefault("success")}");
        Assert.True(outcomes.Count >= 6, $"too few distinct outcomes: {string.Join(", ", outcomes.Keys)}");
    }

    private static Dictionary<string, int> Run(IPayloadDecoder decoder, string decoderName, int baseSeed, int cases)
    {
        var outcomes = new Dictionary<string, int>();
        var seeds = new Random(baseSeed);
        for (var i = 0; i < cases; i++)
        {
            var caseSeed = seeds.Next();
            var random = new Random(caseSeed);
            var payload = MakeInput(random);
            DeviceId? topicId = random.Next(3) == 0 ? null : new DeviceId(random.Next(2) == 0 ? "aq-0042" : "cab-7");
            try
            {
                var result = decoder.Decode(Message(payload), topicId);
                Check(result);
                var outcome = result.IsSuccess ? "success" : result.Failure.ReasonName;
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
#pragma warning disable CA1031 // Anything at all, assertion failures included, must be reported with the seed that reproduces it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Assert.Fail(
                    $"{decoderName}, base seed {baseSeed}, case {i} (seed {caseSeed}), topic id {topicId?.ToString() ?? "none"}, " +
                    $"payload {Escape(payload)} (hex {Convert.ToHexString(payload)}):{Environment.NewLine}{e}");
            }
        }

        return outcomes;
    }

    /// <summary>The promises of a result: readings the domain accepts, or a failure that says why.</summary>
    private static void Check(DecodeResult result)
    {
        if (result.IsSuccess)
        {
            Assert.InRange(result.Readings.Length, 1, PayloadDecoders.MaxReadingsPerMessage);
            Assert.True(result.SkippedValues >= 0);
            foreach (var r in result.Readings)
            {
                // Throws if any rule of the domain is broken (metric, value, unit, time).
                _ = new Reading(r.DeviceId, r.Metric, r.Value, r.Unit, r.EventTime, ReceivedAt, r.DeviceSequence ?? 0);
                Assert.True(r.DeviceSequence is null or >= 0);
            }
        }
        else
        {
            Assert.Empty(result.Readings);
            Assert.True(Enum.IsDefined(result.Failure.Reason));
            Assert.False(string.IsNullOrWhiteSpace(result.Failure.Detail));
            Assert.True(result.Failure.Detail.Length < 1_000, "a detail quotes the payload only in short excerpts");
        }
    }

    private static byte[] MakeInput(Random random)
    {
        var sample = Encoding.UTF8.GetBytes(Samples[random.Next(Samples.Length)]);
        return random.Next(10) switch
        {
            < 3 => Mutate(random, sample, random.Next(1, 6)),
            3 => sample[..random.Next(sample.Length + 1)], // truncated
            4 => [.. sample[..random.Next(sample.Length + 1)], .. Encoding.UTF8.GetBytes(Samples[random.Next(Samples.Length)])[random.Next(4)..]], // spliced
            5 => Encoding.UTF8.GetBytes(RandomJson(random, random.Next(3))),
            6 => Encoding.UTF8.GetBytes(RandomPack(random)),
            7 => Encoding.UTF8.GetBytes(RandomObject(random)),
            8 => Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => RandomObject(random))) + "]"),
            _ => RandomBytes(random),
        };
    }

    private static byte[] Mutate(Random random, byte[] input, int count)
    {
        var bytes = new List<byte>(input);
        for (var i = 0; i < count; i++)
        {
            var at = random.Next(bytes.Count + 1);
            switch (random.Next(5))
            {
                case 0 when at < bytes.Count:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when at < bytes.Count:
                    bytes[at] = InterestingBytes[random.Next(InterestingBytes.Length)];
                    break;
                case 2:
                    bytes.Insert(at, InterestingBytes[random.Next(InterestingBytes.Length)]);
                    break;
                case 3 when at < bytes.Count:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
                default:
                    // Repeat a slice (a record, a field) somewhere: duplicates, nesting, long inputs.
                    var from = random.Next(bytes.Count + 1);
                    var length = Math.Min(random.Next(1, 40), bytes.Count - from);
                    bytes.InsertRange(at, bytes.GetRange(from, length));
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>Well-formed JSON built from the decoders' own vocabulary, so inputs get past the parser into the rules.</summary>
    private static string RandomJson(Random random, int depth)
    {
        switch (depth > 3 ? 0 : random.Next(4))
        {
            case 0:
                return Scalars[random.Next(Scalars.Length)];
            case 1:
                return "[" + string.Join(",", Enumerable.Range(0, random.Next(5)).Select(_ => RandomJson(random, depth + 1))) + "]";
            default:
                var fields = Enumerable.Range(0, random.Next(8)).Select(_ =>
                    $"\"{Keys[random.Next(Keys.Length)]}\":{(random.Next(4) == 0 ? RandomJson(random, depth + 1) : Scalars[random.Next(Scalars.Length)])}");
                return "{" + string.Join(",", fields) + "}";
        }
    }

    /// <summary>A SenML-shaped pack: mostly plausible labels and values, now and then a wrong one.</summary>
    private static string RandomPack(Random random)
    {
        (string Label, double Chance, string[] Values)[] fields =
        [
            ("bn", 0.3, ["\"urn:dev:ow:10e2073a01080063:\"", "\"cab-7/\"", "\"\"", "\"a b\"", "\"x:\"", "\"city/aq/aq-1/\"", "7"]),
            ("bt", 0.3, ["1.320067464e+09", "-5", "0", "1e300", "\"x\""]),
            ("bu", 0.1, ["\"A\"", "\"\"", "\"%RH\""]),
            ("bv", 0.1, ["100", "1e308", "true"]),
            ("bs", 0.1, ["5", "\"5\""]),
            ("bver", 0.1, ["10", "5", "11", "1.5"]),
            ("n", 0.7, ["\"temp\"", "\"current\"", "\"\"", "\"x y\"", "\"urn:a:b\"", "\"_t\"", "3"]),
            ("u", 0.4, ["\"Cel\"", "\"%RH\"", "\"\"", "\"deg C\"", "null"]),
            ("v", 0.9, ["1.5", "-2", "0", "1e400", "\"1\"", "120.1"]),
            ("vb", 0.05, ["true", "false", "1"]),
            ("vs", 0.05, ["\"on\"", "2"]),
            ("vd", 0.05, ["\"aGkgCg\""]),
            ("s", 0.1, ["12.5", "-1", "null"]),
            ("t", 0.3, ["-5", "0", "60", "1.320067464e+09", "-1e11", "\"now\""]),
            ("ut", 0.05, ["30", "\"x\""]),
            ("foo", 0.05, ["{\"a\":[1]}", "1"]),
            ("x_", 0.02, ["1"]),
        ];
        var records = Enumerable.Range(0, random.Next(1, 5)).Select(_ => RandomFields(random, fields));
        return "[" + string.Join(",", records) + "]";
    }

    /// <summary>A reading object for the JSON decoders: mostly plausible fields and values, now and then a wrong one.</summary>
    private static string RandomObject(Random random)
    {
        (string Label, double Chance, string[] Values)[] fields =
        [
            ("id", 0.8, ["\"aq-0042\"", "\"cab-7\"", "1234", "\"a b\"", "null", "{}"]),
            ("ts", 0.5, ["1732270000543", "\"2026-11-22T10:00:00Z\"", "1732270000.5", "\"2026-11-22T10:00:00\"", "-1", "true"]),
            ("seq", 0.3, ["42", "0", "-1", "1.5"]),
            ("pm25", 0.6, ["6.7", "\"1.5\"", "null", "\"n/a\"", "1e400", "[1]"]),
            ("pm10", 0.4, ["50.7", "0", "false"]),
            ("temp", 0.3, ["215", "-40", "1e308"]),
            ("door", 0.2, ["true", "false", "\"x\""]),
            ("pm", 0.3, ["{\"pm25\":3}", "{\"pm25\":null,\"pm1\":1}", "5"]),
            ("env", 0.2, ["{\"temp\":20,\"hum\":40}", "{\"temp\":\"x\"}"]),
            ("rssi", 0.2, ["-70"]),
            ("no2", 0.3, ["47.7", "\"x\""]),
            ("pm 2.5", 0.02, ["1"]),
        ];
        return RandomFields(random, fields);
    }

    private static string RandomFields(Random random, (string Label, double Chance, string[] Values)[] fields) =>
        "{" + string.Join(",", fields
            .Where(f => random.NextDouble() < f.Chance)
            .OrderBy(_ => random.Next())
            .Select(f => $"\"{f.Label}\":{(random.Next(5) > 0 ? f.Values[random.Next(Math.Min(2, f.Values.Length))] : f.Values[random.Next(f.Values.Length)])}")) + "}";

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(64)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Escape(byte[] payload) =>
        string.Concat(Encoding.UTF8.GetString(payload).Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
