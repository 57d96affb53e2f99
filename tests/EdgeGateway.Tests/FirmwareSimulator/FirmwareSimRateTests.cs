using System.Globalization;
using System.Text.Json;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Xunit;
using static EdgeGateway.Tests.FirmwareSimulator.SimulatorRecords;

namespace EdgeGateway.Tests.FirmwareSimulator;

/// <summary>
/// Timed runs of the simulator run alone: a rate checked to within 5 % on two shared cores must not
/// also compete with the suite's other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FirmwareSimRateMeasurements
{
    /// <summary>The collection's name.</summary>
    public const string Name = "firmware-sim rate measurements";
}

/// <summary>The issue's "done when" check, scaled down: the simulator against mosquitto, checked by mosquitto_sub.</summary>
[Collection(FirmwareSimRateMeasurements.Name)]
public sealed class FirmwareSimRateTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = TempDirectory.Create("firmware-sim-rate");
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
    public async Task The_fleet_delivers_what_the_ledger_says_at_the_requested_rate()
    {
        // The issue's check (1000 devices, 20000 readings/s, 10 s) scaled down to run in a few seconds.
        const int rate = 4000;
        const int seconds = 3;
        await using var subscriber = await MosquittoClients.StartSubscriberAsync(Broker, "city/#", qos: 1, count: 0, cancellationToken: Token);
        var ledger = _directory.File("ledger.jsonl");
        var summaryFile = _directory.File("summary.json");

        var result = await DotNetPrograms.RunFirmwareSimAsync(
            ["--broker", $"{Broker.Host}:{Broker.Port.ToString(CultureInfo.InvariantCulture)}", "--devices", "200", "--rate", $"{rate}", "--duration", $"{seconds}", "--qos", "1", "--seed", "7",
             "--ledger", ledger, "--summary-file", summaryFile, "--progress", "0"],
            Token);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        var sent = ReadLedger(ledger);
        var messages = sent.Select(r => (r.Device, r.Sequence)).Distinct().Count();
        await Eventually.TrueAsync(
            () => subscriber.Messages.Count(l => IsReadingTopic(Split(l).Topic)) >= messages,
            $"mosquitto_sub received the {messages} reading messages of the ledger",
            cancellationToken: Token);
        var received = Decode(subscriber.Messages);
        Assert.Equal(sent.ToHashSet(), received.ToHashSet());
        Assert.Equal(sent.Count, received.Count);

        Assert.InRange(sent.Count, rate * seconds * 0.95, rate * seconds * 1.05);
        var summary = JsonDocument.Parse(await File.ReadAllTextAsync(summaryFile, Token)).RootElement;
        Assert.InRange(summary.GetProperty("mqtt").GetProperty("readingsPerSecond").GetDouble(), rate * 0.95, rate * 1.05);
        Assert.Equal(sent.Count, summary.GetProperty("ledgerLines").GetInt64());
        Assert.Equal(0, summary.GetProperty("mqtt").GetProperty("failures").GetInt64());
        Assert.Equal(200, sent.Select(r => r.Device).Distinct().Count());

        // Per device, sequence numbers arrive in order, without gaps.
        foreach (var device in received.GroupBy(r => r.Device))
        {
            var sequences = device.Select(r => r.Sequence).Distinct().ToList();
            Assert.Equal(Enumerable.Range(0, sequences.Count).Select(i => (long)i), sequences);
        }
    }

}
