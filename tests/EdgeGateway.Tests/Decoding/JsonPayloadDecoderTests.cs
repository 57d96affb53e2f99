using System.Text;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using Xunit;
using static EdgeGateway.Tests.Decoding.DecodingTestSupport;

namespace EdgeGateway.Tests.Decoding;

public sealed class JsonPayloadDecoderTests
{
    /// <summary>The air-quality station of the limits measurements: one object, several metrics, id, epoch ms and sequence.</summary>
    private static JsonPayloadDecoder AirQuality() => new(new JsonDecoderOptions
    {
        DeviceIdField = "id",
        TimeField = "t",
        SequenceField = "seq",
        Metrics =
        {
            new() { Field = "pm25", Metric = "pm2_5", Unit = "ug/m3" },
            new() { Field = "pm10", Unit = "ug/m3" },
            new() { Field = "no2", Unit = "ug/m3" },
            new() { Field = "temp", Metric = "temperature", Unit = "Cel" },
            new() { Field = "rh", Metric = "humidity", Unit = "%RH" },
            new() { Field = "bat", Metric = "battery", Unit = "V" },
        },
    });

    private static JsonPayloadDecoder Mapped(params string[] fields)
    {
        var options = new JsonDecoderOptions { DeviceIdField = "id", TimeField = "ts", SequenceField = "seq" };
        foreach (var field in fields)
        {
            options.Metrics.Add(new JsonMetricMapping { Field = field });
        }

        return new JsonPayloadDecoder(options);
    }

    [Fact]
    public void An_air_quality_object_gives_one_reading_per_mapped_metric_with_id_time_unit_and_sequence()
    {
        var result = AirQuality().Decode(
            """{"id":"aq-0042","t":1732270000543,"pm25":6.7,"pm10":50.7,"no2":47.7,"o3":20.6,"temp":1.0,"rh":22.6,"bat":3.77,"seq":42}""");

        var readings = Success(result);
        Assert.Equal(["pm2_5", "pm10", "no2", "temperature", "humidity", "battery"], readings.Select(r => r.Metric));
        var time = DateTimeOffset.FromUnixTimeMilliseconds(1732270000543);
        Assert.All(readings, r =>
        {
            Assert.Equal(Id("aq-0042"), r.DeviceId);
            Assert.Equal(time, r.EventTime);
            Assert.Equal(42, r.DeviceSequence);
        });
        Assert.Equal(new DecodedReading(Id("aq-0042"), "pm2_5", 6.7, "ug/m3", time, 42), readings[0]);
        Assert.Equal(("Cel", 1.0), (Single(readings, "temperature").Unit, Single(readings, "temperature").Value));
        Assert.Equal(0, result.SkippedValues);
    }

    [Fact]
    public void Every_decoded_reading_is_accepted_by_the_domain()
    {
        var readings = Success(AirQuality().Decode("""{"id":"aq-0042","t":1732270000543,"pm25":6.7,"temp":-3.5,"seq":42}"""));

        foreach (var r in readings)
        {
            var reading = new Reading(r.DeviceId, r.Metric, r.Value, r.Unit, r.EventTime, ReceivedAt, r.DeviceSequence ?? 0);
            Assert.Equal(r.Metric, reading.Metric);
        }
    }

    [Fact]
    public void The_device_id_can_come_from_the_topic_and_must_agree_with_the_payload_when_both_give_one()
    {
        var decoder = new JsonPayloadDecoder(new JsonDecoderOptions { Metrics = { new() { Field = "pm25" } } });
        Assert.Equal(Id("aq-7"), Success(decoder.Decode("""{"pm25":3}""", "aq-7"))[0].DeviceId);

        var both = AirQuality();
        Assert.Equal(Id("aq-7"), Success(both.Decode("""{"id":"aq-7","pm25":3}""", "aq-7"))[0].DeviceId);
        Assert.Equal(Id("aq-7"), Success(both.Decode("""{"pm25":3}""", "aq-7"))[0].DeviceId); // field missing: the topic's
        Failure(both.Decode("""{"id":"aq-8","pm25":3}""", "aq-7"), DecodeFailureReason.DeviceIdMismatch, "id", "aq-8");
    }

    [Fact]
    public void A_numeric_device_id_is_taken_as_written()
    {
        Assert.Equal(Id("1234"), Success(AirQuality().Decode("""{"id":1234,"pm25":3}"""))[0].DeviceId);
    }

    [Fact]
    public void Nested_fields_are_reached_by_dotted_paths_renamed_and_scaled()
    {
        var decoder = new JsonPayloadDecoder(new JsonDecoderOptions
        {
            DeviceIdField = "device.id",
            TimeField = "device.clock.ts",
            Metrics =
            {
                new() { Field = "pm.pm25", Metric = "pm2_5", Unit = "ug/m3" },
                new() { Field = "pm.pm10", Metric = "pm10", Unit = "ug/m3" },
                new() { Field = "env.temp", Metric = "temperature", Unit = "Cel", Scale = 0.1 },
            },
        });

        var readings = Success(decoder.Decode("""
            {
              "device": { "id": "aq-0042", "fw": "1.4.2", "clock": { "ts": 1732270000, "src": "ntp" } },
              "pm": { "pm1": 2.0, "pm25": 6.7, "pm10": 50.7 },
              "env": { "temp": 215, "extra": [1, 2, {"x": 3}] },
              "diag": { "pm": { "pm25": 99 } }
            }
            """));

        Assert.Equal(["pm2_5", "pm10", "temperature"], readings.Select(r => r.Metric));
        Assert.Equal(21.5, Single(readings, "temperature").Value, 10);
        Assert.All(readings, r => Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1732270000), r.EventTime));
        Assert.All(readings, r => Assert.Equal(Id("aq-0042"), r.DeviceId));
    }

    [Fact]
    public void A_batch_array_gives_the_readings_of_every_object_in_order_each_with_its_own_time_and_sequence()
    {
        var readings = Success(Mapped("pm25", "pm10").Decode("""
            [
              {"id":"aq-1","ts":1732270000000,"seq":7,"pm25":1.1,"pm10":10.1},
              {"id":"aq-1","ts":1732270060000,"seq":8,"pm25":1.2},
              {"id":"aq-1","ts":1732270120000,"seq":9,"status":"heartbeat"},
              {"id":"aq-2","ts":1732270120000,"seq":3,"pm25":2.5}
            ]
            """));

        Assert.Equal(
            [("aq-1", "pm25", 1.1, 7L), ("aq-1", "pm10", 10.1, 7L), ("aq-1", "pm25", 1.2, 8L), ("aq-2", "pm25", 2.5, 3L)],
            readings.Select(r => (r.DeviceId.Value, r.Metric, r.Value, r.DeviceSequence!.Value)));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1732270060000), readings[2].EventTime);
    }

    [Theory]
    [InlineData("1732270000", "2024-11-22T10:06:40.0000000+00:00")] // epoch seconds
    [InlineData("1732270000.25", "2024-11-22T10:06:40.2500000+00:00")] // fractional seconds
    [InlineData("1732270000543", "2024-11-22T10:06:40.5430000+00:00")] // epoch milliseconds
    [InlineData("99999999999", "5138-11-16T09:46:39.0000000+00:00")] // just below 10^11: still seconds
    [InlineData("100000000000", "1973-03-03T09:46:40.0000000+00:00")] // 10^11: milliseconds
    [InlineData("0", "1970-01-01T00:00:00.0000000+00:00")] // a device with an unset clock: kept as sent (flagged as skew later)
    [InlineData("\"2026-11-22T10:00:00Z\"", "2026-11-22T10:00:00.0000000+00:00")]
    [InlineData("\"2026-11-22T11:00:00.125+01:00\"", "2026-11-22T10:00:00.1250000+00:00")] // converted to UTC
    [InlineData("\"2026-11-22T05:00:00-05:00\"", "2026-11-22T10:00:00.0000000+00:00")]
    [InlineData("\"2026-11-22T10:00:00\\u002B00:00\"", "2026-11-22T10:00:00.0000000+00:00")] // '+' escaped, as System.Text.Json writes it
    [InlineData("null", null)]
    public void Times_are_epoch_seconds_or_milliseconds_by_magnitude_or_iso_8601_with_an_offset(string ts, string? expected)
    {
        var reading = Success(Mapped("pm25").Decode($$"""{"id":"aq-1","ts":{{ts}},"pm25":1}"""))[0];

        Assert.Equal(expected, reading.EventTime?.ToString("O"));
        Assert.Equal(TimeSpan.Zero, reading.EventTime?.Offset ?? TimeSpan.Zero);
    }

    [Theory]
    [InlineData("\"2026-11-22T10:00:00\"", "UTC offset")] // local time of an unknown zone
    [InlineData("\"2026-11-22\"", "UTC offset")]
    [InlineData("\"yesterday\"", "ISO 8601")]
    [InlineData("-1", "epoch")]
    [InlineData("100000000000000", "epoch")] // 10^14
    [InlineData("1e300", "epoch")]
    [InlineData("true", "not a time")]
    [InlineData("{\"s\":1}", "not a time")]
    public void Bad_times_fail_naming_the_field(string ts, string detail)
    {
        Failure(Mapped("pm25").Decode($$"""{"id":"aq-1","ts":{{ts}},"pm25":1}"""), DecodeFailureReason.InvalidTime, "ts", detail);
    }

    [Theory]
    [InlineData("true", 1)]
    [InlineData("false", 0)]
    [InlineData("\"21.5\"", 21.5)] // firmwares that quote numbers
    [InlineData("\" -4e1 \"", -40)]
    [InlineData("-0.0", 0)]
    [InlineData("1E+2", 100)]
    public void Booleans_and_numeric_strings_are_values_too(string json, double expected)
    {
        Assert.Equal(expected, Success(Mapped("door").Decode($$"""{"id":"cab-1","door":{{json}}}"""))[0].Value);
    }

    [Fact]
    public void Null_or_missing_mapped_fields_give_no_reading()
    {
        var readings = Success(Mapped("pm25", "pm10", "no2").Decode("""{"id":"aq-1","pm25":null,"pm10":4}"""));

        Assert.Equal("pm10", Assert.Single(readings).Metric);
    }

    [Fact]
    public void All_numeric_fields_takes_top_level_numbers_not_mapped_or_ignored()
    {
        var decoder = new JsonPayloadDecoder(new JsonDecoderOptions
        {
            DeviceIdField = "id",
            TimeField = "ts",
            AllNumericFields = true,
            IgnoreFields = { "rssi" },
            Metrics = { new() { Field = "pm25", Metric = "pm2_5", Unit = "ug/m3" } },
        });

        var readings = Success(decoder.Decode(
            """{"id":"aq-1","ts":1732270000,"pm25":6.7,"no2":47.7,"o3":20.6,"rssi":-71,"ok":true,"fw":"1.2","pos":{"lat":52.1},"list":[1]}"""));

        Assert.Equal(["pm2_5", "no2", "o3"], readings.Select(r => r.Metric));
        Assert.Equal("ug/m3", readings[0].Unit);
        Assert.Null(readings[1].Unit);
    }

    [Fact]
    public void Escaped_field_names_match_their_unescaped_mapping()
    {
        Assert.Equal(6.7, Success(AirQuality().Decode("""{"\u0069d":"aq-1","pm\u00325":6.7}"""))[0].Value);
    }

    [Fact]
    public void A_byte_order_mark_and_surrounding_whitespace_are_accepted()
    {
        var payload = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("\r\n  {\"id\":\"aq-1\",\"pm25\":1}\n")).ToArray();

        Assert.True(AirQuality().Decode(Message(payload), null).IsSuccess);
    }

    [Theory]
    [InlineData("", DecodeFailureReason.EmptyPayload)]
    [InlineData(" \r\n\t", DecodeFailureReason.EmptyPayload)]
    [InlineData("{\"id\":\"aq-1\",\"pm25\":", DecodeFailureReason.MalformedJson)] // truncated
    [InlineData("{\"id\":\"aq-1\",\"pm25\":1} x", DecodeFailureReason.MalformedJson)] // trailing content
    [InlineData("{\"id\":\"aq-1\",\"pm25\":1}{}", DecodeFailureReason.MalformedJson)]
    [InlineData("{\"id\":\"aq-1\",/* c */\"pm25\":1}", DecodeFailureReason.MalformedJson)]
    [InlineData("{'id':'aq-1'}", DecodeFailureReason.MalformedJson)]
    [InlineData("{\"id\":\"aq-1\",\"pm25\":\"n/a\",", DecodeFailureReason.MalformedJson)] // broken after a bad value: the root cause wins
    [InlineData("[{\"id\":\"aq-1\",\"pm25\":1},", DecodeFailureReason.MalformedJson)]
    [InlineData("21.5", DecodeFailureReason.NotAnObject)]
    [InlineData("\"hello\"", DecodeFailureReason.NotAnObject)]
    [InlineData("[]", DecodeFailureReason.NoMetrics)]
    [InlineData("{}", DecodeFailureReason.NoMetrics)]
    [InlineData("{\"id\":\"aq-1\",\"o3\":5}", DecodeFailureReason.NoMetrics)]
    public void Whole_payload_failures(string payload, DecodeFailureReason reason)
    {
        var failure = Failure(AirQuality().Decode(payload), reason);

        if (reason == DecodeFailureReason.NoMetrics && payload.Length > 2)
        {
            Assert.Contains("pm25", failure.Detail, StringComparison.Ordinal); // says what it looked for
        }
    }

    [Theory]
    [InlineData("""{"id":"\ud800","pm25":1}""")]
    [InlineData("""{"id":"aq-1","\udc00x":1,"pm25":1}""")]
    [InlineData("""{"id":"aq-1","ts":"2026-11-22T10:00:00\ud800Z","pm25":1}""")]
    public void Escapes_that_are_not_text_are_malformed_json(string payload)
    {
        Failure(AirQuality().Decode(payload), DecodeFailureReason.MalformedJson, detailContains: "escape");
        Assert.True(AirQuality().Decode("""{"id":"aq-\u0031","pm25":1,"note":"\ud83d\ude00"}""").IsSuccess); // a valid pair is fine
    }

    [Fact]
    public void Invalid_utf8_is_refused_before_parsing_with_the_offset()
    {
        var payload = "{\"id\":\"aq-\u00e9"u8.ToArray().Concat(new byte[] { 0xFF, (byte)'"', (byte)'}' }).ToArray();

        Failure(AirQuality().Decode(Message(payload), null), DecodeFailureReason.InvalidUtf8, detailContains: "offset 12");
    }

    [Theory]
    [InlineData("[{\"id\":\"aq-1\",\"pm25\":1}, 5]", "[1]")]
    [InlineData("[[{\"id\":\"aq-1\",\"pm25\":1}]]", "[0]")]
    public void Batch_elements_must_be_objects(string payload, string field)
    {
        Failure(AirQuality().Decode(payload), DecodeFailureReason.NotAnObject, field, "element");
    }

    [Theory]
    [InlineData("""{"pm25":1}""", "id", "missing")]
    [InlineData("""{"id":null,"pm25":1}""", "id", "missing")]
    [InlineData("""[{"id":"aq-1","pm25":1},{"pm25":2}]""", "[1].id", "batch element 1")]
    public void Readings_without_a_device_id_fail_naming_the_field(string payload, string field, string detail)
    {
        Failure(AirQuality().Decode(payload), DecodeFailureReason.MissingDeviceId, field, detail);
    }

    [Fact]
    public void Without_a_device_id_field_or_topic_id_the_detail_says_so()
    {
        var decoder = new JsonPayloadDecoder(new JsonDecoderOptions { Metrics = { new() { Field = "pm25" } } });

        Failure(decoder.Decode("""{"pm25":1}"""), DecodeFailureReason.MissingDeviceId, detailContains: "DeviceIdField");
    }

    [Theory]
    [InlineData("\"aq 42\"", "not allowed")]
    [InlineData("\"\"", "empty")]
    [InlineData("{\"x\":1}", "an object")]
    [InlineData("true", "not a device id")]
    [InlineData("1.5e+3", "'+'")]
    public void Invalid_device_ids_fail_naming_the_field(string id, string detail)
    {
        Failure(AirQuality().Decode($$"""{"id":{{id}},"pm25":1}"""), DecodeFailureReason.InvalidDeviceId, "id", detail);
    }

    [Fact]
    public void An_overlong_device_id_fails_without_quoting_it_whole()
    {
        var failure = Failure(AirQuality().Decode($$"""{"id":"{{new string('a', 5000)}}","pm25":1}"""), DecodeFailureReason.InvalidDeviceId, "id");

        Assert.True(failure.Detail.Length < 300, failure.Detail);
    }

    [Theory]
    [InlineData("\"n/a\"", "the string \"n/a\"")]
    [InlineData("{\"v\":1}", "an object")]
    [InlineData("[1,2]", "an array")]
    [InlineData("\"\"", "the string")]
    public void Non_numeric_metric_values_fail_naming_the_field(string value, string detail)
    {
        Failure(AirQuality().Decode($$"""{"id":"aq-1","pm10":2,"pm25":{{value}}}"""), DecodeFailureReason.NonNumericValue, "pm25", detail);
    }

    [Fact]
    public void A_value_where_a_mapped_path_needs_an_object_fails_naming_the_path()
    {
        var decoder = Mapped("pm.pm25");

        Failure(decoder.Decode("""{"id":"aq-1","pm":7}"""), DecodeFailureReason.NonNumericValue, "pm", "pm.pm25");
        Failure(decoder.Decode("""[{"id":"aq-1","pm":{"pm25":1}},{"id":"aq-1","pm":[1]}]"""), DecodeFailureReason.NonNumericValue, "[1].pm");
    }

    [Theory]
    [InlineData("1e400", null)]
    [InlineData("-1e400", null)]
    [InlineData("\"NaN\"", null)]
    [InlineData("\"Infinity\"", null)]
    [InlineData("1e300", 1e10)] // finite as written, not after scaling
    public void Non_finite_values_fail_naming_the_field(string value, double? scale)
    {
        var decoder = new JsonPayloadDecoder(new JsonDecoderOptions { DeviceIdField = "id", Metrics = { new() { Field = "pm25", Scale = scale } } });

        Failure(decoder.Decode($$"""{"id":"aq-1","pm25":{{value}}}"""), DecodeFailureReason.NonFiniteValue, "pm25", "finite");
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("\"42\"")]
    [InlineData("1e30")]
    public void Bad_sequence_numbers_fail_naming_the_field(string seq)
    {
        Failure(Mapped("pm25").Decode($$"""{"id":"aq-1","seq":{{seq}},"pm25":1}"""), DecodeFailureReason.InvalidSequence, "seq", "sequence");
    }

    [Theory]
    [InlineData("""{"id":"aq-1","pm25":1,"pm25":2}""", "pm25")]
    [InlineData("""{"id":"aq-1","id":"aq-2","pm25":1}""", "id")]
    [InlineData("""{"id":"aq-1","ts":1,"pm25":1,"ts":2}""", "ts")]
    [InlineData("""{"id":"aq-1","pm\u00325":1,"pm25":2}""", "pm25")] // the same name, escaped once
    public void Fields_read_twice_in_one_object_are_refused(string payload, string field)
    {
        Failure(Mapped("pm25").Decode(payload), DecodeFailureReason.DuplicateField, field, "more than once");
    }

    [Fact]
    public void With_all_numeric_fields_a_repeated_or_clashing_name_is_refused()
    {
        var decoder = new JsonPayloadDecoder(new JsonDecoderOptions
        {
            DeviceIdField = "id",
            AllNumericFields = true,
            Metrics = { new() { Field = "pm.pm25", Metric = "pm25" } },
        });

        Failure(decoder.Decode("""{"id":"aq-1","no2":1,"no2":2}"""), DecodeFailureReason.DuplicateField, "no2");
        Failure(decoder.Decode("""{"id":"aq-1","pm25":1,"pm":{"pm25":2}}"""), DecodeFailureReason.DuplicateField, "pm.pm25");

        // Past the linear scan's limit the check goes on with a set.
        var many = string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"m{i}\":{i}"));
        Assert.Equal(40, Success(decoder.Decode($$"""{"id":"aq-1",{{many}}}""")).Count);
        Failure(decoder.Decode($$"""{"id":"aq-1",{{many}},"m3":1}"""), DecodeFailureReason.DuplicateField, "m3");
    }

    [Theory]
    [InlineData("pm 2.5", "whitespace")]
    [InlineData("a\u0001", "control")]
    [InlineData("", "empty")]
    public void With_all_numeric_fields_names_that_cannot_be_metrics_are_refused(string name, string detail)
    {
        var decoder = new JsonPayloadDecoder(new JsonDecoderOptions { DeviceIdField = "id", AllNumericFields = true });
        var escaped = System.Text.Json.JsonSerializer.Serialize(name);

        Failure(decoder.Decode($$"""{"id":"aq-1",{{escaped}}:1}"""), DecodeFailureReason.InvalidMetric, detailContains: detail);
    }

    [Fact]
    public void With_all_numeric_fields_an_overlong_name_is_refused()
    {
        var decoder = new JsonPayloadDecoder(new JsonDecoderOptions { DeviceIdField = "id", AllNumericFields = true });

        Failure(decoder.Decode($$"""{"id":"aq-1","{{new string('m', 65)}}":1}"""), DecodeFailureReason.InvalidMetric, detailContains: "64");
        Failure(decoder.Decode($$"""{"id":"aq-1","{{new string('m', 2000)}}":1}"""), DecodeFailureReason.InvalidMetric, detailContains: "64");
        Assert.True(decoder.Decode($$"""{"id":"aq-1","{{new string('m', 64)}}":1}""").IsSuccess);
    }

    [Fact]
    public void A_message_may_give_at_most_the_limit_of_readings()
    {
        var decoder = Mapped("a", "b");
        string Batch(int objects) => "[" + string.Join(",", Enumerable.Repeat("""{"id":"d-1","a":1,"b":2}""", objects)) + "]";

        Assert.Equal(PayloadDecoders.MaxReadingsPerMessage, Success(decoder.Decode(Batch(PayloadDecoders.MaxReadingsPerMessage / 2))).Count);
        Failure(decoder.Decode(Batch((PayloadDecoders.MaxReadingsPerMessage / 2) + 1)), DecodeFailureReason.TooManyReadings);
    }

    [Fact]
    public async Task One_decoder_serves_many_threads_at_once()
    {
        var decoder = AirQuality();

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(thread => Task.Run(() =>
            Enumerable.Range(0, 2_000).All(i =>
            {
                var readings = decoder.Decode($$"""{"id":"dev-{{thread}}-{{i % 50}}","seq":{{i}},"pm25":{{i}},"pm10":1}""").Readings;
                return readings.Length == 2 && readings[0].DeviceId.Value == $"dev-{thread}-{i % 50}" && readings[0].Value == i && readings[1].DeviceSequence == i;
            }), TestContext.Current.CancellationToken)));

        Assert.All(results, Assert.True);
    }

    [Fact]
    public void Deeply_nested_input_is_malformed_not_a_crash()
    {
        var payload = new string('[', 10_000) + new string(']', 10_000);

        Failure(AirQuality().Decode(payload), DecodeFailureReason.MalformedJson);
    }

    [Fact]
    public void Decoding_a_known_device_allocates_only_the_result()
    {
        var decoder = AirQuality();
        var message = Message("""{"id":"aq-0042","t":1732270000543,"pm25":6.7,"pm10":50.7,"no2":47.7,"o3":20.6,"temp":1.0,"rh":22.6,"bat":3.77,"seq":42}""");
        decoder.Decode(message, null); // warm up: JIT, caches

        var least = long.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++)
            {
                decoder.Decode(message, null);
            }

            least = Math.Min(least, (GC.GetAllocatedBytesForCurrentThread() - before) / 100);
        }

        // The result array: 6 readings of about 72 bytes plus the array header. No strings, no parser objects.
        Assert.InRange(least, 300, 600);
    }
}
