using FirmwareSim.Faults;
using FirmwareSim.Fleet;
using FirmwareSim.Payloads;
using FirmwareSim.Serial;

namespace FirmwareSim.Scenarios;

/// <summary>
/// A scenario file: the fleet and the run, as JSON. Every member is optional; the command line
/// overrides what it names. The format is documented in firmware-sim/README.md.
/// </summary>
public sealed record Scenario
{
    /// <summary>The seed.</summary>
    public long? Seed { get; init; }

    /// <summary>Default payload format of the devices.</summary>
    public PayloadFormat? Format { get; init; }

    /// <summary>QoS of reading messages (0, 1, 2).</summary>
    public int? QoS { get; init; }

    /// <summary>Total readings per second.</summary>
    public double? Rate { get; init; }

    /// <summary>How long to run.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The first topic level(s).</summary>
    public string? TopicPrefix { get; init; }

    /// <summary>The broker, <c>HOST:PORT</c>.</summary>
    public string? Broker { get; init; }

    /// <summary>Shared connections.</summary>
    public int? Connections { get; init; }

    /// <summary>One connection per device.</summary>
    public bool? ConnectionPerDevice { get; init; }

    /// <summary>TLS to the broker.</summary>
    public bool? Tls { get; init; }

    /// <summary>CA certificate of the broker.</summary>
    public string? CaFile { get; init; }

    /// <summary>User name.</summary>
    public string? Username { get; init; }

    /// <summary>Password.</summary>
    public string? Password { get; init; }

    /// <summary>The city.</summary>
    public CitySettings? City { get; init; }

    /// <summary>The device groups.</summary>
    public IReadOnlyList<DeviceGroup>? Devices { get; init; }

    /// <summary>The faults.</summary>
    public FaultSettings? Faults { get; init; }

    /// <summary>Serial ports to create.</summary>
    public IReadOnlyList<SerialPortSettings>? Serial { get; init; }
}
