using System.Collections;
using EdgeGateway.Configuration;
using EdgeGateway.Logging;
using EdgeGateway.Telemetry;
using EdgeGateway.Testing.Files;
using Xunit;

namespace EdgeGateway.Tests.Logging;

/// <summary>Sections <c>Logging</c> (the gateway's keys in it) and <c>Otlp</c> are checked at load, the key named.</summary>
public sealed class LoggingConfigurationTests : IDisposable
{
    private static readonly Hashtable NoEnvironment = [];
    private readonly TempDirectory _directory = TempDirectory.Create("logging-config");

    public void Dispose() => _directory.Dispose();

    private GatewayConfiguration Load(string sections, IDictionary? environment = null) =>
        GatewayConfiguration.Load(
            _directory.WriteFile($"gateway-{Guid.NewGuid():N}.json", $$"""{ "Kafka": { "BootstrapServers": "127.0.0.1:9092" }, {{sections}} }"""),
            environment ?? NoEnvironment);

    [Fact]
    public void The_defaults_are_systemd_lines_a_one_minute_bad_input_window_and_no_otlp_export()
    {
        var configuration = Load("""  "Gateway": { "Id": "gw-1" } """);

        Assert.Equal(LogFormat.Auto, configuration.Logging.Format);
        Assert.Equal(TimeSpan.FromMinutes(1), configuration.Logging.BadInputWindow);
        Assert.False(configuration.Otlp.Enabled);
        Assert.Equal(OtlpProtocol.HttpProtobuf, configuration.Otlp.Protocol);
    }

    [Fact]
    public void The_gateway_keys_sit_beside_dotnet_logging_levels_which_stay_unchecked()
    {
        var configuration = Load("""
            "Logging": { "Format": "json", "BadInputWindow": "5m", "LogLevel": { "Default": "Debug", "EdgeGateway.Sources": "Warning" }, "Console": { "LogLevel": { "Default": "Information" } } },
            "Otlp": { "Endpoint": "http://collector.example:4318", "Protocol": "grpc", "Interval": "15s", "ExportLogs": true }
            """);

        Assert.Equal(LogFormat.Json, configuration.Logging.Format);
        Assert.Equal(TimeSpan.FromMinutes(5), configuration.Logging.BadInputWindow);
        Assert.Equal("Debug", configuration.Root["Logging:LogLevel:Default"]);
        Assert.True(configuration.Otlp.Enabled);
        Assert.Equal(OtlpProtocol.Grpc, configuration.Otlp.Protocol);
        Assert.Equal(TimeSpan.FromSeconds(15), configuration.Otlp.Interval);
    }

    [Fact]
    public void An_environment_variable_can_switch_the_format()
    {
        var configuration = Load(""" "Gateway": { "Id": "gw-1" } """, new Hashtable { ["EDGEGW__Logging__Format"] = "simple" });

        Assert.Equal(LogFormat.Simple, configuration.Logging.Format);
    }

    [Theory]
    [InlineData(""" "Logging": { "Format": "xml" } """, "Logging:Format", "'xml' is not one of: auto, systemd, json, simple")]
    [InlineData(""" "Logging": { "BadInputWindow": "0s" } """, "Logging:BadInputWindow", "out of range")]
    [InlineData(""" "Otlp": { "Endpoint": "collector:4318" } """, "Otlp:Endpoint", "not an http:// or https:// address")]
    [InlineData(""" "Otlp": { "Endpoint": "https://user:pa55@collector:4318" } """, "Otlp:Endpoint", "put credentials in Otlp:HeadersFile")]
    [InlineData(""" "Otlp": { "Endpoint": "http://collector:4318", "Protocol": "thrift" } """, "Otlp:Protocol", "'thrift' is not one of: http-protobuf, grpc")]
    [InlineData(""" "Otlp": { "Endpoint": "http://collector:4318", "HeadersFile": "/nonexistent/otlp-headers" } """, "Otlp:HeadersFile", "does not exist")]
    [InlineData(""" "Otlp": { "Headers": "api-key=x" } """, "Otlp:Headers", "unknown key")]
    public void A_bad_value_is_refused_with_its_key(string sections, string key, string problem)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(sections));

        var single = Assert.Single(error.Errors);
        Assert.Equal(key, single.Key);
        Assert.Contains(problem, single.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_headers_file_is_refused_at_load_naming_the_line_but_not_the_value()
    {
        var headers = _directory.File("otlp-headers");
        File.WriteAllText(headers, "# collector key\nx-api-key=fine\nsecret-token-without-name\n");

        var error = Assert.Throws<ConfigurationException>(() => Load($$""" "Otlp": { "Endpoint": "http://collector:4318", "HeadersFile": "{{headers}}" } """));

        var single = Assert.Single(error.Errors);
        Assert.Equal("Otlp:HeadersFile", single.Key);
        Assert.Contains("line 3: expected name=value", single.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_password_in_an_endpoint_is_not_repeated_in_the_error()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(""" "Otlp": { "Endpoint": "https://user:pa55@collector:4318" } """));

        Assert.DoesNotContain("pa55", error.Message, StringComparison.Ordinal);
    }
}
