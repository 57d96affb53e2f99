using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using Xunit;
using static EdgeGateway.Tests.Decoding.DecodingTestSupport;

namespace EdgeGateway.Tests.Decoding;

/// <summary>SenML (RFC 8428, JSON form), with the examples of its section 5.</summary>
public sealed class SenMlDecoderTests
{
    private static readonly SenMlDecoder Decoder = new();

    /// <summary>1.320067464e+09, the base time of the RFC's examples.</summary>
    private static readonly DateTimeOffset RfcBaseTime = DateTimeOffset.FromUnixTimeSeconds(1320067464);

    [Fact]
    public void Rfc_5_1_2_multiple_datapoints_take_the_device_from_the_base_name_and_metrics_from_the_names()
    {
        var result = Decoder.Decode("""
            [
              {"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},
              {"n":"current","u":"A","v":1.2}
            ]
            """);

        Assert.Equal(
            [
                new DecodedReading(Id("10e2073a01080063"), "voltage", 120.1, "V", null, null),
                new DecodedReading(Id("10e2073a01080063"), "current", 1.2, "A", null, null),
            ],
            Success(result));
    }

    [Fact]
    public void Rfc_5_1_3_multiple_measurements_resolve_base_time_base_unit_and_relative_offsets()
    {
        var readings = Success(Decoder.Decode("""
            [
              {"bn":"urn:dev:ow:10e2073a01080063:","bt":1.320067464e+09,"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1},
              {"n":"current","t":-5,"v":1.2},
              {"n":"current","t":-4,"v":1.3},
              {"n":"current","t":-3,"v":1.4},
              {"n":"current","t":-2,"v":1.5},
              {"n":"current","t":-1,"v":1.6},
              {"n":"current","v":1.7}
            ]
            """));

        Assert.Equal(7, readings.Count);
        Assert.Equal(new DecodedReading(Id("10e2073a01080063"), "voltage", 120.1, "V", RfcBaseTime, null), readings[0]);
        Assert.Equal(
            [(-5, 1.2), (-4, 1.3), (-3, 1.4), (-2, 1.5), (-1, 1.6), (0, 1.7)],
            readings.Skip(1).Select(r => ((int)(r.EventTime!.Value - RfcBaseTime).TotalSeconds, r.Value)));
        Assert.All(readings.Skip(1), r => Assert.Equal(("current", "A"), (r.Metric, r.Unit)));
    }

    [Fact]
    public void Rfc_5_1_4_resolved_records_need_the_device_from_the_topic_and_keep_full_names_as_metrics()
    {
        const string Resolved = """
            [
              {"n":"urn:dev:ow:10e2073a01080063:voltage","t":1.320067464e+09,"u":"V","v":120.1},
              {"n":"urn:dev:ow:10e2073a01080063:current","t":1.320067464e+09,"u":"A","v":1.2}
            ]
            """;

        var readings = Success(Decoder.Decode(Resolved, "ow-10e2073a"));
        Assert.Equal(["urn:dev:ow:10e2073a01080063:voltage", "urn:dev:ow:10e2073a01080063:current"], readings.Select(r => r.Metric));
        Assert.All(readings, r => Assert.Equal((Id("ow-10e2073a"), RfcBaseTime), (r.DeviceId, r.EventTime!.Value)));

        Failure(Decoder.Decode(Resolved), DecodeFailureReason.MissingDeviceId, "[0].bn", "base name");
    }

    [Fact]
    public void Rfc_5_1_5_records_without_names_are_named_after_their_units()
    {
        var readings = Success(Decoder.Decode("""
            [
              {"bn":"urn:dev:ow:10e2073a01080063","bt":1.320067464e+09,"bu":"%RH","v":20},
              {"u":"lon","v":24.30621},
              {"u":"lat","v":60.07965},
              {"t":60,"v":20.3},
              {"u":"lon","t":60,"v":24.30622},
              {"u":"lat","t":60,"v":60.07965}
            ]
            """));

        Assert.Equal(["%RH", "lon", "lat", "%RH", "lon", "lat"], readings.Select(r => r.Metric));
        Assert.Equal(RfcBaseTime.AddSeconds(60), readings[4].EventTime);
        Assert.All(readings, r => Assert.Equal(Id("10e2073a01080063"), r.DeviceId));
    }

    [Fact]
    public void Default_metric_names_unnamed_records_of_single_value_devices()
    {
        var decoder = new SenMlDecoder(new SenMlDecoderOptions { DefaultMetric = "temperature" });

        var reading = Assert.Single(Success(decoder.Decode("""[{"bn":"urn:dev:mac:0024befffe804ff1","u":"Cel","v":23.1}]""")));

        Assert.Equal(new DecodedReading(Id("0024befffe804ff1"), "temperature", 23.1, "Cel", null, null), reading);
    }

    [Fact]
    public void Boolean_values_are_1_or_0_and_string_and_data_values_are_skipped_and_counted()
    {
        var result = Decoder.Decode("""
            [
              {"bn":"urn:dev:ow:10e2073a01080063:","n":"temp","u":"Cel","v":23.1},
              {"n":"label","vs":"Machine Room"},
              {"n":"open","vb":false},
              {"n":"closed","vb":true},
              {"n":"nfc-reader","vd":"aGkgCg"}
            ]
            """);

        Assert.Equal([("temp", 23.1), ("open", 0), ("closed", 1)], Success(result).Select(r => (r.Metric, r.Value)));
        Assert.Equal(2, result.SkippedValues);
    }

    [Fact]
    public void Times_below_2_pow_28_are_relative_to_the_receive_time_and_records_without_time_have_none()
    {
        var readings = Success(Decoder.Decode("""
            [
              {"bn":"cab-7/","n":"temp","v":20,"t":-10},
              {"n":"temp","v":21},
              {"bt":-60,"n":"rh","v":40},
              {"n":"rh","v":41,"t":30},
              {"bt":268435456,"n":"old","v":1}
            ]
            """));

        Assert.Equal(
            [
                ReceivedAt.AddSeconds(-10),
                null,
                ReceivedAt.AddSeconds(-60),
                ReceivedAt.AddSeconds(-30),
                DateTimeOffset.FromUnixTimeSeconds(268435456), // 2^28 itself is absolute
            ],
            readings.Select(r => r.EventTime));
    }

    [Fact]
    public void Base_values_are_added_to_values_and_sums_are_readings_of_their_own()
    {
        var readings = Success(Decoder.Decode("""
            [
              {"bn":"meter-12:","bv":1000,"bs":50000,"n":"flow","u":"l/min","v":1.5},
              {"n":"flow","v":-2},
              {"n":"water","u":"m3","s":12.5},
              {"n":"energy","u":"kWh","v":3,"s":4}
            ]
            """));

        Assert.Equal(
            [("flow", 1001.5), ("flow", 998), ("water_sum", 50012.5), ("energy", 1003), ("energy_sum", 50004)],
            readings.Select(r => (r.Metric, r.Value)));
    }

    [Theory]
    [InlineData(BaseNameDeviceIdRule.LastSegment, "urn:dev:ow:10e2073a01080063:", "10e2073a01080063")]
    [InlineData(BaseNameDeviceIdRule.LastSegment, "city/aq/aq-0042/", "aq-0042")]
    [InlineData(BaseNameDeviceIdRule.LastSegment, "aq-0042-", "aq-0042")]
    [InlineData(BaseNameDeviceIdRule.LastSegment, "aq-0042", "aq-0042")]
    [InlineData(BaseNameDeviceIdRule.Whole, "urn:dev:ow:10e2073a01080063:", "urn:dev:ow:10e2073a01080063")]
    [InlineData(BaseNameDeviceIdRule.Whole, "aq.0042._", "aq.0042")]
    public void The_device_id_comes_from_the_base_name_by_the_configured_rule(BaseNameDeviceIdRule rule, string baseName, string deviceId)
    {
        var decoder = new SenMlDecoder(new SenMlDecoderOptions { DeviceIdFromBaseName = rule });

        Assert.Equal(Id(deviceId), Success(decoder.Decode($$"""[{"bn":"{{baseName}}","n":"t","v":1}]"""))[0].DeviceId);
    }

    [Fact]
    public void A_new_base_name_switches_device_and_the_topic_id_wins_over_base_names()
    {
        const string Pack = """[{"bn":"gw:dev-1:","n":"t","v":1},{"n":"t","v":2},{"bn":"gw:dev-2:","n":"t","v":3}]""";

        Assert.Equal(["dev-1", "dev-1", "dev-2"], Success(Decoder.Decode(Pack)).Select(r => r.DeviceId.Value));
        Assert.All(Success(Decoder.Decode(Pack, "cab-9")), r => Assert.Equal(Id("cab-9"), r.DeviceId));
    }

    [Fact]
    public void Unknown_labels_are_ignored_but_must_understand_labels_are_refused()
    {
        Assert.Single(Success(Decoder.Decode("""[{"bn":"d-1:","n":"t","v":1,"foo":{"bar":[1,2]},"ut":30}]""")));

        Failure(Decoder.Decode("""[{"bn":"d-1:","n":"t","v":1,"rt_":"x"}]"""), DecodeFailureReason.InvalidSenml, "[0].rt_", "must be understood");
    }

    [Fact]
    public void Records_of_base_fields_only_set_up_later_records()
    {
        var readings = Success(Decoder.Decode("""[{"bn":"d-1:","bt":1.320067464e+09,"bu":"Cel"},{"n":"t","v":1}]"""));

        Assert.Equal(new DecodedReading(Id("d-1"), "t", 1, "Cel", RfcBaseTime, null), Assert.Single(readings));
    }

    [Theory]
    [InlineData("""{"bn":"d-1:","n":"t","v":1}""", DecodeFailureReason.InvalidSenml, null, "JSON array")] // not a pack
    [InlineData("""[{"bn":"d-1:","n":"t","v":1}, 7]""", DecodeFailureReason.InvalidSenml, "[1]", "not an object")]
    [InlineData("""[]""", DecodeFailureReason.NoMetrics, null, "empty")]
    [InlineData("""[{"bn":"d-1:","n":"label","vs":"x"}]""", DecodeFailureReason.NoMetrics, null, "vs, vd")]
    [InlineData("""[{"bn":"d-1:","n":"t","v":"21.5"}]""", DecodeFailureReason.NonNumericValue, "[0].v", "the string")]
    [InlineData("""[{"bn":"d-1:","bv":"1","n":"t","v":1}]""", DecodeFailureReason.NonNumericValue, "[0].bv", "a number")]
    [InlineData("""[{"bn":"d-1:","n":"t","s":true}]""", DecodeFailureReason.NonNumericValue, "[0].s", "a number")]
    [InlineData("""[{"bn":"d-1:","n":"t","vb":1}]""", DecodeFailureReason.InvalidSenml, "[0].vb", "true or false")]
    [InlineData("""[{"bn":"d-1:","n":"t","vs":5}]""", DecodeFailureReason.InvalidSenml, "[0].vs", "a string")]
    [InlineData("""[{"bn":"d-1:","n":5,"v":1}]""", DecodeFailureReason.InvalidSenml, "[0].n", "a string")]
    [InlineData("""[{"bn":7,"n":"t","v":1}]""", DecodeFailureReason.InvalidSenml, "[0].bn", "a string")]
    [InlineData("""[{"bn":"d-1:","n":"t","v":1,"vb":true}]""", DecodeFailureReason.InvalidSenml, "[0]", "more than one value")]
    [InlineData("""[{"bn":"d-1:","n":"t","v":1,"v":2}]""", DecodeFailureReason.InvalidSenml, "[0].v", "more than once")]
    [InlineData("""[{"bn":"d-1:","n":"t"}]""", DecodeFailureReason.InvalidSenml, "[0]", "no value")]
    [InlineData("""[{"bn":"d-1:","n":"room temp","v":1}]""", DecodeFailureReason.InvalidSenml, "[0].n", "SenML names")]
    [InlineData("""[{"bn":"d 1:","n":"t","v":1}]""", DecodeFailureReason.InvalidSenml, "[0].bn", "SenML names")]
    [InlineData("""[{"bn":"-d1:","n":"t","v":1}]""", DecodeFailureReason.InvalidSenml, "[0].bn", "letter or a digit")]
    [InlineData("""[{"n":"_t","v":1}]""", DecodeFailureReason.InvalidSenml, "[0].n", "letter or a digit")]
    [InlineData("""[{"bn":"d-1:","bver":11,"n":"t","v":1}]""", DecodeFailureReason.InvalidSenml, "[0].bver", "versions 1 to 10")]
    [InlineData("""[{"bn":"d-1:","bver":1.5,"n":"t","v":1}]""", DecodeFailureReason.InvalidSenml, "[0].bver", "versions")]
    [InlineData("""[{"bn":"d-1:","n":"t","v":1,"t":"now"}]""", DecodeFailureReason.InvalidTime, "[0].t", "seconds")]
    [InlineData("""[{"bn":"d-1:","bt":null,"n":"t","v":1}]""", DecodeFailureReason.InvalidTime, "[0].bt", "seconds")]
    [InlineData("""[{"bn":"d-1:","bt":1e300,"n":"t","v":1}]""", DecodeFailureReason.InvalidTime, "[0].bt", "range")]
    [InlineData("""[{"bn":"d-1:","bt":1e14,"n":"t","v":1}]""", DecodeFailureReason.InvalidTime, "[0].bt", "range")]
    [InlineData("""[{"bn":"d-1:","n":"t","v":1,"t":-1e11}]""", DecodeFailureReason.InvalidTime, "[0].t", "range")]
    [InlineData("""[{"bn":"d-1:","n":"t","v":1e400}]""", DecodeFailureReason.NonFiniteValue, "[0].v", "finite")]
    [InlineData("""[{"bn":"d-1:","bv":1e308,"n":"t","v":1e308}]""", DecodeFailureReason.NonFiniteValue, "[0].v", "bv + v")]
    [InlineData("""[{"bn":"d-1:","n":"t","u":"","v":1}]""", DecodeFailureReason.InvalidUnit, "[0].u", "blank")]
    [InlineData("""[{"bn":"d-1:","n":"t","u":"micrograms per cubic metre of air","v":1}]""", DecodeFailureReason.InvalidUnit, "[0].u", "32")]
    [InlineData("""[{"bn":"d-1:","v":1}]""", DecodeFailureReason.InvalidSenml, "[0].n", "DefaultMetric")]
    [InlineData("""[{"bn":"d-1:","u":"deg C","v":1}]""", DecodeFailureReason.InvalidMetric, "[0].u", "whitespace")]
    [InlineData("""[{"n":"t","v":1}]""", DecodeFailureReason.MissingDeviceId, "[0].bn", "base name")]
    [InlineData("""[{"bn":":::","n":"t","v":1}]""", DecodeFailureReason.InvalidSenml, "[0].bn", "letter or a digit")]
    [InlineData("""[{"bn":"d-1:","n":"t","v":1}] []""", DecodeFailureReason.MalformedJson, null, "not valid JSON")]
    [InlineData("""[{"bn":"d-1:","n":"\ud800","v":1}]""", DecodeFailureReason.MalformedJson, null, "escape")]
    [InlineData("""[{"bn":"d-1:","n":"t","v":"x"},""", DecodeFailureReason.MalformedJson, null, "not valid JSON")] // the root cause wins
    public void Invalid_packs_fail_with_the_reason_and_the_record_and_label_at_fault(
        string payload, DecodeFailureReason reason, string? field, string detail)
    {
        Failure(Decoder.Decode(payload), reason, field, detail);
    }

    [Fact]
    public void Metric_names_longer_than_64_characters_are_refused_also_for_sums()
    {
        Failure(Decoder.Decode($$"""[{"bn":"d-1:","n":"{{new string('m', 65)}}","v":1}]"""), DecodeFailureReason.InvalidMetric, "[0].n", "64");
        Failure(Decoder.Decode($$"""[{"bn":"d-1:","n":"{{new string('m', 4000)}}","v":1}]"""), DecodeFailureReason.InvalidMetric, "[0].n", "64");
        Failure(Decoder.Decode($$"""[{"bn":"d-1:","n":"{{new string('m', 62)}}","s":1}]"""), DecodeFailureReason.InvalidMetric, "[0].n", "sum");
    }

    [Fact]
    public void An_overlong_base_name_or_device_id_is_refused()
    {
        Failure(Decoder.Decode($$"""[{"bn":"{{new string('b', 257)}}","n":"t","v":1}]"""), DecodeFailureReason.InvalidSenml, "[0].bn", "256");
        Failure(Decoder.Decode($$"""[{"bn":"{{new string('b', 200)}}:","n":"t","v":1}]"""), DecodeFailureReason.InvalidDeviceId, "[0].bn", "128");
    }

    [Fact]
    public void Whole_base_names_with_slashes_give_no_valid_device_id()
    {
        var decoder = new SenMlDecoder(new SenMlDecoderOptions { DeviceIdFromBaseName = BaseNameDeviceIdRule.Whole });

        Failure(decoder.Decode("""[{"bn":"city/aq/aq-0042/","n":"t","v":1}]"""), DecodeFailureReason.InvalidDeviceId, "[0].bn", "'/'");
    }

    [Fact]
    public void A_pack_may_give_at_most_the_limit_of_readings()
    {
        string Pack(int records) => "[{\"bn\":\"d-1:\",\"n\":\"t\",\"v\":0}" + string.Concat(Enumerable.Repeat(",{\"n\":\"t\",\"v\":1}", records - 1)) + "]";

        Assert.Equal(PayloadDecoders.MaxReadingsPerMessage, Success(Decoder.Decode(Pack(PayloadDecoders.MaxReadingsPerMessage))).Count);
        Failure(Decoder.Decode(Pack(PayloadDecoders.MaxReadingsPerMessage + 1)), DecodeFailureReason.TooManyReadings);
    }

    [Fact]
    public void Every_decoded_reading_is_accepted_by_the_domain()
    {
        var readings = Success(Decoder.Decode("""
            [{"bn":"urn:dev:ow:10e2073a01080063:","bt":1.320067464e+09,"bu":"A","n":"voltage","u":"V","v":120.1},{"n":"current","t":-5,"v":1.2},{"n":"count","s":5}]
            """));

        Assert.All(readings, r => _ = new Reading(r.DeviceId, r.Metric, r.Value, r.Unit, r.EventTime, ReceivedAt, 0));
    }
}
