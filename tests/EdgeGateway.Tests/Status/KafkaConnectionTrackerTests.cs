using EdgeGateway.Forwarding;
using EdgeGateway.Testing.Time;
using Xunit;

namespace EdgeGateway.Tests.Status;

public sealed class KafkaConnectionTrackerTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void It_starts_connecting_and_a_delivery_makes_it_connected()
    {
        var tracker = new KafkaConnectionTracker(_time);
        Assert.Equal(KafkaConnectionState.Connecting, tracker.GetSnapshot().State);

        _time.Advance(TimeSpan.FromSeconds(3));
        tracker.OnDelivered();

        var snapshot = tracker.GetSnapshot();
        Assert.Equal(KafkaConnectionState.Connected, snapshot.State);
        Assert.Equal(_time.GetUtcNow(), snapshot.Since);
        Assert.Equal(_time.GetUtcNow(), snapshot.LastDeliveryAt);
        Assert.Null(snapshot.LastError);
    }

    [Fact]
    public void All_brokers_down_disconnects_and_the_next_delivery_reconnects_keeping_the_last_error()
    {
        var tracker = new KafkaConnectionTracker(_time);
        tracker.OnBrokerAnswered();

        tracker.OnClientError("Local_Transport: 127.0.0.1:9092/1: Connection refused", fatal: false);
        Assert.Equal(KafkaConnectionState.Connected, tracker.GetSnapshot().State);

        _time.Advance(TimeSpan.FromSeconds(1));
        var down = _time.GetUtcNow();
        tracker.OnClientError("Local_AllBrokersDown: 1/1 brokers are down", fatal: false);
        Assert.Equal(KafkaConnectionState.Disconnected, tracker.GetSnapshot().State);
        Assert.Equal(down, tracker.GetSnapshot().Since);

        _time.Advance(TimeSpan.FromSeconds(1));
        tracker.OnDelivered();
        var snapshot = tracker.GetSnapshot();
        Assert.Equal(KafkaConnectionState.Connected, snapshot.State);
        Assert.Equal("Local_AllBrokersDown: 1/1 brokers are down", snapshot.LastError);
        Assert.Equal(down, snapshot.LastErrorAt);
    }

    [Theory]
    [InlineData("Local_MsgTimedOut: Message timed out", KafkaConnectionState.Disconnected)]
    [InlineData("Local_AllBrokersDown: 1/1 brokers are down", KafkaConnectionState.Disconnected)]
    [InlineData("MsgSizeTooLarge: Broker: Message size too large", KafkaConnectionState.Connected)]
    [InlineData("NotEnoughReplicas: Broker: Not enough in-sync replicas", KafkaConnectionState.Connected)]
    [InlineData("Local_TransportX: not a transport code", KafkaConnectionState.Connected)]
    public void A_failed_delivery_disconnects_only_for_transport_reasons(string error, KafkaConnectionState expected)
    {
        var tracker = new KafkaConnectionTracker(_time);
        tracker.OnDelivered();

        tracker.OnDeliveryFailed(error);

        Assert.Equal(expected, tracker.GetSnapshot().State);
        Assert.Equal(error, tracker.GetSnapshot().LastError);
    }

    [Fact]
    public void A_fatal_error_is_final()
    {
        var tracker = new KafkaConnectionTracker(_time);
        tracker.OnClientError("Local_Fatal: producer fenced", fatal: true);

        tracker.OnDelivered();
        tracker.OnBrokerAnswered();

        Assert.Equal(KafkaConnectionState.Failed, tracker.GetSnapshot().State);
    }
}
