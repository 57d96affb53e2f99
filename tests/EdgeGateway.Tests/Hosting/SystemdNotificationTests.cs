using System.Collections;
using EdgeGateway.Hosting;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace EdgeGateway.Tests.Hosting;

/// <summary>
/// Issue 9: <c>Type=notify</c> — the gateway tells systemd when it is ready, feeds the watchdog and
/// says when it stops, through the datagram socket in <c>$NOTIFY_SOCKET</c>.
/// </summary>
public sealed class SystemdNotificationTests : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("notify");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Settings_are_read_from_the_environment_systemd_sets()
    {
        var settings = SystemdSettings.FromEnvironment(new Hashtable
        {
            ["NOTIFY_SOCKET"] = "/run/systemd/notify",
            ["WATCHDOG_USEC"] = "30000000",
            ["WATCHDOG_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        Assert.Equal("/run/systemd/notify", settings.NotifySocket);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.WatchdogInterval);
    }

    [Theory]
    [InlineData(null, null, "no watchdog configured")]
    [InlineData("0", null, "zero disables it")]
    [InlineData("abc", null, "not a number")]
    [InlineData("30000000", "1", "the watchdog is for another process")]
    public void No_watchdog_when_it_is_off_or_meant_for_another_process(string? usec, string? pid, string why)
    {
        var settings = SystemdSettings.FromEnvironment(new Hashtable { ["WATCHDOG_USEC"] = usec, ["WATCHDOG_PID"] = pid });

        Assert.True(settings.WatchdogInterval is null, why);
        Assert.Null(settings.NotifySocket);
    }

    [Fact]
    public async Task A_host_reports_ready_feeds_the_watchdog_and_reports_stopping()
    {
        using var listener = new NotifyListener(_directory.File("notify.sock"));
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddCriticalFailureTracking();
        builder.Services.AddSystemdNotification(new SystemdSettings(listener.Path, TimeSpan.FromMilliseconds(200)));
        using var host = builder.Build();

        await host.StartAsync(Token);
        var ready = await listener.WaitForAsync("READY=1", Token);
        await listener.WaitForAsync("WATCHDOG=1", Token);
        await listener.WaitForAsync("WATCHDOG=1", Token);
        await host.StopAsync(Token);
        await listener.WaitForAsync("STOPPING=1", Token);

        Assert.Contains($"MAINPID={Environment.ProcessId}", ready, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_NOTIFY_SOCKET_the_notifier_does_nothing()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddCriticalFailureTracking();
        builder.Services.AddSystemdNotification(new SystemdSettings(null, TimeSpan.FromMilliseconds(100)));
        using var host = builder.Build();

        await host.StartAsync(Token);

        // .NET 10 runs ExecuteAsync on the thread pool, so wait for it (before stopping: a stop could cancel
        // a loop that had not begun, which would pass for the wrong reason).
        var notifier = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().Single();
        await notifier.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30), Token);
        Assert.True(notifier.ExecuteTask.IsCompletedSuccessfully, "the watchdog loop returns by itself without a socket");
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task The_real_gateway_process_notifies_systemd_once_it_runs()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: Token);
        await using var kafka = KafkaFixture.Start();
        using var rig = new GatewayRig("notify-e2e");
        rig.WriteDevices(Sensor.Fleet(1));
        var config = rig.WriteConfiguration(broker, kafka.BootstrapServers, kafka.CreateUniqueTopic("edge.readings"));
        using var listener = new NotifyListener(_directory.File("gateway-notify.sock"));

        await using var gateway = DotNetPrograms.StartGateway(
            ["run", "--config", config],
            new Dictionary<string, string?> { ["NOTIFY_SOCKET"] = listener.Path, ["WATCHDOG_USEC"] = "400000" });
        var ready = await listener.WaitForAsync("READY=1", Token);
        await listener.WaitForAsync("WATCHDOG=1", Token);
        gateway.Terminate();
        await listener.WaitForAsync("STOPPING=1", Token);
        await gateway.WaitForExitAsync(cancellationToken: Token);

        Assert.Contains($"MAINPID={gateway.Pid}", ready, StringComparison.Ordinal);
        Assert.Equal(0, gateway.ExitCode);
    }
}
