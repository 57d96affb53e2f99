using System.Globalization;
using System.Text.Json;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Time;
using EdgeGateway.Testing.Waiting;
using FirmwareSim.Devices;
using FirmwareSim.Faults;
using FirmwareSim.Fleet;
using FirmwareSim.Payloads;
using FirmwareSim.Running;
using Xunit;
using static EdgeGateway.Tests.FirmwareSimulator.SimulatorRecords;
using static EdgeGateway.Tests.FirmwareSimulator.SimulatorTestSupport;

namespace EdgeGateway.Tests.FirmwareSimulator;

public sealed class FirmwareSimFaultTests
{
    private static readonly FaultSettings Rates = new()
    {
        Malformed = 0.05,
        Duplicate = 0.03,
        OutOfOrder = 0.02,
        FutureTimestamp = 0.04,
        FutureSkew = TimeSpan.FromHours(1),
        Burst = 0.01,
        BurstSize = 5,
        Disconnect = 0.01,
        FirmwareChange = 0.01,
        SlowDevices = 0.1,
        SlowDelay = TimeSpan.FromSeconds(3),
    };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void Message_faults_appear_at_their_requested_rates()
    {
        var (messages, statistics, scheduler) = Run(seed: 21);
        var readings = messages.Where(m => m.Message.Kind == OutgoingKind.Reading).Select(m => m.Message).ToList();

        // Every scheduled sample draws each fault once: bursts and duplicates add messages, they are not draws.
        var draws = readings.Count(m => !m.Faults.Contains(FaultKind.Duplicate) && !m.Faults.Contains(FaultKind.Burst));
        Assert.InRange(draws, 15_000, 25_000);
        void AtRate(long observed, double rate, string what)
        {
            var expected = draws * rate;
            var sigma = Math.Sqrt(expected * (1 - rate));
            Assert.True(Math.Abs(observed - expected) <= 4 * sigma + 1, $"{what}: {observed} for an expected {expected:0} (4σ = {4 * sigma:0})");
        }

        var malformed = readings.Where(m => m.Faults.Contains(FaultKind.Malformed) && !m.Faults.Contains(FaultKind.Duplicate)).ToList();
        AtRate(malformed.Count, Rates.Malformed, "malformed");
        Assert.All(malformed, m => Assert.False(m.Ledgered));
        Assert.All(malformed, m => Assert.ThrowsAny<Exception>(() => JsonDocument.Parse(m.Payload).Dispose()));

        var duplicates = readings.Where(m => m.Faults.Contains(FaultKind.Duplicate)).ToList();
        AtRate(duplicates.Count, Rates.Duplicate, "duplicates");
        Assert.All(duplicates, d => Assert.Single(readings, m => m.Device == d.Device && m.Sequence == d.Sequence && m != d && m.Payload == d.Payload));

        // Out of order: the device's sequence goes back by one.
        var reorderings = readings.GroupBy(m => m.Device)
            .Sum(g => g.Where(m => !m.Faults.Contains(FaultKind.Duplicate)).Zip(g.Where(m => !m.Faults.Contains(FaultKind.Duplicate)).Skip(1)).Count(p => p.Second.Sequence < p.First.Sequence));
        AtRate(reorderings, Rates.OutOfOrder, "out of order");
        AtRate(readings.Count(m => m.Faults.Contains(FaultKind.OutOfOrder)), Rates.OutOfOrder, "out of order (marked)");

        var future = readings.Where(m => m.Faults.Contains(FaultKind.FutureTimestamp) && !m.Faults.Contains(FaultKind.Duplicate)).ToList();
        AtRate(future.Count, Rates.FutureTimestamp, "future timestamps");
        Assert.All(future, m => Assert.Equal(m.Device.Device.Clock.Read(m.SampleTime) + TimeSpan.FromHours(1), m.EventTime));

        var bursts = readings.Count(m => m.Faults.Contains(FaultKind.Burst));
        AtRate(bursts / (Rates.BurstSize - 1), Rates.Burst, "bursts");
        AtRate(messages.Count(m => m.Message.AbortConnectionAfter), Rates.Disconnect, "disconnects");
        AtRate(messages.Count(m => m.Message.Kind == OutgoingKind.Status), Rates.FirmwareChange, "firmware changes");

        // Slow devices: a tenth of the fleet, each of their messages sent 3 s after its sample (a burst's
        // extra samples, taken just after, leave with the first).
        var slow = scheduler.Devices.Where(d => d.IsSlow).ToList();
        Assert.InRange(slow.Count, 10, 32);
        Assert.All(messages.Where(m => m.Message.Device.IsSlow && m.Message.Kind == OutgoingKind.Reading && !m.Message.Faults.Contains(FaultKind.OutOfOrder) && !m.Message.Faults.Contains(FaultKind.Burst)), m =>
            Assert.InRange(m.At - m.Message.SampleTime, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3.2)));
        Assert.All(messages.Where(m => !m.Message.Device.IsSlow && m.Message.Kind == OutgoingKind.Reading && !m.Message.Faults.Contains(FaultKind.OutOfOrder)), m =>
            Assert.InRange(m.At - m.Message.SampleTime, TimeSpan.FromSeconds(-0.01), TimeSpan.FromSeconds(0.2)));

        Assert.Equal(malformed.Count, statistics.Faults(FaultKind.Malformed));
        Assert.Equal(duplicates.Count, statistics.Faults(FaultKind.Duplicate));
        Assert.Equal(future.Count, statistics.Faults(FaultKind.FutureTimestamp));
        Assert.Equal(readings.Count(m => m.Device.IsSlow && !m.Faults.Contains(FaultKind.Duplicate)), statistics.Faults(FaultKind.SlowDevice));
    }

    [Fact]
    public void The_same_seed_injects_the_same_faults_into_the_same_messages()
    {
        static List<string> Pattern(long seed) =>
            [.. Run(seed).Messages.Take(5000).Select(m => $"{m.Message.Device.Profile.Id}/{m.Message.Sequence}/{string.Join('+', m.Message.Faults)}/{m.Message.AbortConnectionAfter}/{Convert.ToHexString(m.Message.Payload)}")];

        Assert.Equal(Pattern(4), Pattern(4));
        Assert.NotEqual(Pattern(4), Pattern(5));
    }

    [Fact]
    public void Firmware_changes_bump_the_version_in_the_status_message()
    {
        Assert.Equal("2.4.2", MessageFaults.NextFirmware("2.4.1"));
        Assert.Equal("1.10", MessageFaults.NextFirmware("1.9"));
        Assert.Equal("beta.1", MessageFaults.NextFirmware("beta"));

        var statuses = Run(seed: 8).Messages.Where(m => m.Message.Kind == OutgoingKind.Status).Select(m => m.Message).ToList();
        Assert.NotEmpty(statuses);
        foreach (var device in statuses.GroupBy(s => s.Device))
        {
            var versions = device.Select(s => JsonDocument.Parse(s.Payload).RootElement.GetProperty("firmware").GetString()).ToList();
            var expected = DeviceModels.DefaultFirmware(device.Key.Profile.Model);
            foreach (var version in versions)
            {
                expected = MessageFaults.NextFirmware(expected);
                Assert.Equal(expected, version);
            }

            Assert.Equal(expected, device.Key.Device.Firmware);
        }
    }

    [Fact]
    public async Task Faults_reach_the_wire_as_requested_and_the_ledger_keeps_only_good_readings_once()
    {
        using var directory = TempDirectory.Create("firmware-sim-faults");
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: Token);
        await using var subscriber = await MosquittoClients.StartSubscriberAsync(broker, "city/#", qos: 1, count: 0, cancellationToken: Token);
        var ledger = directory.File("ledger.jsonl");
        var summaryFile = directory.File("summary.json");

        var result = await DotNetPrograms.RunFirmwareSimAsync(
            ["--broker", $"127.0.0.1:{broker.Port.ToString(CultureInfo.InvariantCulture)}", "--devices", "50", "--rate", "1500", "--duration", "2", "--seed", "11",
             "--faults", "malformed=0.05,duplicate=0.05,future-timestamp=0.05,out-of-order=0.05", "--ledger", ledger, "--summary-file", summaryFile, "--progress", "0"],
            Token);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        var summary = JsonDocument.Parse(await File.ReadAllTextAsync(summaryFile, Token)).RootElement;
        var messages = summary.GetProperty("mqtt").GetProperty("messages").GetInt64();
        await Eventually.TrueAsync(() => subscriber.Messages.Count(l => IsReadingTopic(Split(l).Topic)) >= messages, $"{messages} reading messages arrived", cancellationToken: Token);
        var payloads = subscriber.Messages.Select(Split).Where(l => IsReadingTopic(l.Topic)).ToList();
        var broken = payloads.Where(l => !IsJson(l.Payload)).ToList();
        var good = payloads.Where(l => IsJson(l.Payload)).Select(l => $"{l.Topic} {l.Payload}").ToList();
        var faults = summary.GetProperty("faults");
        var draws = summary.GetProperty("mqtt").GetProperty("scheduledMessages").GetInt64() - faults.GetProperty("duplicate").GetInt64();

        Assert.Equal(faults.GetProperty("malformed").GetInt64(), broken.Count);
        foreach (var kind in new[] { "malformed", "duplicate", "future-timestamp", "out-of-order" })
        {
            var count = faults.GetProperty(kind).GetInt64();
            Assert.True(Math.Abs(count - (0.05 * draws)) <= 4 * Math.Sqrt(0.05 * draws) + 1, $"{kind}: {count} of {draws}");
        }

        var received = Decode(good);
        var sent = ReadLedger(ledger);
        Assert.Equal(sent.Count, sent.Distinct().Count());
        Assert.Equal(sent.ToHashSet(), received.ToHashSet());
        var duplicated = received.GroupBy(r => r).Count(g => g.Count() > 1);
        Assert.True(duplicated > 0);
        var lines = File.ReadAllLines(ledger).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var ahead = lines.Where(l => l.TryGetProperty("faults", out var f) && f.EnumerateArray().Any(x => x.ValueEquals("future-timestamp"))).ToList();
        Assert.NotEmpty(ahead);
        Assert.All(ahead, l => Assert.InRange(
            DateTimeOffset.FromUnixTimeMilliseconds(l.GetProperty("time").GetInt64()) - DateTimeOffset.UtcNow,
            TimeSpan.FromMinutes(55),
            TimeSpan.FromMinutes(61)));
    }

    /// <summary>
    /// Valid JSON and valid UTF-8: mosquitto_sub prints raw bytes, which the test reads as UTF-8, so a
    /// byte that is not UTF-8 shows as U+FFFD (and may sit inside an otherwise valid string).
    /// </summary>
    private static bool IsJson(string text)
    {
        if (text.Contains('\uFFFD', StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            JsonDocument.Parse(text).Dispose();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static (List<(DateTimeOffset At, OutgoingMessage Message)> Messages, SimulatorStatistics Statistics, FleetScheduler Scheduler) Run(long seed)
    {
        var time = new FakeTimeProvider(Wednesday);
        var statistics = new SimulatorStatistics();
        IReadOnlyList<DeviceGroup> groups = [new() { Model = DeviceModel.Noise, Count = 200, Interval = TimeSpan.FromSeconds(1) }];
        var scheduler = new FleetScheduler(
            FleetBuilder.Build(groups, new CitySettings(), seed, PayloadFormat.Json),
            new SchedulerSettings { Seed = seed, Faults = Rates },
            statistics,
            time);
        var messages = new List<(DateTimeOffset, OutgoingMessage)>();
        var batch = new List<OutgoingMessage>();
        for (var step = 0; step < 1000; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            batch.Clear();
            scheduler.TakeDue(time.GetUtcNow(), batch);
            messages.AddRange(batch.Select(m => (time.GetUtcNow(), m)));
        }

        batch.Clear();
        scheduler.Flush(batch);
        messages.AddRange(batch.Select(m => (time.GetUtcNow(), m)));
        return (messages, statistics, scheduler);
    }
}
