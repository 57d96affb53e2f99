using System.Globalization;
using System.Text.Json;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Xunit;
using static EdgeGateway.Tests.FirmwareSimulator.SimulatorRecords;

namespace EdgeGateway.Tests.FirmwareSimulator;

/// <summary>The simulator as a process against a real mosquitto, checked by mosquitto_sub (an independent subscriber).</summary>
public sealed class FirmwareSimMqttTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = TempDirectory.Create("firmware-sim");
    private MosquittoBroker? _broker;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("No broker.");

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync(cancellationToken: Token);

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task Each_device_on_its_own_connection_announces_itself_its_will_fires_on_a_dropped_socket_and_it_says_goodbye()
    {
        await using var subscriber = await MosquittoClients.StartSubscriberAsync(Broker, "city/#", qos: 1, count: 0, cancellationToken: Token);
        var ledger = _directory.File("ledger.jsonl");

        var result = await DotNetPrograms.RunFirmwareSimAsync(
            [.. BrokerArguments(), "--devices", "3", "--connection-per-device", "--qos", "2", "--format", "senml", "--rate", "60", "--duration", "3",
             "--faults", "disconnect=0.08,reconnect-delay=200ms", "--ledger", ledger, "--progress", "0", "--seed", "3"],
            Token);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("on 3 connection(s)", result.StandardOutput, StringComparison.Ordinal);
        await Eventually.TrueAsync(
            () => Statuses(subscriber.Messages).Values.Count(s => s[^1].GetProperty("reason").ValueEquals("shutdown")) == 3,
            "every device said goodbye",
            cancellationToken: Token);
        var statuses = Statuses(subscriber.Messages);
        Assert.Equal(3, statuses.Count);
        foreach (var (device, history) in statuses)
        {
            Assert.Equal("online", history[0].GetProperty("status").GetString());
            Assert.Equal("senml", history[0].GetProperty("format").GetString());
            Assert.Equal("offline", history[^1].GetProperty("status").GetString());
        }

        // The wills: mosquitto published "connection-lost" for dropped sockets, then the device came back.
        var wills = statuses.Values.SelectMany(h => h).Count(s => s.TryGetProperty("reason", out var r) && r.ValueEquals("connection-lost"));
        var summaryDisconnects = int.Parse(
            result.StandardOutput.Split('\n').Single(l => l.Contains("faults:", StringComparison.Ordinal)).Split("disconnect ")[1].Split(',')[0].Trim(),
            CultureInfo.InvariantCulture);
        Assert.InRange(summaryDisconnects, 1, 100);
        Assert.Equal(summaryDisconnects, wills);
        Assert.All(statuses.Values, h => Assert.Equal(h.Count(s => s.GetProperty("status").ValueEquals("online")), 1 + h.Count(s => s.TryGetProperty("reason", out var r) && r.ValueEquals("connection-lost"))));

        // Everything in the ledger arrived (a resend after a dropped socket may arrive twice: at least once).
        var received = Decode(subscriber.Messages).ToHashSet();
        var sent = ReadLedger(ledger);
        Assert.NotEmpty(sent);
        Assert.All(sent, r => Assert.Contains(r, received));
    }

    [Fact]
    public async Task A_command_changes_a_running_device_and_SIGTERM_stops_the_run_cleanly_with_a_summary()
    {
        var scenario = _directory.WriteFile("scenario.json", """
            {
              "seed": 5,
              "devices": [ { "model": "noise", "count": 2, "interval": "1s", "district": "harbour" } ]
            }
            """);
        await using var subscriber = await MosquittoClients.StartSubscriberAsync(Broker, "city/harbour/#", qos: 1, count: 0, cancellationToken: Token);
        await using var simulator = DotNetPrograms.StartFirmwareSim([.. BrokerArguments(), "--scenario", scenario, "--progress", "0"]);
        await simulator.WaitForOutputAsync(l => l.Contains("2 devices on", StringComparison.Ordinal), "the fleet is connected", cancellationToken: Token);
        await subscriber.WaitForMessagesAsync(4, Token);

        await MosquittoClients.PublishAsync(Broker, "city/harbour/noise/noise-0001/cmd", """{"samplingInterval":"100ms"}""", cancellationToken: Token);
        await MosquittoClients.PublishAsync(Broker, "city/harbour/noise/noise-0002/cmd", """{"samplingInterval":"soon"}""", cancellationToken: Token);
        await simulator.WaitForOutputAsync(l => l.Contains("noise-0001: command samplingInterval=100ms", StringComparison.Ordinal), "the command is taken", cancellationToken: Token);
        await simulator.WaitForOutputAsync(l => l.Contains("noise-0002: command rejected: samplingInterval", StringComparison.Ordinal), "the bad command is refused", cancellationToken: Token);
        var acknowledged = await WaitForStatusAsync(subscriber, "noise-0001", s => s.GetProperty("intervalMs").GetInt64() == 100);
        var from = subscriber.Messages.Count;
        await Eventually.TrueAsync(
            () => subscriber.Messages.Skip(from).Count(l => Split(l).Topic == "city/harbour/noise/noise-0001") >= 20,
            "noise-0001 sends ten times a second",
            cancellationToken: Token);
        var window = subscriber.Messages.Skip(from).Select(l => Split(l).Topic).ToList();
        var (fast, slow) = (window.Count(t => t == "city/harbour/noise/noise-0001"), window.Count(t => t == "city/harbour/noise/noise-0002"));
        Assert.True(slow <= (fast / 5) + 1, $"noise-0001 sent {fast}, noise-0002 {slow} meanwhile");
        Assert.Equal("online", acknowledged.GetProperty("status").GetString());

        simulator.Terminate();
        await simulator.WaitForExitAsync(cancellationToken: Token);

        Assert.Equal(0, simulator.ExitCode);
        Assert.Contains(simulator.StandardOutput, l => l.StartsWith("firmware-sim: summary (stopped", StringComparison.Ordinal));
        Assert.Contains(simulator.StandardOutput, l => l.Contains("commands: 1 applied, 1 rejected", StringComparison.Ordinal));
        await WaitForStatusAsync(subscriber, "noise-0001", s => s.GetProperty("status").ValueEquals("offline") && s.GetProperty("reason").ValueEquals("shutdown"));
    }

    [Fact]
    public async Task Over_TLS_with_credentials_the_fleet_connects_and_a_wrong_password_fails_with_exit_code_1()
    {
        await using var secured = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = true, Username = "sensor", Password = "s3cret" }, Token);
        string[] common = ["--broker", $"127.0.0.1:{secured.Port}", "--ca-file", secured.CaCertificatePath!, "--username", "sensor", "--devices", "4", "--progress", "0"];

        var goodRun = DotNetPrograms.RunFirmwareSimAsync([.. common, "--password", "s3cret", "--rate", "40", "--duration", "1"], Token);
        var badRun = DotNetPrograms.RunFirmwareSimAsync([.. common, "--password", "wrong", "--duration", "1"], Token);
        var (good, bad) = (await goodRun, await badRun);

        Assert.True(good.ExitCode == 0, good.StandardOutput + good.StandardError);
        Assert.Contains("mqtts://127.0.0.1", good.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"mqtt: [1-9][\d,]* readings", good.StandardOutput);
        Assert.DoesNotContain("s3cret", good.StandardOutput + good.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("cannot reach the broker", bad.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_arguments_and_scenarios_exit_2_naming_the_problem_and_an_absent_broker_exits_1()
    {
        var scenario = _directory.WriteFile("bad.json", """{ "devices": [ { "model": "toaster", "count": 2 } ] }""");

        // Independent processes: run side by side.
        var runs = new[]
        {
            DotNetPrograms.RunFirmwareSimAsync(["--broker", "127.0.0.1:1883", "--qos", "3", "--faults", "malformed=2"], Token),
            DotNetPrograms.RunFirmwareSimAsync(["--broker", "127.0.0.1:1883", "--scenario", scenario], Token),
            DotNetPrograms.RunFirmwareSimAsync(["--devices", "3"], Token),
            DotNetPrograms.RunFirmwareSimAsync(["--broker", $"127.0.0.1:{FreePort.Tcp()}", "--connect-timeout", "0.5", "--duration", "1"], Token),
        };
        var (badQos, badScenario, nothing, absent) = (await runs[0], await runs[1], await runs[2], await runs[3]);

        Assert.Equal(2, badQos.ExitCode);
        Assert.Contains("--qos: 3 must be 0, 1 or 2", badQos.StandardError, StringComparison.Ordinal);
        Assert.Contains("fault 'malformed': '2' is not a rate from 0 to 1", badQos.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, badScenario.ExitCode);
        Assert.Contains("$.devices[0].model: 'toaster' is not one of aq, noise, weather, traffic, parking, light", badScenario.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("nothing to simulate", nothing.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, absent.ExitCode);
        Assert.Contains("cannot reach the broker", absent.StandardError, StringComparison.Ordinal);
    }

    private string[] BrokerArguments() => ["--broker", $"{Broker.Host}:{Broker.Port.ToString(CultureInfo.InvariantCulture)}"];

    private static async Task<JsonElement> WaitForStatusAsync(MosquittoSubscriber subscriber, string device, Func<JsonElement, bool> predicate)
    {
        JsonElement found = default;
        await Eventually.TrueAsync(
            () => Statuses(subscriber.Messages).TryGetValue(device, out var history) && history.Any(s =>
            {
                found = s;
                return predicate(s);
            }),
            $"{device} published the expected status",
            cancellationToken: Token);
        return found;
    }
}
