using EdgeGateway.Cli;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Cli;

/// <summary>The real edge-gateway program, started as a process, as an operator or systemd would.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("cli");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Version_prints_the_product_version()
    {
        var result = await DotNetPrograms.RunGatewayAsync(["--version"], cancellationToken: Token);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", result.StandardOutput);
    }

    [Fact]
    public async Task Validate_accepts_a_valid_file_with_exit_code_0()
    {
        var path = _directory.WriteFile("ok.json", """{ "Gateway": { "Id": "gw-1" }, "Kafka": { "BootstrapServers": "127.0.0.1:9092" } }""");

        var result = await DotNetPrograms.RunGatewayAsync(["config", "validate", path], cancellationToken: Token);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("valid (gateway 'gw-1')", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Mqtt": { "Subscriptions": [ { "QoS": 1, "Decoder": { "Kind": "number", "Number": { "Metric": "t" } } } ] } }""", "Mqtt:Subscriptions:0:Topic: is required")]
    [InlineData("""{ "Mqtt": { "Port": "abc" }, "Kafka": { "BootstrapServers": "k:1" } }""", "Mqtt:Port: 'abc' is not a whole number")]
    [InlineData("""{ "Mqtt": { "Port": 70000 }, "Kafka": { "BootstrapServers": "k:1" } }""", "Mqtt:Port: 70000 is out of range")]
    [InlineData("""{ "Buffer": { "FullPolicy": "yolo" }, "Kafka": { "BootstrapServers": "k:1" } }""", "Buffer:FullPolicy: 'yolo' is not one of: block, drop-oldest, reject-new")]
    [InlineData("""{ "Mqtt": { "MaxPayloadSize": "2MiB" }, "Kafka": { "BootstrapServers": "k:1" } }""", "Mqtt:MaxPayloadSize: 2MiB is out of range (must be between 1KiB and 1MiB)")]
    [InlineData("""{ "Logging": { "Format": "xml", "LogLevel": { "Default": "Debug" } }, "Kafka": { "BootstrapServers": "k:1" } }""", "Logging:Format: 'xml' is not one of: auto, systemd, json, simple")]
    [InlineData("""{ "Otlp": { "Endpoint": "http://collector:4318", "Protocol": "udp" }, "Kafka": { "BootstrapServers": "k:1" } }""", "Otlp:Protocol: 'udp' is not one of: http-protobuf, grpc")]
    public async Task Validate_rejects_an_invalid_file_with_exit_code_2_naming_the_key(string json, string expected)
    {
        var path = _directory.WriteFile("bad.json", json);

        var result = await DotNetPrograms.RunGatewayAsync(["config", "validate", path], cancellationToken: Token);

        Assert.Equal(ExitCodes.InvalidConfiguration, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_with_an_invalid_configuration_stops_with_exit_code_2_before_starting()
    {
        var path = _directory.WriteFile("bad.json", """{ "Kafka": { "BootstrapServers": "k:1" } }""");

        var result = await DotNetPrograms.RunGatewayAsync(
            ["run", "--config", path],
            new Dictionary<string, string?> { ["EDGEGW__Buffer__FullPolicy"] = "sometimes" },
            Token);

        Assert.Equal(ExitCodes.InvalidConfiguration, result.ExitCode);
        Assert.Contains("Buffer:FullPolicy", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("environment variable EDGEGW__Buffer__FullPolicy", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Gateway ready", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("subscription", "Mqtt:Subscriptions:0:Topic: needs a {deviceId} level")]
    [InlineData("nested-typo", "Mqtt:Subscriptions:0:Decoder:Json:Metrics:0:Feild: unknown key; did you mean 'Field'?")]
    [InlineData("devices-file", "Context:DevicesFile: ")]
    [InlineData("missing-devices-file", "Context:DevicesFile: ")]
    public async Task Run_refuses_an_invalid_configuration_with_exit_code_2_naming_the_key_before_starting(string problem, string expected)
    {
        var devices = _directory.WriteFile("devices.json", """{ "devices": [ { "id": "aq 1", "type": "air-quality" } ] }""");
        (string? Subscription, string? DevicesFile) setup = problem switch
        {
            "subscription" => ("""{ "Topic": "city/{district}/aq", "Decoder": { "Kind": "json", "Json": { "Metrics": [ { "Field": "pm25" } ] } } }""", null),
            "nested-typo" => ("""{ "Topic": "city/{deviceId}", "Decoder": { "Kind": "json", "Json": { "Metrics": [ { "Feild": "pm25" } ] } } }""", null),
            "devices-file" => (null, devices),
            _ => (null, _directory.File("absent-devices.json")),
        };
        var (subscription, devicesFile) = setup;
        var path = _directory.WriteFile("bad.json", $$"""
            {
              "Mqtt": { "Port": 9, "Subscriptions": [ {{subscription}} ] },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}"{{(devicesFile is null ? string.Empty : $", \"DevicesFile\": \"{devicesFile}\"")}} },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Kafka": { "BootstrapServers": "127.0.0.1:9" }
            }
            """);

        var result = await DotNetPrograms.RunGatewayAsync(["run", "--config", path], cancellationToken: Token);

        Assert.Equal(ExitCodes.InvalidConfiguration, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Gateway ready", result.StandardOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(_directory.File("buffer.db")), "the buffer was opened although the configuration is invalid");
    }

    [Fact]
    public async Task Run_without_a_configuration_file_says_which_file_is_missing()
    {
        var missing = _directory.File("absent.json");

        var result = await DotNetPrograms.RunGatewayAsync(["run", "--config", missing], cancellationToken: Token);

        Assert.Equal(ExitCodes.InvalidConfiguration, result.ExitCode);
        Assert.Contains(missing, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error_with_exit_code_2()
    {
        var result = await DotNetPrograms.RunGatewayAsync(["frobnicate"], cancellationToken: Token);

        Assert.Equal(ExitCodes.InvalidConfiguration, result.ExitCode);
        Assert.Contains("frobnicate", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_starts_and_stops_cleanly_on_SIGTERM()
    {
        var path = _directory.WriteFile("ok.json", $$"""
            {
              "Gateway": { "Id": "gw-sigterm" },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Kafka": { "BootstrapServers": "127.0.0.1:9" }
            }
            """);
        await using var gateway = DotNetPrograms.StartGateway(["run", "--config", path]);
        await gateway.WaitForOutputAsync(line => line.Contains("Gateway ready", StringComparison.Ordinal), "the gateway is ready", cancellationToken: Token);

        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: Token);

        Assert.Equal(ExitCodes.Success, gateway.ExitCode);
        Assert.Contains(gateway.StandardOutput, line => line.Contains("gw-sigterm", StringComparison.Ordinal));
        Assert.Contains(gateway.StandardOutput, line => line.Contains("Gateway stopping", StringComparison.Ordinal));
        DotNetPrograms.AssertNoErrorLogLines(gateway);
    }
}
