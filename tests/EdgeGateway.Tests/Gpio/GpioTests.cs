using System.Net.Sockets;
using System.Text;
using EdgeGateway.Hardware.Gpio;
using EdgeGateway.Sources.Gpio;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Gpio;

public sealed class GpioTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    [Fact]
    public void The_libgpiod_chip_names_the_missing_chip_and_the_likely_cause()
    {
        // There is no /dev/gpiochip* on this machine (nor on CI): the real wrapper must say so clearly.
        var error = Assert.Throws<GpioException>(() => LibGpiodChip.Open("gpiochip7"));
        Assert.Contains("GPIO chip 'gpiochip7' not found: /dev/gpiochip7 does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("gpiodetect", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_libgpiod_chip_refuses_a_device_that_is_not_a_gpio_chip()
    {
        var error = Assert.Throws<GpioException>(() => LibGpiodChip.Open("/dev/null"));
        Assert.Contains("GPIO chip '/dev/null'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_simulated_chip_delivers_injected_edges_with_their_timestamps_and_levels()
    {
        using var chip = new SimulatedGpioChip();
        using var line = chip.RequestInput(17, new GpioInputOptions { Bias = GpioBias.PullUp });
        Assert.True(line.Read());
        Assert.Null(line.WaitForEdge(TimeSpan.Zero, Token));

        var waiting = Task.Run(() => line.WaitForEdge(TestTimeouts.Default, Token), Token);
        chip.InjectEdge(17, GpioEdge.Falling, Ms(1500));
        Assert.Equal(new GpioEdgeEvent(GpioEdge.Falling, Ms(1500)), await Eventually.WithinAsync(waiting, "the edge"));
        Assert.False(line.Read());

        Assert.Throws<GpioException>(() => chip.RequestInput(17, new GpioInputOptions()));
        using var relay = chip.RequestOutput(5, initialValue: false);
        relay.Write(true);
        Assert.True(chip.OutputLevel(5));
    }

    [Fact]
    public void Cancelling_ends_a_wait_for_an_edge()
    {
        using var chip = new SimulatedGpioChip();
        using var line = chip.RequestInput(3, new GpioInputOptions());
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => line.WaitForEdge(TimeSpan.FromHours(1), cancelled.Token));
    }

    [Fact]
    public void Clean_pulses_are_all_counted_and_become_vehicles_per_minute()
    {
        var counter = new PulseCounter(debounce: Ms(20));

        // A car every 2 s for a minute: 30 falling edges, each followed by a rising one 300 ms later.
        for (var i = 0; i < 30; i++)
        {
            counter.OnEdge(new GpioEdgeEvent(GpioEdge.Falling, Ms(i * 2000)));
            counter.OnEdge(new GpioEdgeEvent(GpioEdge.Rising, Ms((i * 2000) + 300)));
        }

        var pulses = counter.TakeWindow();
        Assert.Equal(30, pulses);
        Assert.Equal(30.0, PulseCounter.Rate(pulses, TimeSpan.FromMinutes(1), 1, TimeSpan.FromMinutes(1)));
        Assert.Equal(0, counter.TakeWindow());
    }

    [Fact]
    public void Contact_bounce_within_the_debounce_time_counts_once()
    {
        var counter = new PulseCounter(debounce: Ms(20));

        // A reed switch closing bounces for ~5 ms: F R F R F, then stays closed.
        double[] bounce = [0, 1, 2.5, 3, 5];
        for (var tip = 0; tip < 3; tip++)
        {
            for (var i = 0; i < bounce.Length; i++)
            {
                counter.OnEdge(new GpioEdgeEvent(i % 2 == 0 ? GpioEdge.Falling : GpioEdge.Rising, Ms((tip * 10_000) + bounce[i])));
            }
        }

        Assert.Equal(3, counter.TakeWindow());
        Assert.Equal(6, counter.Bounces);
    }

    [Fact]
    public void A_burst_of_real_pulses_faster_than_the_debounce_time_is_capped_not_miscounted()
    {
        var counter = new PulseCounter(debounce: Ms(50));

        // 10 pulses 100 ms apart (all real), then 10 at 10 ms (faster than any real source: bounce or noise).
        for (var i = 0; i < 10; i++)
        {
            counter.OnEdge(new GpioEdgeEvent(GpioEdge.Falling, Ms(i * 100)));
        }

        for (var i = 0; i < 10; i++)
        {
            counter.OnEdge(new GpioEdgeEvent(GpioEdge.Falling, Ms(2000 + (i * 10))));
        }

        // 10 + the burst's pulses at least 50 ms apart (2000, 2050).
        Assert.Equal(12, counter.TakeWindow());
        Assert.Equal(8, counter.Bounces);
    }

    [Fact]
    public void Rain_gauge_tips_become_millimetres_per_hour()
    {
        var counter = new PulseCounter(debounce: Ms(100));
        for (var i = 0; i < 12; i++)
        {
            counter.OnEdge(new GpioEdgeEvent(GpioEdge.Falling, TimeSpan.FromSeconds(i * 25)));
        }

        // 12 tips of 0.2794 mm in a 5-minute window → 40.23 mm/h.
        Assert.Equal(40.2336, PulseCounter.Rate(counter.TakeWindow(), TimeSpan.FromMinutes(5), 0.2794, TimeSpan.FromHours(1)), 4);
    }

    [Fact]
    public void A_door_contact_reports_one_change_per_settled_state_and_none_for_a_glitch()
    {
        var door = new ContactDebouncer(settle: Ms(50), initial: false);

        // Opening with bounce: R F R at 0, 2, 4 ms, then it stays high.
        Assert.Null(door.OnEdge(new GpioEdgeEvent(GpioEdge.Rising, Ms(0))));
        Assert.Null(door.OnEdge(new GpioEdgeEvent(GpioEdge.Falling, Ms(2))));
        Assert.Null(door.OnEdge(new GpioEdgeEvent(GpioEdge.Rising, Ms(4))));
        Assert.Equal(Ms(54), door.SettlesAt);
        Assert.Null(door.Settle(Ms(40)));
        Assert.True(door.Settle(Ms(54)));
        Assert.Null(door.Settle(Ms(100)));

        // A 10 ms glitch low and back: no change reported.
        Assert.Null(door.OnEdge(new GpioEdgeEvent(GpioEdge.Falling, Ms(1000))));
        Assert.Null(door.OnEdge(new GpioEdgeEvent(GpioEdge.Rising, Ms(1010))));
        Assert.Null(door.Settle(Ms(2000)));

        // Closing for good: the next edge, long after, proves the settled low.
        Assert.Null(door.OnEdge(new GpioEdgeEvent(GpioEdge.Falling, Ms(3000))));
        Assert.False(door.OnEdge(new GpioEdgeEvent(GpioEdge.Rising, Ms(9000))));
        Assert.False(door.Reported);
    }

    [Fact]
    public async Task A_socket_chip_takes_levels_and_edges_from_the_simulator_and_fails_when_the_socket_closes()
    {
        using var directory = TempDirectory.Create("gpio-socket");
        var path = directory.File("gpio.sock");
        var missing = Assert.Throws<GpioException>(() => GpioChips.Open($"sim:{path}"));
        Assert.Contains($"GPIO chip 'sim:{path}': cannot connect", missing.Message, StringComparison.Ordinal);
        Assert.Contains("firmware-sim", missing.Message, StringComparison.Ordinal);

        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        var connecting = Task.Run(() => GpioChips.Open($"sim:{path}"), Token);
        using var simulator = await listener.AcceptAsync(Token);
        await simulator.SendAsync(Encoding.ASCII.GetBytes("level 5 1\nlevel 9 0\nready\n"), Token);
        using var chip = await Eventually.WithinAsync(connecting, "the chip connects");
        Assert.Equal($"sim:{path}", chip.Name);

        using var line = chip.RequestInput(5, new GpioInputOptions());
        Assert.True(line.Read());
        using var reader = new StreamReader(new NetworkStream(simulator), Encoding.ASCII);
        Assert.Equal("request 5", await reader.ReadLineAsync(Token));

        // Line 9 is not requested: only its level is kept, for when it is.
        await simulator.SendAsync(Encoding.ASCII.GetBytes("edge 9 rising 7\nedge 5 falling 1500000000\n"), Token);
        Assert.Equal(new GpioEdgeEvent(GpioEdge.Falling, TimeSpan.FromSeconds(1.5)), line.WaitForEdge(TestTimeouts.Default, Token));
        Assert.False(line.Read());
        using (var other = chip.RequestInput(9, new GpioInputOptions()))
        {
            Assert.True(other.Read());
        }

        simulator.Shutdown(SocketShutdown.Both);
        var lost = Assert.Throws<GpioException>(() => line.WaitForEdge(TestTimeouts.Default, Token));
        Assert.Contains("the simulator closed its socket", lost.Message, StringComparison.Ordinal);
    }
}
