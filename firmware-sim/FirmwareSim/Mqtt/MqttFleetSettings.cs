using EdgeGateway.Mqtt.Packets;

namespace FirmwareSim.Mqtt;

/// <summary>How the fleet reaches the broker.</summary>
public sealed record MqttFleetSettings
{
    /// <summary>Broker host.</summary>
    public required string Host { get; init; }

    /// <summary>Broker port.</summary>
    public int Port { get; init; } = 1883;

    /// <summary>Connect with TLS.</summary>
    public bool Tls { get; init; }

    /// <summary>The CA certificate (PEM) that signs the broker's certificate; null: the system store.</summary>
    public string? CaFile { get; init; }

    /// <summary>User name, if the broker wants one.</summary>
    public string? Username { get; init; }

    /// <summary>Password, if the broker wants one. Never printed.</summary>
    public string? Password { get; init; }

    /// <summary>MQTT 3.1.1 or 5.0.</summary>
    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V500;

    /// <summary>QoS of reading messages (status messages always use at least 1).</summary>
    public MqttQualityOfService QoS { get; init; } = MqttQualityOfService.AtLeastOnce;

    /// <summary>How many shared connections carry the fleet (ignored with <see cref="ConnectionPerDevice"/>).</summary>
    public int Connections { get; init; } = 4;

    /// <summary>One connection per device, each with the device's own will.</summary>
    public bool ConnectionPerDevice { get; init; }

    /// <summary>Client ids are <c>{prefix}-c{n}</c> (shared) or <c>{prefix}-{deviceId}</c> (one per device).</summary>
    public string ClientIdPrefix { get; init; } = $"fwsim-{Environment.ProcessId}";

    /// <summary>Outgoing QoS 1/2 publishes in flight per connection (the broker's Receive Maximum lowers it).</summary>
    public ushort Inflight { get; init; } = 1000;

    /// <summary>How long the first connects may keep failing before the run gives up.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a stop waits for outstanding acknowledgements before it drops them.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Connects made at the same time (thousands of per-device connections are opened in waves).</summary>
    public int ConnectConcurrency { get; init; } = 32;

    /// <summary>Describes the target without secrets.</summary>
    public override string ToString() =>
        $"mqtt{(Tls ? "s" : string.Empty)}://{Host}:{Port} (MQTT {(ProtocolVersion == MqttProtocolVersion.V500 ? "5.0" : "3.1.1")}, QoS {(int)QoS})";
}
