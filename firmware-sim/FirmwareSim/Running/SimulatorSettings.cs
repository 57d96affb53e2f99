using FirmwareSim.Faults;
using FirmwareSim.Fleet;
using FirmwareSim.Mqtt;
using FirmwareSim.Payloads;
using FirmwareSim.Serial;

namespace FirmwareSim.Running;

/// <summary>Everything a run needs, resolved from the scenario file and the command line.</summary>
public sealed record SimulatorSettings
{
    /// <summary>The device count when neither the command line nor a scenario gives one.</summary>
    public const int DefaultDevices = 10;

    /// <summary>The seed.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>The fleet.</summary>
    public IReadOnlyList<DeviceGroup> Groups { get; init; } = FleetBuilder.DefaultGroups(DefaultDevices);

    /// <summary>The city.</summary>
    public CitySettings City { get; init; } = new();

    /// <summary>Payload format of devices whose group does not say.</summary>
    public PayloadFormat Format { get; init; } = PayloadFormat.Json;

    /// <summary>Total readings per second over MQTT; null: the devices' own intervals.</summary>
    public double? Rate { get; init; }

    /// <summary>How long to run; null: until Ctrl+C / SIGTERM.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The faults.</summary>
    public FaultSettings Faults { get; init; } = FaultSettings.None;

    /// <summary>The first topic level(s).</summary>
    public string TopicPrefix { get; init; } = Running.TopicScheme.DefaultPrefix;

    /// <summary>The broker and connections; null: no MQTT.</summary>
    public MqttFleetSettings? Mqtt { get; init; }

    /// <summary>Where to write the ledger; null: no ledger.</summary>
    public string? LedgerPath { get; init; }

    /// <summary>Where to write the summary as JSON; null: printed only.</summary>
    public string? SummaryPath { get; init; }

    /// <summary>Serial ports to create.</summary>
    public IReadOnlyList<SerialPortSettings> Serial { get; init; } = [];

    /// <summary>Where to write the serial ports' paths (JSON); null: printed only.</summary>
    public string? SerialPathsFile { get; init; }

    /// <summary>GPIO lines to play on <see cref="GpioSocket"/>.</summary>
    public IReadOnlyList<Gpio.GpioLineSettings> Gpio { get; init; } = [];

    /// <summary>The Unix socket the gateway's simulated chip (<c>sim:PATH</c>) connects to; null: no GPIO.</summary>
    public string? GpioSocket { get; init; }

    /// <summary>Where to write the GPIO ledger (one line per real edge delivered); null: none.</summary>
    public string? GpioLedgerPath { get; init; }

    /// <summary>How often a progress line is printed; zero: never.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The topic scheme.</summary>
    public TopicScheme TopicScheme => new(TopicPrefix);
}
