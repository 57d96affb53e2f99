using System.Collections;
using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Forwarding;
using EdgeGateway.Sources;
using EdgeGateway.Testing.Files;
using Xunit;

namespace EdgeGateway.Tests.Configuration;

public sealed class GatewayConfigurationTests : IDisposable
{
    private const string Minimal = """{ "Kafka": { "BootstrapServers": "127.0.0.1:9092" } }""";
    private static readonly Hashtable NoEnvironment = [];
    private readonly TempDirectory _directory = TempDirectory.Create("config");

    public void Dispose() => _directory.Dispose();

    private string Write(string json) => _directory.WriteFile($"gateway-{Guid.NewGuid():N}.json", json);

    private static ConfigurationError Single(ConfigurationException error)
    {
        Assert.Single(error.Errors);
        return error.Errors[0];
    }

    private ConfigurationException Invalid(string json, IDictionary? environment = null) =>
        Assert.Throws<ConfigurationException>(() => GatewayConfiguration.Load(Write(json), environment ?? NoEnvironment));

    [Fact]
    public void A_minimal_file_gets_the_documented_defaults()
    {
        var configuration = GatewayConfiguration.Load(Write(Minimal), NoEnvironment);

        Assert.Equal("127.0.0.1:9092", configuration.Kafka.BootstrapServers);
        Assert.Equal("edge.readings", configuration.Kafka.Topic);
        Assert.Equal(BufferFullPolicy.Block, configuration.Buffer.FullPolicy);
        Assert.Equal(SqliteSynchronous.Full, configuration.Buffer.Synchronous);
        Assert.Equal(TimeSpan.FromMilliseconds(5), configuration.Buffer.CommitInterval);
        Assert.Equal(ByteSize.FromGibibytes(1), configuration.Buffer.MaxSize);
        Assert.Equal(1883, configuration.Mqtt.Port);
        Assert.Equal(Environment.MachineName, configuration.Gateway.EffectiveId);
    }

    [Fact]
    public void Operator_friendly_durations_sizes_and_kebab_case_enums_are_read()
    {
        var configuration = GatewayConfiguration.Load(Write("""
            {
              "Gateway": { "Id": "gw-17" },
              "Mqtt": { "KeepAlive": "1.5m", "ProtocolVersion": "v311" },
              "Buffer": { "CommitInterval": "00:00:00.010", "MaxAge": "2d", "MaxSize": "512MiB", "MinFreeDisk": "100MB", "FullPolicy": "drop-oldest" },
              "Kafka": { "BootstrapServers": "k1:9092,k2:9092", "Linger": "250ms", "Compression": "zstd", "SecurityProtocol": "plaintext" }
            }
            """), NoEnvironment);

        Assert.Equal("gw-17", configuration.Gateway.EffectiveId);
        Assert.Equal(TimeSpan.FromSeconds(90), configuration.Mqtt.KeepAlive);
        Assert.Equal(MqttProtocolVersion.V311, configuration.Mqtt.ProtocolVersion);
        Assert.Equal(TimeSpan.FromMilliseconds(10), configuration.Buffer.CommitInterval);
        Assert.Equal(TimeSpan.FromDays(2), configuration.Buffer.MaxAge);
        Assert.Equal(512L << 20, configuration.Buffer.MaxSize.Bytes);
        Assert.Equal(100_000_000, configuration.Buffer.MinFreeDisk.Bytes);
        Assert.Equal(BufferFullPolicy.DropOldest, configuration.Buffer.FullPolicy);
        Assert.Equal(TimeSpan.FromMilliseconds(250), configuration.Kafka.Linger);
        Assert.Equal(KafkaCompression.Zstd, configuration.Kafka.Compression);
        Assert.Equal(KafkaSecurityProtocol.Plaintext, configuration.Kafka.SecurityProtocol);
    }

    [Fact]
    public void A_missing_required_key_is_named()
    {
        var error = Single(Invalid("""{ "Mqtt": { "Subscriptions": [ { "QoS": 1, "Decoder": { "Kind": "number", "Number": { "Metric": "t" } } } ] } }"""));

        Assert.Equal("Mqtt:Subscriptions:0:Topic", error.Key);
        Assert.Equal("is required", error.Problem);
    }

    [Fact]
    public void Without_bootstrap_servers_the_configuration_is_valid_for_the_embedded_cluster()
    {
        var configuration = GatewayConfiguration.Load(Write("""{ "Kafka": { "Topic": "t" } }"""), NoEnvironment);

        Assert.Equal(string.Empty, configuration.Kafka.BootstrapServers);
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_named_with_the_value_and_what_is_expected()
    {
        var error = Single(Invalid("""{ "Mqtt": { "Port": "eighteen-eighty-three" }, "Kafka": { "BootstrapServers": "k:1" } }"""));

        Assert.Equal("Mqtt:Port", error.Key);
        Assert.Contains("'eighteen-eighty-three' is not a whole number", error.Problem, StringComparison.Ordinal);
        Assert.EndsWith(".json", error.Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Mqtt": { "Port": 70000 } }""", "Mqtt:Port", "70000 is out of range (allowed: 1 to 65535)")]
    [InlineData("""{ "Mqtt": { "Port": 0 } }""", "Mqtt:Port", "0 is out of range")]
    [InlineData("""{ "Buffer": { "CommitMaxCount": 0 } }""", "Buffer:CommitMaxCount", "0 is out of range")]
    [InlineData("""{ "Buffer": { "CommitInterval": "5s" } }""", "Buffer:CommitInterval", "5s is out of range (must be between 0s and 1s)")]
    [InlineData("""{ "Buffer": { "MaxSize": "10KiB" } }""", "Buffer:MaxSize", "10KiB is out of range (must be between 1MiB and 1TiB)")]
    public void An_out_of_range_number_is_named_with_the_allowed_range(string sections, string key, string problem)
    {
        var json = sections.Insert(sections.LastIndexOf('}'), """, "Kafka": { "BootstrapServers": "k:1" } """);
        var error = Single(Invalid(json));

        Assert.Equal(key, error.Key);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_enum_value_is_named_with_the_allowed_values()
    {
        var error = Single(Invalid("""{ "Buffer": { "FullPolicy": "drop-newest" }, "Kafka": { "BootstrapServers": "k:1" } }"""));

        Assert.Equal("Buffer:FullPolicy", error.Key);
        Assert.Equal("'drop-newest' is not one of: block, drop-oldest, reject-new", error.Problem);
    }

    [Fact]
    public void The_context_section_has_defaults_and_names_its_keys_when_wrong()
    {
        var defaults = GatewayConfiguration.Load(Write(Minimal), NoEnvironment);
        var error = Single(Invalid("""{ "Context": { "UnknownDevices": "ignore" }, "Kafka": { "BootstrapServers": "k:1" } }"""));

        Assert.Equal(EdgeGateway.Context.UnknownDevicePolicy.Register, defaults.Context.UnknownDevices);
        Assert.Equal("Context:UnknownDevices", error.Key);
        Assert.Equal("'ignore' is not one of: register, accept, reject", error.Problem);
    }

    [Fact]
    public void A_misspelt_key_is_an_error_with_a_suggestion_instead_of_a_silent_default()
    {
        var error = Single(Invalid("""{ "Buffer": { "FulPolicy": "reject-new" }, "Kafka": { "BootstrapServers": "k:1" } }"""));

        Assert.Equal("Buffer:FulPolicy", error.Key);
        Assert.Equal("unknown key; did you mean 'FullPolicy'?", error.Problem);
    }

    [Fact]
    public void An_unknown_section_is_an_error_but_Logging_passes_through()
    {
        var error = Single(Invalid("""{ "Kakfa": { }, "Logging": { "LogLevel": { "Default": "Debug" } }, "Kafka": { "BootstrapServers": "k:1" } }"""));

        Assert.Equal("Kakfa", error.Key);
        Assert.StartsWith("unknown section", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_of_every_section_is_reported_in_one_go()
    {
        var error = Invalid("""{ "Mqtt": { "Port": "x" }, "Buffer": { "FullPolicy": "never" }, "Kafka": { "BatchMaxReadings": -1 } }""");

        Assert.Equal(
            ["Mqtt:Port", "Buffer:FullPolicy", "Kafka:BatchMaxReadings"],
            error.Errors.Select(e => e.Key).ToArray());
    }

    [Fact]
    public void Cross_field_rules_name_the_key_to_change()
    {
        var error = Single(Invalid("""{ "Mqtt": { "Password": "secret" }, "Kafka": { "BootstrapServers": "k:1" } }"""));
        Assert.Equal("Mqtt:Password", error.Key);
        Assert.Contains("Username", error.Problem, StringComparison.Ordinal);

        var bootstrap = Single(Invalid("""{ "Kafka": { "BootstrapServers": "k1:9092,k2" } }"""));
        Assert.Equal("Kafka:BootstrapServers", bootstrap.Key);
        Assert.Contains("'k2' is not host:port", bootstrap.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_object_where_a_value_belongs_is_an_error()
    {
        var error = Single(Invalid("""{ "Mqtt": { "Port": { "Value": 1883 } }, "Kafka": { "BootstrapServers": "k:1" } }"""));

        Assert.Equal("Mqtt:Port", error.Key);
        Assert.Contains("found an object", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_variables_override_the_file_and_are_named_when_wrong()
    {
        var path = Write("""{ "Mqtt": { "Port": 1883 }, "Kafka": { "BootstrapServers": "file:9092" } }""");
        var environment = new Hashtable
        {
            ["EDGEGW__Kafka__BootstrapServers"] = "env:9092",
            ["EDGEGW__Buffer__FullPolicy"] = "reject-new",
            ["UNRELATED"] = "ignored",
        };

        var configuration = GatewayConfiguration.Load(path, environment);
        Assert.Equal("env:9092", configuration.Kafka.BootstrapServers);
        Assert.Equal(BufferFullPolicy.RejectNew, configuration.Buffer.FullPolicy);

        environment["EDGEGW__Mqtt__Port"] = "99999";
        var error = Single(Assert.Throws<ConfigurationException>(() => GatewayConfiguration.Load(path, environment)));
        Assert.Equal("Mqtt:Port", error.Key);
        Assert.Equal("environment variable EDGEGW__Mqtt__Port", error.Source);
    }

    [Fact]
    public void A_file_that_is_not_json_or_does_not_exist_gets_a_clear_message()
    {
        var broken = Assert.Throws<ConfigurationException>(() => GatewayConfiguration.Load(Write("""{ "Kafka": { "BootstrapServers": """), NoEnvironment));
        Assert.Contains("is not valid JSON", broken.Message, StringComparison.Ordinal);
        Assert.Contains("LineNumber", broken.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<ConfigurationException>(() => GatewayConfiguration.Load(_directory.File("nope.json"), NoEnvironment));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_demo_configuration_is_valid()
    {
        var demo = Path.Combine(RepositoryRoot(), "deploy", "demo", "gateway.json");

        var configuration = GatewayConfiguration.Load(demo, NoEnvironment);

        Assert.Equal("demo-gateway-01", configuration.Gateway.EffectiveId);
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EdgeGateway.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("EdgeGateway.sln not found above the test assembly.");
    }

    [Fact]
    public void The_gpio_section_is_read_and_its_problems_name_their_keys()
    {
        var configuration = GatewayConfiguration.Load(Write("""
            {
              "Gpio": {
                "Chip": "sim:/run/fwsim/gpio.sock",
                "Lines": [
                  { "Offset": 17, "DeviceId": "traffic-01", "Kind": "counter", "Bias": "pull-up", "Edge": "falling", "Debounce": "5ms", "Window": "1m", "Metric": "vehicle_rate", "Unit": "vehicles/min" },
                  { "Offset": 18, "DeviceId": "rain-01", "Metric": "rain_rate", "Unit": "mm/h", "Scale": 0.2794, "Per": "1h", "Window": "5m" },
                  { "Offset": 22, "Name": "door", "DeviceId": "cabinet-07", "Kind": "contact", "ActiveLow": true, "Metric": "door_open" }
                ]
              }
            }
            """), NoEnvironment);
        Assert.Equal("sim:/run/fwsim/gpio.sock", configuration.Gpio.Chip);
        Assert.Equal(EdgeGateway.Sources.Gpio.GpioLineBias.PullUp, configuration.Gpio.Lines[0].Bias);
        Assert.Equal(EdgeGateway.Hardware.Gpio.GpioEdge.Falling, configuration.Gpio.Lines[0].Edge);
        Assert.Equal(TimeSpan.FromHours(1), configuration.Gpio.Lines[1].Per);
        Assert.Equal(EdgeGateway.Sources.Gpio.GpioLineKind.Contact, configuration.Gpio.Lines[2].Kind);

        var kind = Single(Invalid("""{ "Gpio": { "Lines": [ { "Offset": 17, "DeviceId": "traffic-01", "Kind": "switch", "Metric": "x" } ] } }"""));
        Assert.Equal("Gpio:Lines:0:Kind", kind.Key);
        Assert.Contains("counter, contact", kind.Problem, StringComparison.Ordinal);

        var error = Invalid("""
            {
              "Gpio": {
                "Lines": [
                  { "Offset": 2000, "DeviceId": "a", "Metric": "y", "Window": "10ms" },
                  { "Offset": 5, "DeviceId": "d", "Kind": "contact", "Edge": "rising", "Metric": "door" },
                  { "Offset": 5, "DeviceId": "e", "Metric": "z" }
                ]
              }
            }
            """);
        var keys = error.Errors.Select(e => e.Key).ToList();
        Assert.Contains("Gpio:Lines:0:Offset", keys);
        Assert.Contains("Gpio:Lines:0:Window", keys);
        Assert.Contains(error.Errors, e => e.Key == "Gpio:Lines:1:Edge" && e.Problem.Contains("only applies with Kind: counter", StringComparison.Ordinal));
    }
}
