using System.Text.Json;
using EdgeGateway.Buffering;
using EdgeGateway.Hosting;
using EdgeGateway.Observability;
using EdgeGateway.Sources;
using EdgeGateway.Sources.Serial;
using EdgeGateway.Tests.Buffering;
using Xunit;

namespace EdgeGateway.Tests.Observability;

/// <summary>What <c>/healthz</c>, <c>/readyz</c> and the watchdog decide from the gateway's state.</summary>
public sealed class GatewayHealthTests
{
    private readonly CriticalFailures _failures = new();
    private MqttSourceState _mqtt = MqttSourceState.Connected;
    private BufferStatistics _buffer = Buffer(bytes: 100, capacity: 1000, oldest: TimeSpan.FromSeconds(5), blocked: false);
    private long _freeDisk = 10_000_000;
    private bool _stopping;
    private bool _writerRunning = true;

    [Fact]
    public void A_connected_gateway_with_room_is_alive_and_ready()
    {
        var health = Health();

        Assert.True(health.CheckLive().IsHealthy);
        var ready = health.CheckReady();
        Assert.True(ready.IsHealthy, string.Join("; ", ready.Failures.Select(f => f.Detail)));
        Assert.Equal(["critical-loops", "host", "mqtt", "buffer-writable", "buffer-size", "buffer-age", "disk"], ready.Checks.Select(c => c.Name));
    }

    [Theory]
    [InlineData("mqtt-disconnected", "mqtt")]
    [InlineData("buffer-fill", "buffer-size")]
    [InlineData("buffer-blocked", "buffer-size")]
    [InlineData("buffer-age", "buffer-age")]
    [InlineData("disk", "disk")]
    [InlineData("writer", "buffer-writable")]
    [InlineData("stopping", "host")]
    public void Each_limit_makes_the_gateway_not_ready_naming_the_check_but_leaves_it_alive(string condition, string failedCheck)
    {
        switch (condition)
        {
            case "mqtt-disconnected":
                _mqtt = MqttSourceState.Disconnected;
                break;

            case "buffer-fill":
                _buffer = Buffer(bytes: 950, capacity: 1000, oldest: null, blocked: false);
                break;

            case "buffer-blocked":
                _buffer = Buffer(bytes: 10, capacity: 1000, oldest: null, blocked: true);
                break;

            case "buffer-age":
                _buffer = Buffer(bytes: 10, capacity: 1000, oldest: TimeSpan.FromHours(13), blocked: false);
                break;

            case "disk":
                _freeDisk = 1000;
                break;

            case "writer":
                _writerRunning = false;
                break;

            case "stopping":
                _stopping = true;
                break;
        }

        var health = Health();

        var ready = health.CheckReady();
        Assert.False(ready.IsHealthy);
        Assert.Equal([failedCheck], ready.Failures.Select(f => f.Name));
        Assert.True(health.CheckLive().IsHealthy);
    }

    [Fact]
    public void Without_MQTT_subscriptions_the_broker_is_not_a_readiness_condition()
    {
        _mqtt = MqttSourceState.Off;

        var ready = Health().CheckReady();

        Assert.True(ready.IsHealthy);
        Assert.DoesNotContain(ready.Checks, c => c.Name == "mqtt");
    }

    [Fact]
    public void A_dead_critical_loop_fails_liveness_readiness_and_the_watchdogs_answer_alike()
    {
        _failures.Report(new InvalidOperationException("writer crashed"));
        var liveness = new GatewayLiveness(_failures);

        var live = Health(liveness).CheckLive();

        Assert.False(live.IsHealthy);
        Assert.Contains("writer crashed", Assert.Single(live.Failures).Detail, StringComparison.Ordinal);
        Assert.False(Health(liveness).CheckReady().IsHealthy);
        Assert.False(liveness.Check().IsHealthy);
    }

    [Fact]
    public void The_probe_body_is_short_json_naming_each_check_and_why_it_failed()
    {
        _mqtt = MqttSourceState.Connecting;

        var json = JsonDocument.Parse(ObservabilityHttpServer.HealthJson(Health().CheckReady(), "ready")).RootElement;

        Assert.Equal("not-ready", json.GetProperty("status").GetString());
        var mqtt = json.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "mqtt");
        Assert.False(mqtt.GetProperty("ok").GetBoolean());
        Assert.Contains("tcp://broker:1883 is connecting", mqtt.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private GatewayHealth Health(GatewayLiveness? liveness = null)
    {
        var live = liveness ?? new GatewayLiveness(_failures);
        return new GatewayHealth(
            new HealthSources(
                live.Check,
                () => _stopping,
                () => new MqttSourceStatistics
                {
                    Broker = "tcp://broker:1883",
                    ClientId = "gw",
                    Subscriptions = _mqtt == MqttSourceState.Off ? 0 : 1,
                    State = _mqtt,
                    StateSince = DateTimeOffset.UnixEpoch,
                    MessagesReceived = 0,
                    MessagesAcknowledged = 0,
                    Connects = 0,
                    ConnectionsLost = 0,
                },
                () => Array.Empty<SerialPortStatistics>(),
                () => null,
                () => _writerRunning,
                () => _buffer,
                () => (_freeDisk, 1_000_000),
                TimeSpan.FromDays(1)),
            new ReadinessOptions());
    }

    private static BufferStatistics Buffer(long bytes, long capacity, TimeSpan? oldest, bool blocked) =>
        EmptyBufferStatistics.Value with { NormalRows = 1, Bytes = bytes, CapacityBytes = capacity, OldestUnsentAge = oldest, IsBlocked = blocked };
}
