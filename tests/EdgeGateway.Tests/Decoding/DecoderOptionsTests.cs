using System.Text;
using EdgeGateway.Configuration;
using EdgeGateway.Decoding;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace EdgeGateway.Tests.Decoding;

/// <summary>Decoder settings as they will be bound from <c>Sources:Mqtt:Subscriptions:N:Decoder</c>.</summary>
public sealed class DecoderOptionsTests
{
    /// <summary>Checks, binds and validates a <c>Decoder</c> section the way the gateway's configuration does.</summary>
    private static (DecoderOptions? Options, IReadOnlyList<(string Key, string Problem)> Problems) Load(string json)
    {
        GatewayConfiguration.EnsureConvertersRegistered();
        var root = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var section = root.GetSection("Decoder");
        var problems = new List<(string Key, string Problem)>();
        ConfigurationChecker.Check(section, typeof(DecoderOptions), "Decoder", problems);
        if (problems.Count > 0)
        {
            return (null, problems);
        }

        var options = new DecoderOptions();
        section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        return (options, OptionsValidator.Validate(options, "Decoder"));
    }

    private static DecoderOptions Valid(string json)
    {
        var (options, problems) = Load(json);
        Assert.Empty(problems);
        return options!;
    }

    private static (string Key, string Problem) Invalid(string json)
    {
        var (_, problems) = Load(json);
        return Assert.Single(problems);
    }

    [Fact]
    public void A_json_decoder_binds_with_its_mappings_and_decodes()
    {
        var options = Valid("""
            { "Decoder": { "Kind": "json", "Json": {
                "DeviceIdField": "id", "TimeField": "ts", "SequenceField": "seq",
                "Metrics": [ { "Field": "pm.pm25", "Metric": "pm2_5", "Unit": "ug/m3" }, { "Field": "temp", "Unit": "Cel", "Scale": 0.1 } ] } } }
            """);

        Assert.Equal(DecoderKind.Json, options.Kind);
        Assert.Equal(2, options.Json!.Metrics.Count);
        Assert.Equal(0.1, options.Json.Metrics[1].Scale);
        Assert.True(options.ReadsDeviceIdFromPayload);

        var decoder = Assert.IsType<JsonPayloadDecoder>(PayloadDecoders.Create(options));
        var readings = DecodingTestSupport.Success(decoder.Decode("""{"id":"aq-1","ts":1732270000,"seq":1,"pm":{"pm25":4},"temp":215}"""));
        Assert.Equal(["pm2_5", "temp"], readings.Select(r => r.Metric));
    }

    [Fact]
    public void All_numeric_fields_and_ignore_fields_bind()
    {
        var options = Valid("""{ "Decoder": { "Json": { "AllNumericFields": true, "IgnoreFields": ["rssi", "uptime"] } } }""");

        Assert.Equal(["rssi", "uptime"], options.Json!.IgnoreFields);
        Assert.False(options.ReadsDeviceIdFromPayload);
        Assert.IsType<JsonPayloadDecoder>(PayloadDecoders.Create(options));
    }

    [Fact]
    public void Senml_needs_no_settings_and_takes_its_rule_in_kebab_case()
    {
        Assert.IsType<SenMlDecoder>(PayloadDecoders.Create(Valid("""{ "Decoder": { "Kind": "senml" } }""")));

        var options = Valid("""{ "Decoder": { "Kind": "senml", "SenMl": { "DeviceIdFromBaseName": "whole", "DefaultMetric": "level" } } }""");
        Assert.Equal(BaseNameDeviceIdRule.Whole, options.SenMl!.DeviceIdFromBaseName);
        Assert.True(options.ReadsDeviceIdFromPayload);
    }

    [Fact]
    public void A_number_decoder_binds_its_metric()
    {
        var options = Valid("""{ "Decoder": { "Kind": "number", "Number": { "Metric": "temperature", "Unit": "Cel" } } }""");

        Assert.IsType<PlainNumberDecoder>(PayloadDecoders.Create(options));
        Assert.False(options.ReadsDeviceIdFromPayload);
    }

    [Theory]
    [InlineData("""{ "Decoder": { "Kind": "protobuf" } }""", "Decoder:Kind", "not one of: json, senml, number")]
    [InlineData("""{ "Decoder": { "Kind": "json", "Json": { "Metrics": [ { "Feild": "pm25" } ] } } }""", "Decoder:Json:Metrics:0:Feild", "did you mean 'Field'")]
    [InlineData("""{ "Decoder": { "Kind": "senml", "SenMl": { "DeviceIdFromBaseName": "first-segment" } } }""", "Decoder:SenMl:DeviceIdFromBaseName", "last-segment, whole")]
    [InlineData("""{ "Decoder": { "Kind": "number", "Number": { "Metric": "t", "Scale": "ten" } } }""", "Decoder:Number:Scale", "a number")]
    public void Configuration_typos_are_reported_against_their_key(string json, string key, string problem)
    {
        var (k, p) = Invalid(json);

        Assert.Equal(key, k);
        Assert.Contains(problem, p, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Decoder": { "Kind": "json" } }""", "Decoder:Json", "is required with Kind: json")]
    [InlineData("""{ "Decoder": { "Kind": "number" } }""", "Decoder:Number", "is required with Kind: number")]
    [InlineData("""{ "Decoder": { "Kind": "number", "Number": { "Unit": "Cel" } } }""", "Decoder:Number:Metric", "is required")]
    [InlineData("""{ "Decoder": { "Kind": "number", "Number": { "Metric": "air temp" } } }""", "Decoder:Number:Metric", "whitespace")]
    [InlineData("""{ "Decoder": { "Kind": "senml", "Json": { "AllNumericFields": true } } }""", "Decoder:Json", "only applies with Kind: json (Kind is senml)")]
    [InlineData("""{ "Decoder": { "Kind": "json", "Json": { "AllNumericFields": true }, "SenMl": { "DefaultMetric": "x" } } }""", "Decoder:SenMl", "only applies with Kind: senml")]
    [InlineData("""{ "Decoder": { "Kind": "json", "Json": { "DeviceIdField": "id" } } }""", "Decoder:Json:Metrics", "at least one metric mapping")]
    [InlineData("""{ "Decoder": { "Json": { "Metrics": [ { "Unit": "V" } ] } } }""", "Decoder:Json:Metrics:0:Field", "is required")]
    [InlineData("""{ "Decoder": { "Json": { "Metrics": [ { "Field": "a..b" } ] } } }""", "Decoder:Json:Metrics:0:Field", "empty segment")]
    [InlineData("""{ "Decoder": { "Json": { "Metrics": [ { "Field": "a.b.c.d.e.f.g.h.i" } ] } } }""", "Decoder:Json:Metrics:0:Field", "deeper than 8")]
    [InlineData("""{ "Decoder": { "Json": { "Metrics": [ { "Field": "pm25", "Metric": "pm 2.5" } ] } } }""", "Decoder:Json:Metrics:0:Metric", "whitespace")]
    [InlineData("""{ "Decoder": { "Json": { "Metrics": [ { "Field": "pm 2.5" } ] } } }""", "Decoder:Json:Metrics:0:Field", "set Metric")]
    [InlineData("""{ "Decoder": { "Json": { "Metrics": [ { "Field": "pm25", "Scale": 0 } ] } } }""", "Decoder:Json:Metrics:0:Scale", "other than 0")]
    [InlineData("""{ "Decoder": { "Json": { "Metrics": [ { "Field": "pm25", "Unit": "   " } ] } } }""", "Decoder:Json:Metrics:0:Unit", "blank")]
    [InlineData("""{ "Decoder": { "Json": { "Metrics": [ { "Field": "pm25" }, { "Field": "pm25" } ] } } }""", "Decoder:Json:Metrics:1:Field", "already used by Metrics:0:Field")]
    [InlineData("""{ "Decoder": { "Json": { "Metrics": [ { "Field": "a", "Metric": "x" }, { "Field": "b", "Metric": "x" } ] } } }""", "Decoder:Json:Metrics:1", "already produced by Metrics:0")]
    [InlineData("""{ "Decoder": { "Json": { "DeviceIdField": "pm", "Metrics": [ { "Field": "pm.pm25" } ] } } }""", "Decoder:Json:Metrics:0:Field", "overlap")]
    [InlineData("""{ "Decoder": { "Json": { "TimeField": "ts", "SequenceField": "ts", "Metrics": [ { "Field": "v" } ] } } }""", "Decoder:Json:SequenceField", "already used by TimeField")]
    [InlineData("""{ "Decoder": { "Json": { "Metrics": [ { "Field": "v" } ], "IgnoreFields": [ "rssi" ] } } }""", "Decoder:Json:IgnoreFields", "AllNumericFields")]
    [InlineData("""{ "Decoder": { "Json": { "AllNumericFields": true, "IgnoreFields": [ "a.b" ] } } }""", "Decoder:Json:IgnoreFields:0", "top-level")]
    [InlineData("""{ "Decoder": { "Kind": "senml", "SenMl": { "DefaultMetric": "" } } }""", "Decoder:SenMl:DefaultMetric", "empty")]
    public void Invalid_settings_are_reported_against_their_key(string json, string key, string problem)
    {
        var (k, p) = Invalid(json);

        Assert.Equal(key, k);
        Assert.Contains(problem, p, StringComparison.Ordinal);
    }

    [Fact]
    public void Decoders_built_in_code_check_their_options_too()
    {
        var error = Assert.Throws<ArgumentException>(() => new JsonPayloadDecoder(new JsonDecoderOptions()));
        Assert.Contains("Json:Metrics", error.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => new PlainNumberDecoder(new PlainNumberDecoderOptions()));
        Assert.Throws<ArgumentException>(() => new SenMlDecoder(new SenMlDecoderOptions { DefaultMetric = "a b" }));
        Assert.Throws<ArgumentException>(() => PayloadDecoders.Create(new DecoderOptions { Kind = DecoderKind.Number }));
    }

    [Fact]
    public void A_decoder_keeps_the_options_it_was_built_with()
    {
        var options = new JsonDecoderOptions { DeviceIdField = "id", Metrics = { new() { Field = "pm25" } } };
        var decoder = new JsonPayloadDecoder(options);
        options.Metrics[0].Field = "pm10";
        options.DeviceIdField = "device";

        Assert.Equal("pm25", DecodingTestSupport.Success(decoder.Decode("""{"id":"aq-1","pm25":1}"""))[0].Metric);
    }
}
