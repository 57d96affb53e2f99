using EdgeGateway.Buffering;
using EdgeGateway.Context;
using EdgeGateway.Domain;
using EdgeGateway.Hardware.Gpio;
using EdgeGateway.Pipeline;
using EdgeGateway.Sources.Gpio;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Time;
using EdgeGateway.Testing.Waiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;

namespace EdgeGateway.Tests.Gpio;

/// <summary>The GPIO source on the simulated chip, through the real ingest path into a real buffer.</summary>
public sealed class GpioSourceTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("gpio");
    private DeviceRegistry _registry = null!;
    private ReadingBuffer _buffer = null!;
    private ReadingIngestor? _ingestor;

    public override async ValueTask InitializeAsync()
    {
        _registry = await DeviceRegistry.OpenAsync(_directory.File("registry.db"), TimeProvider.System, LoggerFactory.CreateLogger<DeviceRegistry>(), CancellationToken);
        _buffer = new ReadingBuffer(new BufferOptions { Path = _directory.File("buffer.db") }, TimeProvider.System, LoggerFactory.CreateLogger<ReadingBuffer>());
    }

    protected override async ValueTask CleanUpAsync()
    {
        await _buffer.DisposeAsync();
        await _registry.DisposeAsync();
        _directory.Dispose();
    }

    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    [Fact]
    public async Task Counters_turn_bouncy_pulse_trains_and_bursts_into_rates_per_window_on_the_gateway_clock()
    {
        using var chip = new SimulatedGpioChip();
        var clock = new FakeTimeProvider();
        var source = Source(chip, clock, new GpioOptions
        {
            Chip = "sim",
            Lines =
            [
                new GpioLineOptions { Offset = 17, Name = "loop-n", DeviceId = "traffic-01", Metric = "vehicle_rate", Unit = "vehicles/min", CountMetric = "vehicles", Debounce = Ms(10), Window = TimeSpan.FromMinutes(1) },
                new GpioLineOptions { Offset = 18, DeviceId = "rain-01", Metric = "rain_rate", Unit = "mm/h", Scale = 0.2794, Per = TimeSpan.FromHours(1), Window = TimeSpan.FromMinutes(5), Edge = GpioEdge.Falling, Debounce = Ms(50) },
            ],
        });
        await source.StartAsync(CancellationToken);
        await Eventually.TrueAsync(() => source.Lines.All(l => l.IsOpen), "the lines are open", cancellationToken: CancellationToken);

        // 20 cars, 2 s apart, 60 ms over the loop, with contact bounce after both edges; then a
        // platoon of 10 cars 30 ms apart (faster than any bounce window, slower than the debounce).
        var t = 0.0;
        for (var car = 0; car < 20; car++, t += 2000)
        {
            Pulse(chip, 17, t, width: 60, bounceAfterBothEdges: true);
        }

        for (var car = 0; car < 10; car++, t += 30)
        {
            Pulse(chip, 17, t, width: 15, bounceAfterBothEdges: false);
        }

        // 12 tips of the rain gauge's bucket (falling edges count), each with a bounce pair.
        for (var tip = 0; tip < 12; tip++)
        {
            var at = tip * 25_000.0;
            chip.InjectEdge(18, GpioEdge.Falling, Ms(at));
            chip.InjectEdge(18, GpioEdge.Rising, Ms(at + 1));
            chip.InjectEdge(18, GpioEdge.Falling, Ms(at + 2));
            chip.InjectEdge(18, GpioEdge.Rising, Ms(at + 200));
        }

        var loop = source.Lines[0];
        var rain = source.Lines[1];
        await Eventually.TrueAsync(() => loop.Pulses == 30 && rain.Pulses == 12, "every pulse counted", cancellationToken: CancellationToken);
        Assert.Equal(40, loop.Bounces);
        Assert.Equal(12, rain.Bounces);

        // Minute by minute: a periodic timer keeps one pending tick, so each window is awaited.
        for (var minute = 1; minute <= 5; minute++)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await Eventually.TrueAsync(() => loop.Readings == minute, $"the loop's window {minute}", cancellationToken: CancellationToken);
        }

        await Eventually.TrueAsync(() => rain.Readings == 1, "the rain gauge's first window", cancellationToken: CancellationToken);
        var readings = await ReadingsAsync((5 * 2) + 1);
        await source.StopAsync(CancellationToken);

        var rates = readings.Where(r => r.Metric == "vehicle_rate").ToList();
        Assert.Equal([30.0, 0, 0, 0, 0], rates.Select(r => r.Value));
        Assert.All(rates, r => Assert.Equal("vehicles/min", r.Unit));
        Assert.Equal(
            Enumerable.Range(1, 5).Select(m => new DateTimeOffset(2026, 1, 1, 0, m, 0, TimeSpan.Zero)),
            rates.Select(r => r.EventTime!.Value));
        Assert.Equal([30.0, 0, 0, 0, 0], readings.Where(r => r.Metric == "vehicles").Select(r => r.Value));
        var rainRate = Assert.Single(readings, r => r.Metric == "rain_rate");
        Assert.Equal(40.2336, rainRate.Value, 4);
        Assert.Equal("rain-01", rainRate.DeviceId.Value);
    }

    [Fact]
    public async Task Stopping_reports_a_counters_unfinished_window_over_the_time_it_lasted()
    {
        using var chip = new SimulatedGpioChip();
        var clock = new FakeTimeProvider();
        var source = Source(chip, clock, new GpioOptions
        {
            Chip = "sim",
            Lines = [new GpioLineOptions { Offset = 17, Name = "loop-s", DeviceId = "traffic-02", Metric = "vehicle_rate", Unit = "vehicles/min", CountMetric = "vehicles", Debounce = Ms(10), Window = TimeSpan.FromHours(1) }],
        });
        await source.StartAsync(CancellationToken);
        var loop = source.Lines[0];
        await Eventually.TrueAsync(() => loop.IsOpen, "the line is open", cancellationToken: CancellationToken);
        for (var car = 0; car < 3; car++)
        {
            Pulse(chip, 17, car * 2000.0, width: 60, bounceAfterBothEdges: false);
        }

        await Eventually.TrueAsync(() => loop.Pulses == 3, "three cars counted", cancellationToken: CancellationToken);

        // Ten minutes into the hour's window the gateway stops (an upgrade, a reboot): the three cars are
        // not lost with the window, they are reported over the ten minutes it lasted.
        clock.Advance(TimeSpan.FromMinutes(10));
        await source.StopAsync(CancellationToken);

        Assert.Equal(2, _ingestor!.ReadingsIngested);
        var readings = await ReadingsAsync(2);
        Assert.Equal(0.3, Assert.Single(readings, r => r.Metric == "vehicle_rate").Value, 6);
        Assert.Equal(3.0, Assert.Single(readings, r => r.Metric == "vehicles").Value);
        Assert.All(readings, r => Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 10, 0, TimeSpan.Zero), r.EventTime));
    }

    [Fact]
    public async Task A_contact_reports_its_level_then_one_reading_per_settled_change_and_none_for_a_glitch()
    {
        using var chip = new SimulatedGpioChip();
        var source = Source(chip, TimeProvider.System, new GpioOptions
        {
            Chip = "sim",
            Lines = [new GpioLineOptions { Offset = 22, Name = "door", DeviceId = "cabinet-07", Kind = GpioLineKind.Contact, Metric = "door_open", Debounce = Ms(30), Bias = GpioLineBias.PullDown }],
        });
        await source.StartAsync(CancellationToken);
        var door = source.Lines[0];
        await Eventually.TrueAsync(() => door.IsOpen && door.Readings == 1, "the door's level at the start", cancellationToken: CancellationToken);
        Assert.False(door.Level);

        // Opening, with bounce: one change once the level has held for the settle time.
        chip.InjectEdge(22, GpioEdge.Rising, Ms(0));
        chip.InjectEdge(22, GpioEdge.Falling, Ms(2));
        chip.InjectEdge(22, GpioEdge.Rising, Ms(4));
        await Eventually.TrueAsync(() => door.Changes == 1, "the door is open", cancellationToken: CancellationToken);
        Assert.True(door.Level);

        // A 10 ms glitch (shorter than the settle time), then closing for good.
        chip.InjectEdge(22, GpioEdge.Falling, Ms(1000));
        chip.InjectEdge(22, GpioEdge.Rising, Ms(1010));
        chip.InjectEdge(22, GpioEdge.Falling, Ms(5000));
        chip.InjectEdge(22, GpioEdge.Rising, Ms(5001));
        chip.InjectEdge(22, GpioEdge.Falling, Ms(5003));
        await Eventually.TrueAsync(() => door.Changes == 2, "the door is closed", cancellationToken: CancellationToken);
        var readings = await ReadingsAsync(3);
        await source.StopAsync(CancellationToken);

        Assert.Equal(2, door.Changes);
        Assert.Equal([0.0, 1, 0], readings.Select(r => r.Value));
        Assert.All(readings, r => Assert.Equal("door_open", r.Metric));
        Assert.All(readings, r => Assert.Equal("cabinet-07", r.DeviceId.Value));
    }

    [Fact]
    public async Task A_chip_that_goes_away_is_reported_once_and_its_lines_are_watched_again_when_it_returns()
    {
        var chips = new List<SimulatedGpioChip>();
        var opener = new Opener(() =>
        {
            if (chips.Count == 1 && !Logs.Entries.Any(e => e.Message.Contains("still unavailable", StringComparison.Ordinal)))
            {
                throw new GpioException("GPIO chip 'sim': gone for now");
            }

            var chip = new SimulatedGpioChip();
            chips.Add(chip);
            return chip;
        });
        var source = new GpioSource(
            Options.Create(new GpioOptions
            {
                Chip = "sim",
                ReconnectDelay = Ms(20),
                ReconnectMaxDelay = Ms(50),
                Lines = [new GpioLineOptions { Offset = 4, DeviceId = "meter-01", Metric = "energy_rate", Window = TimeSpan.FromHours(1), Debounce = TimeSpan.Zero }],
            }),
            opener,
            Ingestor(TimeProvider.System),
            TimeProvider.System,
            LoggerFactory.CreateLogger<GpioSource>());
        await source.StartAsync(CancellationToken);
        var line = source.Lines[0];
        await Eventually.TrueAsync(() => line.IsOpen, "the line is open", cancellationToken: CancellationToken);
        chips[0].InjectEdge(4, GpioEdge.Rising, Ms(1));
        await Eventually.TrueAsync(() => line.Pulses == 1, "a pulse", cancellationToken: CancellationToken);

        chips[0].Fail("the simulator closed its socket");
        await Eventually.TrueAsync(() => chips.Count == 2 && line.IsOpen, "the chip is reopened", cancellationToken: CancellationToken);
        chips[1].InjectEdge(4, GpioEdge.Rising, Ms(1));
        await Eventually.TrueAsync(() => line.Pulses == 2, "a pulse after the return", cancellationToken: CancellationToken);
        await source.StopAsync(CancellationToken);

        Assert.Single(Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("GPIO chip sim lost: GPIO chip 'simulated': the simulator closed its socket", StringComparison.Ordinal));
        Assert.Single(Logs.Entries, e => e.Message.Contains("GPIO chip sim back", StringComparison.Ordinal));
        Assert.DoesNotContain(Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("unavailable", StringComparison.Ordinal));
        foreach (var chip in chips)
        {
            chip.Dispose();
        }
    }

    [Fact]
    public async Task A_line_that_cannot_be_requested_is_logged_and_the_others_run()
    {
        Logs.ExpectErrors(e => e.EventId.Id == 625);
        using var chip = new SimulatedGpioChip(lineCount: 8);
        var source = Source(chip, TimeProvider.System, new GpioOptions
        {
            Chip = "sim",
            Lines =
            [
                new GpioLineOptions { Offset = 40, Name = "far", DeviceId = "x-01", Metric = "rate" },
                new GpioLineOptions { Offset = 3, Name = "near", DeviceId = "x-02", Kind = GpioLineKind.Contact, Metric = "state" },
            ],
        });
        await source.StartAsync(CancellationToken);
        await Eventually.TrueAsync(() => source.Lines[1].Readings == 1 && source.Lines[0].LastError is not null, "one line watched, one refused", cancellationToken: CancellationToken);
        await source.StopAsync(CancellationToken);

        Assert.False(source.Lines[0].IsOpen);
        Assert.Contains("there is no line 40", source.Lines[0].LastError, StringComparison.Ordinal);
        Assert.Single(Logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("GPIO line far cannot be used", StringComparison.Ordinal));
    }


    [Fact]
    public async Task A_contact_change_still_settling_when_the_chip_goes_away_is_reported_with_the_last_level()
    {
        var chips = new List<SimulatedGpioChip>();
        var source = new GpioSource(
            Options.Create(new GpioOptions
            {
                Chip = "sim",
                ReconnectDelay = TimeSpan.FromMinutes(1),
                ReconnectMaxDelay = TimeSpan.FromMinutes(1),
                Lines = [new GpioLineOptions { Offset = 9, Name = "lid", DeviceId = "cabinet-09", Kind = GpioLineKind.Contact, Metric = "lid_open", Debounce = TimeSpan.FromSeconds(10) }],
            }),
            new Opener(() =>
            {
                var chip = new SimulatedGpioChip();
                chips.Add(chip);
                return chip;
            }),
            Ingestor(TimeProvider.System),
            TimeProvider.System,
            LoggerFactory.CreateLogger<GpioSource>());
        await source.StartAsync(CancellationToken);
        var lid = source.Lines[0];
        await Eventually.TrueAsync(() => lid.IsOpen && lid.Readings == 1, "the lid's level at the start", cancellationToken: CancellationToken);

        // Opened, with bounce, then the chip goes before the 10 s settle time: the last level seen counts.
        chips[0].InjectEdge(9, GpioEdge.Rising, Ms(0));
        chips[0].InjectEdge(9, GpioEdge.Falling, Ms(1));
        chips[0].InjectEdge(9, GpioEdge.Rising, Ms(2));
        chips[0].Fail("the simulator closed its socket");
        var readings = await ReadingsAsync(2);
        await source.StopAsync(CancellationToken);

        Assert.Equal([0.0, 1], readings.Select(r => r.Value));
        Assert.Equal(1, lid.Changes);
        chips[0].Dispose();
    }

    /// <summary>A pulse (rising, then falling after <paramref name="width"/> ms), optionally with two bounce pairs after each edge.</summary>
    private static void Pulse(SimulatedGpioChip chip, int offset, double at, double width, bool bounceAfterBothEdges)
    {
        chip.InjectEdge(offset, GpioEdge.Rising, Ms(at));
        if (bounceAfterBothEdges)
        {
            chip.InjectEdge(offset, GpioEdge.Falling, Ms(at + 0.5));
            chip.InjectEdge(offset, GpioEdge.Rising, Ms(at + 1));
        }

        chip.InjectEdge(offset, GpioEdge.Falling, Ms(at + width));
        if (bounceAfterBothEdges)
        {
            chip.InjectEdge(offset, GpioEdge.Rising, Ms(at + width + 1));
            chip.InjectEdge(offset, GpioEdge.Falling, Ms(at + width + 3));
        }
    }

    private async Task<List<Reading>> ReadingsAsync(int count)
    {
        // Read once they are committed: reading a batch marks its rows in flight.
        await Eventually.TrueAsync(() => _ingestor!.ReadingsIngested >= count, $"{count} readings committed", cancellationToken: CancellationToken);
        var rows = await _buffer.ReadBatchAsync(1000, 1 << 20, CancellationToken);
        return [.. rows.Select(r => ReadingSerializer.Deserialize(r.Payload.Span))];
    }

    private ReadingIngestor Ingestor(TimeProvider clock) => _ingestor = new(
        new ContextEnricher(_registry, Options.Create(new ContextOptions())),
        _buffer,
        new DeviceSequencer(),
        clock,
        LoggerFactory.CreateLogger<ReadingIngestor>());

    private GpioSource Source(SimulatedGpioChip chip, TimeProvider clock, GpioOptions options) =>
        new(Options.Create(options), new Opener(() => new Unowned(chip)), Ingestor(clock), clock, LoggerFactory.CreateLogger<GpioSource>());

    private sealed class Opener(Func<IGpioChip> open) : IGpioChipOpener
    {
        public IGpioChip Open(string chip) => open();
    }

    /// <summary>The test's chip, which the source may "close" without disposing it.</summary>
    private sealed class Unowned(SimulatedGpioChip chip) : IGpioChip
    {
        public string Name => chip.Name;

        public IGpioInputLine RequestInput(int offset, GpioInputOptions options) => chip.RequestInput(offset, options);

        public IGpioOutputLine RequestOutput(int offset, bool initialValue, string consumer = "edge-gateway") => chip.RequestOutput(offset, initialValue, consumer);

        public void Dispose()
        {
        }
    }
}
