using System.Net.Sockets;
using System.Text.Json.Nodes;
using EdgeGateway.Cli;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Serial;
using Xunit;

namespace EdgeGateway.Tests.Cli;

/// <summary>
/// Issue 9: <c>edge-gateway doctor</c> through the real process — a healthy device exits 0, each
/// problem is named with what to fix and exits 1, an invalid configuration exits 2.
/// </summary>
public sealed class DoctorCommandTests : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("doctor");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_healthy_device_passes_every_check_with_exit_code_0()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: Token);
        await using var kafka = KafkaFixture.Start();
        var topic = kafka.CreateUniqueTopic("edge.readings");
        using var pty = PtyPair.Open();
        var gpioSocketPath = Path.Combine(_directory.Path, "gpio.sock");
        using var gpioSocket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        gpioSocket.Bind(new UnixDomainSocketEndPoint(gpioSocketPath));
        gpioSocket.Listen();
        var config = WriteConfiguration(_directory.Path, broker.Port, kafka.BootstrapServers, topic, pty.DevicePath, "sim:" + gpioSocketPath);

        var result = await DotNetPrograms.RunGatewayAsync(["doctor", "--config", config, "--timeout", "20"], cancellationToken: Token);

        Assert.True(result.ExitCode == ExitCodes.Success, result.StandardOutput + result.StandardError);
        foreach (var check in new[] { "config", "librdkafka", "sqlite", "buffer", "registry", "disk", "serial", "gpio", "mqtt", "kafka" })
        {
            Assert.Matches($@"(?m)^ok\s+{check}\s", result.StandardOutput);
        }

        Assert.Contains($"topic {topic} exists", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_problem_is_named_with_a_fix_and_exit_code_1()
    {
        var closedPort = FreePort.Tcp();
        var config = WriteConfiguration(
            Path.Combine(_directory.Path, "no-such-dir"), closedPort, $"127.0.0.1:{FreePort.Tcp()}", "edge.readings", "/dev/ttyNOSUCHPORT0", "/dev/gpiochipNOSUCH9");

        var result = await DotNetPrograms.RunGatewayAsync(["doctor", "--config", config, "--timeout", "1"], cancellationToken: Token);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Matches(@"(?m)^FAIL\s+buffer\s.*no-such-dir.*does not exist", result.StandardOutput);
        Assert.Matches(@"(?m)^FAIL\s+serial\s+/dev/ttyNOSUCHPORT0 does not exist", result.StandardOutput);
        Assert.Matches(@"(?m)^FAIL\s+gpio\s+/dev/gpiochipNOSUCH9 does not exist", result.StandardOutput);
        Assert.Matches($@"(?m)^FAIL\s+mqtt\s+broker 127\.0\.0\.1:{closedPort}", result.StandardOutput);
        Assert.Matches(@"(?m)^FAIL\s+kafka\s", result.StandardOutput);
        Assert.Matches(@"(?m)^\s+fix: ", result.StandardOutput);
        Assert.Matches(@"(?m)^\d+ problems to fix$", result.StandardOutput);
    }

    [Fact]
    public async Task Without_Kafka_brokers_it_warns_about_the_embedded_cluster_but_passes()
    {
        var config = _directory.WriteFile("embedded.json", new JsonObject
        {
            ["Buffer"] = new JsonObject { ["Path"] = _directory.File("buffer.db"), ["MinFreeDisk"] = "1MiB", ["MaxSize"] = "1MiB" },
            ["Context"] = new JsonObject { ["RegistryPath"] = _directory.File("registry.db") },
        }.ToJsonString());

        var result = await DotNetPrograms.RunGatewayAsync(["doctor", "--config", config], cancellationToken: Token);

        Assert.True(result.ExitCode == ExitCodes.Success, result.StandardOutput + result.StandardError);
        Assert.Matches(@"(?m)^warn\s+kafka\s+Kafka:BootstrapServers is not set", result.StandardOutput);
        Assert.Contains("healthy (1 warning)", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_configuration_exits_with_code_2_naming_the_key()
    {
        var config = _directory.WriteFile("bad.json", """{ "Mqtt": { "Port": 70000 } }""");

        var result = await DotNetPrograms.RunGatewayAsync(["doctor", "--config", config], cancellationToken: Token);

        Assert.Equal(ExitCodes.InvalidConfiguration, result.ExitCode);
        Assert.Contains("Mqtt:Port", result.StandardError, StringComparison.Ordinal);
    }

    private string WriteConfiguration(string stateDirectory, int mqttPort, string bootstrapServers, string topic, string serialPort, string gpioChip) =>
        _directory.WriteFile($"doctor-{Guid.NewGuid():N}.json", new JsonObject
        {
            ["Mqtt"] = new JsonObject
            {
                ["Port"] = mqttPort,
                ["Subscriptions"] = new JsonArray(new JsonObject
                {
                    ["Topic"] = "city/+/aq/{deviceId}",
                    ["Decoder"] = JsonNode.Parse("""{ "Kind": "number", "Number": { "Metric": "pm2_5" } }"""),
                }),
            },
            ["Serial"] = new JsonObject { ["Ports"] = new JsonArray(new JsonObject { ["Path"] = serialPort, ["DeviceId"] = "uart-1", ["Protocol"] = "pms5003" }) },
            ["Gpio"] = new JsonObject
            {
                ["Chip"] = gpioChip,
                ["Lines"] = new JsonArray(new JsonObject { ["Offset"] = 17, ["DeviceId"] = "rain-1", ["Metric"] = "rain_rate" }),
            },
            ["Buffer"] = new JsonObject { ["Path"] = Path.Combine(stateDirectory, "buffer.db"), ["MinFreeDisk"] = "1MiB", ["MaxSize"] = "1MiB" },
            ["Context"] = new JsonObject { ["RegistryPath"] = Path.Combine(stateDirectory, "registry.db") },
            ["Kafka"] = new JsonObject { ["BootstrapServers"] = bootstrapServers, ["Topic"] = topic },
        }.ToJsonString());
}
