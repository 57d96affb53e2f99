using System.Text.Json;
using FirmwareSim.Devices;
using FirmwareSim.Faults;
using FirmwareSim.Fleet;
using FirmwareSim.Running;

namespace FirmwareSim.Serial;

/// <summary>Where a simulated serial device can be reached.</summary>
/// <param name="Name">The port's name.</param>
/// <param name="Protocol">What it speaks.</param>
/// <param name="Path">The tty to open, e.g. <c>/dev/pts/7</c>.</param>
/// <param name="Device">The device id it reports as.</param>
public sealed record SerialPortInfo(string Name, SerialProtocol Protocol, string Path, string Device);

/// <summary>The serial side of a run: one pseudo-terminal and one player per configured port.</summary>
public sealed class SerialFleet : IDisposable
{
    private readonly List<PseudoTerminal> _terminals;
    private readonly List<SerialDevicePlayer> _players;

    private SerialFleet(List<PseudoTerminal> terminals, List<SerialDevicePlayer> players, List<SerialPortInfo> ports)
    {
        _terminals = terminals;
        _players = players;
        Ports = ports;
    }

    /// <summary>The ports, in configuration order.</summary>
    public IReadOnlyList<SerialPortInfo> Ports { get; }

    /// <summary>The players, in configuration order.</summary>
    public IReadOnlyList<SerialDevicePlayer> Players => _players;

    /// <summary>Creates the pseudo-terminals (nothing is written until <see cref="RunAsync"/>).</summary>
    /// <exception cref="IOException">A pseudo-terminal could not be made.</exception>
    public static SerialFleet Open(
        IReadOnlyList<SerialPortSettings> ports,
        long seed,
        CitySettings city,
        FaultSettings faults,
        SimulatorStatistics statistics,
        TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(city);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var terminals = new List<PseudoTerminal>();
        var players = new List<SerialDevicePlayer>();
        var infos = new List<SerialPortInfo>();
        try
        {
            var start = timeProvider.GetUtcNow();
            foreach (var port in ports)
            {
                var name = port.Name ?? SerialProtocols.Name(port.Protocol);
                var id = port.DeviceId ?? name;
                var profile = new DeviceProfile(
                    id,
                    port.EffectiveModel,
                    DeviceModels.DefaultFirmware(port.EffectiveModel),
                    new DeviceLocation(city.Latitude, city.Longitude, city.Districts[0], city.UtcOffset),
                    port.Interval,
                    DeviceClockSettings.Exact);
                var terminal = PseudoTerminal.Open();
                terminals.Add(terminal);
                players.Add(new SerialDevicePlayer(port, terminal, new SimulatedDevice(profile, seed, start), faults, statistics, timeProvider));
                infos.Add(new SerialPortInfo(name, port.Protocol, terminal.DevicePath, id));
            }

            return new SerialFleet(terminals, players, infos);
        }
        catch
        {
            terminals.ForEach(t => t.Dispose());
            throw;
        }
    }

    /// <summary>Plays every port until <paramref name="cancellationToken"/> fires.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(_players.Select(p => p.RunAsync(cancellationToken)));

    /// <summary>
    /// Writes the ports as JSON (<c>{"ports":[{"name","protocol","path","device"}]}</c>), through a
    /// temporary file and a rename, so a reader never sees half of it.
    /// </summary>
    public async Task WritePathsAsync(string path, CancellationToken cancellationToken = default)
    {
        var temporary = path + ".tmp";
        await using (var file = File.Create(temporary))
        {
            await using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteStartArray("ports");
            foreach (var port in Ports)
            {
                json.WriteStartObject();
                json.WriteString("name", port.Name);
                json.WriteString("protocol", SerialProtocols.Name(port.Protocol));
                json.WriteString("path", port.Path);
                json.WriteString("device", port.Device);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            await json.FlushAsync(cancellationToken);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Closes every pseudo-terminal.</summary>
    public void Dispose() => _terminals.ForEach(t => t.Dispose());
}
