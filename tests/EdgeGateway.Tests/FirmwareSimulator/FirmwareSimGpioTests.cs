using FirmwareSim.Cli;
using FirmwareSim.Devices;
using FirmwareSim.Gpio;
using Xunit;
using static EdgeGateway.Tests.FirmwareSimulator.SimulatorTestSupport;

namespace EdgeGateway.Tests.FirmwareSimulator;

public sealed class FirmwareSimGpioTests
{
    [Fact]
    public void A_counter_gives_pulses_of_the_set_width_at_the_requested_rate()
    {
        var edges = PulseTrains.Counter(_ => 2.0, 2.0, Wednesday, Wednesday.AddHours(1), TimeSpan.FromMilliseconds(20), new Random(1)).ToList();

        var pulses = edges.Chunk(2).ToList();
        Assert.All(pulses, p => Assert.Equal((EdgeKind.Rising, EdgeKind.Falling, TimeSpan.FromMilliseconds(20)), (p[0].Kind, p[1].Kind, p[1].Time - p[0].Time)));
        Assert.False(PulseTrains.LevelAfter(edges, initial: false));

        // 7200 expected; Poisson spread is 85, and a few arrivals fall inside a pulse and are lost (4 %).
        Assert.InRange(pulses.Count, 6500, 7400);
        Assert.Equal(edges, PulseTrains.Counter(_ => 2.0, 2.0, Wednesday, Wednesday.AddHours(1), TimeSpan.FromMilliseconds(20), new Random(1)));
    }

    [Fact]
    public void A_traffic_loop_counts_more_vehicles_at_rush_hour()
    {
        var device = new SimulatedDevice(Profile(DeviceModel.Traffic), 3, Wednesday);
        var traffic = (TrafficSignal)device.Signal;
        int Vehicles(double hour) => PulseTrains.Counter(traffic.VehicleRate, 1.0, LocalHour(hour), LocalHour(hour).AddMinutes(30), TimeSpan.FromMilliseconds(150), new Random(4)).Count() / 2;

        Assert.True(Vehicles(8) > 3 * Vehicles(3), $"{Vehicles(8)} at 08:00, {Vehicles(3)} at 03:00");
    }

    [Fact]
    public void A_rain_gauge_pulses_once_per_tip_of_the_bucket()
    {
        var device = new SimulatedDevice(Profile(DeviceModel.Weather, interval: TimeSpan.FromMinutes(10)), 9, Wednesday);
        var weather = (WeatherSignal)device.Signal;
        var tips = new List<DateTimeOffset>();
        var counted = 0;
        for (var i = 0; i < 6 * 24 * 30; i++)
        {
            counted += (int)device.SampleScheduled().Values[5];
            tips.AddRange(weather.LastTipTimes);
        }

        var edges = PulseTrains.AtTimes(tips, TimeSpan.FromMilliseconds(100), new Random(2)).ToList();

        Assert.True(counted > 0);
        Assert.Equal(2 * counted, edges.Count);
        Assert.Equal(tips.Order(), edges.Where(e => e.Kind == EdgeKind.Rising).Select(e => e.Time));
    }

    [Fact]
    public void Bounce_adds_short_extra_pairs_that_settle_to_the_real_level()
    {
        var bounce = new BounceSettings(3, TimeSpan.FromMilliseconds(5));
        var edges = PulseTrains.Contact(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), Wednesday, Wednesday.AddDays(1), startsClosed: false, new Random(7), bounce).ToList();

        var level = PulseTrains.LevelAfter(edges, initial: false);
        var clean = PulseTrains.Contact(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), Wednesday, Wednesday.AddDays(1), startsClosed: false, new Random(7)).ToList();
        Assert.True(edges.Count > clean.Count * 2, $"{edges.Count} edges with bounce, {clean.Count} without");

        // Debounced (changes closer than the window ignored), the contact changes ~ 2 × 24 h / 12 min times.
        var settled = new List<GpioEdge>();
        foreach (var edge in edges)
        {
            if (settled.Count > 0 && edge.Time - settled[^1].Time < bounce.Window)
            {
                continue;
            }

            settled.Add(edge);
        }

        Assert.InRange(settled.Count, 160, 330);
        Assert.Equal(settled.Count % 2 == 1, level);
        Assert.All(settled.Zip(settled.Skip(1)), p => Assert.NotEqual(p.First.Kind, p.Second.Kind));
    }

    [Fact]
    public void Contacts_stay_closed_and_open_for_their_mean_times()
    {
        var edges = PulseTrains.Contact(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(4), Wednesday, Wednesday.AddDays(7), startsClosed: true, new Random(5)).ToList();

        Assert.Equal(EdgeKind.Falling, edges[0].Kind);
        var closed = edges.Zip(edges.Skip(1)).Where(p => p.First.Kind == EdgeKind.Rising).Select(p => (p.Second.Time - p.First.Time).TotalMinutes).Average();
        var open = edges.Zip(edges.Skip(1)).Where(p => p.First.Kind == EdgeKind.Falling).Select(p => (p.Second.Time - p.First.Time).TotalMinutes).Average();
        Assert.InRange(closed, 0.9, 1.1);
        Assert.InRange(open, 3.6, 4.4);
    }

    [Fact]
    public void Gpio_line_specs_are_parsed_and_bad_ones_are_named()
    {
        var settings = SimulatorCommandLine.ParseSettings(
            ["--gpio-socket", "/tmp/fwsim-gpio.sock", "--gpio", "counter:17:rate=4:width=30ms:bounce=2/5ms,contact:22:closed=2s:open=3s:start=closed:name=door"],
            out var problems);
        Assert.Empty(problems);
        var lines = settings!.Gpio;
        Assert.Equal("/tmp/fwsim-gpio.sock", settings.GpioSocket);
        Assert.Equal((GpioLineKind.Counter, 17, "counter-17", 4.0, TimeSpan.FromMilliseconds(30)), (lines[0].Kind, lines[0].Offset, lines[0].Name, lines[0].Rate, lines[0].Width));
        Assert.Equal(new BounceSettings(2, TimeSpan.FromMilliseconds(5)), lines[0].Bounce);
        Assert.Equal((GpioLineKind.Contact, "door", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), true), (lines[1].Kind, lines[1].Name, lines[1].MeanClosed, lines[1].MeanOpen, lines[1].StartsClosed));

        SimulatorCommandLine.ParseSettings(["--gpio-socket", "/tmp/fwsim-gpio.sock", "--gpio", "counter:17:closed=2s,switch:3,contact:17"], out problems);
        Assert.Contains(problems, p => p.Contains("'closed=2s'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'switch:3'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("line 17 is given twice", StringComparison.Ordinal));

        SimulatorCommandLine.ParseSettings(["--gpio", "counter:17"], out problems);
        Assert.Contains(problems, p => p.Contains("--gpio-socket PATH and --gpio LIST go together", StringComparison.Ordinal));
    }
}
