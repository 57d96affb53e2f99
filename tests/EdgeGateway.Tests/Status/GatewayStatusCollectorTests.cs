using System.Text.Json;
using EdgeGateway.Forwarding;
using EdgeGateway.Sources;
using EdgeGateway.Status;
using EdgeGateway.Testing.Time;
using Xunit;

namespace EdgeGateway.Tests.Status;

public sealed class GatewayStatusCollectorTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_snapshot_carries_identity_uptime_and_every_stage_counters()
    {
        var stats = new FakeStatistics(_time);
        var collector = stats.Collector();
        _time.Advance(TimeSpan.FromSeconds(75.5));

        var status = collector.Collect();

        Assert.Equal(GatewayStatus.CurrentSchemaVersion, status.SchemaVersion);
        Assert.Equal(FakeStatistics.GatewayId, status.GatewayId);
        Assert.Equal("Cabinet 12, Main Street", status.GatewayName);
        Assert.Equal(Environment.ProcessId, status.ProcessId);
        Assert.Equal(GatewayRunState.Running, status.State);
        Assert.Equal(new FakeTimeProvider().GetUtcNow(), status.StartedAt);
        Assert.Equal(_time.GetUtcNow(), status.GeneratedAt);
        Assert.Equal(75.5, status.UptimeSeconds);
        Assert.Equal(2, status.IntervalSeconds);

        Assert.Equal(LinkState.Connected, status.Sources.Mqtt.State);
        Assert.Equal((105, 104, 2, 1), (status.Sources.Mqtt.Received, status.Sources.Mqtt.Acknowledged, status.Sources.Mqtt.Connects, status.Sources.Mqtt.ConnectionsLost));
        Assert.Equal("127.0.0.1:1883", status.Sources.Mqtt.Broker);

        Assert.Equal(100, status.Ingest.ReadingsIngested);
        Assert.Equal(5, status.Ingest.DeadLettered);
        Assert.Equal(["malformed-json", "unknown-device"], status.Ingest.DeadLetteredByReason.Keys);

        Assert.Equal((10, 7, 3, 4), (status.Buffer.Rows, status.Buffer.NormalRows, status.Buffer.PriorityRows, status.Buffer.InFlightRows));
        Assert.Equal(3.25, status.Buffer.OldestUnsentAgeSeconds);
        Assert.Equal((100, 90), (status.Buffer.CommittedRows, status.Buffer.ReleasedRows));
        Assert.Equal((7, 6, 1), (status.Buffer.Dropped.Total, status.Buffer.Dropped.Expired, status.Buffer.Dropped.DiskGuard));

        Assert.Equal(LinkState.Connected, status.Kafka.State);
        Assert.Equal((9, 90, 2), (status.Kafka.BatchesSent, status.Kafka.ReadingsForwarded, status.Kafka.DeliveryRetries));
        Assert.Equal("k1:9092,k2:9092", status.Kafka.BootstrapServers);
    }

    [Theory]
    [InlineData(MqttSourceState.Off, LinkState.Off)]
    [InlineData(MqttSourceState.Connecting, LinkState.Connecting)]
    [InlineData(MqttSourceState.Connected, LinkState.Connected)]
    [InlineData(MqttSourceState.Disconnected, LinkState.Disconnected)]
    public void MQTT_states_map_one_to_one(MqttSourceState source, LinkState expected)
    {
        var stats = new FakeStatistics(_time);
        stats.Mqtt = stats.Mqtt with { State = source };

        Assert.Equal(expected, stats.Collector().Collect().Sources.Mqtt.State);
    }

    [Theory]
    [InlineData(KafkaConnectionState.Connecting, LinkState.Connecting)]
    [InlineData(KafkaConnectionState.Connected, LinkState.Connected)]
    [InlineData(KafkaConnectionState.Disconnected, LinkState.Disconnected)]
    [InlineData(KafkaConnectionState.Failed, LinkState.Failed)]
    public void Kafka_states_map_one_to_one(KafkaConnectionState kafka, LinkState expected)
    {
        var stats = new FakeStatistics(_time);
        stats.Kafka = stats.Kafka with { Connection = stats.Kafka.Connection with { State = kafka } };

        Assert.Equal(expected, stats.Collector().Collect().Kafka.State);
    }

    [Fact]
    public void The_JSON_form_is_camel_case_with_kebab_case_states_and_reads_back_the_same()
    {
        var stats = new FakeStatistics(_time);
        stats.Buffer = stats.Buffer with { NormalRows = 0, PriorityRows = 0, OldestUnsentAge = null };
        var status = stats.Collector().Collect(GatewayRunState.Stopped);

        var json = JsonSerializer.Serialize(status, StatusJsonContext.Default.GatewayStatus);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        Assert.Contains("\n  \"gatewayId\"", json, StringComparison.Ordinal);
        Assert.Equal("stopped", root.GetProperty("state").GetString());
        Assert.Equal("connected", root.GetProperty("sources").GetProperty("mqtt").GetProperty("state").GetString());
        Assert.Equal(3, root.GetProperty("ingest").GetProperty("deadLetteredByReason").GetProperty("malformed-json").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("buffer").GetProperty("oldestUnsentAgeSeconds").ValueKind);
        Assert.Equal(90, root.GetProperty("kafka").GetProperty("readingsForwarded").GetInt64());
        Assert.Equal("2026-01-01T00:00:00+00:00", root.GetProperty("generatedAt").GetString());

        var back = JsonSerializer.Deserialize(json, StatusJsonContext.Default.GatewayStatus)!;
        Assert.Equal(json, JsonSerializer.Serialize(back, StatusJsonContext.Default.GatewayStatus));
    }
}
