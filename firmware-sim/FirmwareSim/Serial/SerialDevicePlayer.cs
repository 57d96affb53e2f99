using System.Globalization;
using System.Text;
using System.Text.Json;
using FirmwareSim.Devices;
using FirmwareSim.Faults;
using FirmwareSim.Running;
using FirmwareSim.Serial.Protocols;

namespace FirmwareSim.Serial;

/// <summary>
/// Plays one serial sensor on a pseudo-terminal: streaming protocols (PMS5003, SDS011, NMEA, CSV,
/// JSON lines) write a frame every interval; the Modbus weather station answers requests and refreshes
/// its registers every interval. Values come from the same signal models as the MQTT fleet.
/// </summary>
public sealed class SerialDevicePlayer
{
    /// <summary>Input registers of the Modbus weather station, in order from address 0.</summary>
    public static IReadOnlyList<string> InputRegisterNames { get; } =
        ["temperature x10 (signed)", "humidity x10", "pressure hPa x10", "wind speed m/s x10", "wind direction deg", "rain tips (total, wraps)", "rain mm x10 (total, wraps)", "samples (wraps)"];

    /// <summary>Holding registers of the Modbus weather station, in order from address 0.</summary>
    public static IReadOnlyList<string> HoldingRegisterNames { get; } =
        ["slave address", "sampling interval s (rounded up)", "firmware (major x 256 + minor)", "status (0: ok)"];

    private static readonly TimeSpan ModbusSilence = TimeSpan.FromMilliseconds(20);
    private readonly PseudoTerminal _terminal;
    private readonly SimulatedDevice _device;
    private readonly FaultSettings _faults;
    private readonly SimulatorStatistics _statistics;
    private readonly TimeProvider _time;
    private readonly Random _gps;
    private readonly Lock _registersLock = new();
    private ushort[] _input = new ushort[8];
    private ushort[] _holding = new ushort[4];
    private int _rainTips;
    private double _rainMillimetres;

    /// <summary>Sets up the player of <paramref name="settings"/> on <paramref name="terminal"/>.</summary>
    public SerialDevicePlayer(SerialPortSettings settings, PseudoTerminal terminal, SimulatedDevice device, FaultSettings faults, SimulatorStatistics statistics, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(terminal);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Settings = settings;
        _terminal = terminal;
        _device = device;
        _faults = faults;
        _statistics = statistics;
        _time = timeProvider;
        _gps = DeviceSeeds.Create(0, device.Id, "gps");
    }

    /// <summary>What the port plays.</summary>
    public SerialPortSettings Settings { get; }

    /// <summary>Plays until <paramref name="cancellationToken"/> fires.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Settings.Protocol == SerialProtocol.ModbusRtu
            ? Task.Factory.StartNew(() => ServeModbus(cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            : StreamAsync(cancellationToken);

    /// <summary>The bytes of the next frame (or sentences, or line) of a streaming protocol, before faults.</summary>
    public byte[] NextFrame(DateTimeOffset now)
    {
        var sample = _device.SampleAt(now);
        var values = sample.Values;
        switch (Settings.Protocol)
        {
            case SerialProtocol.Pms5003:
                return Pms5003Frame.Encode(Pms5003Reading.FromConcentrations(values[0], values[1]));
            case SerialProtocol.Sds011:
                return Sds011Frame.Encode(values[0], values[1], (ushort)DeviceSeeds.Derive(0, _device.Id, "sds011-id"));
            case SerialProtocol.Nmea:
                var fix = Fix(sample.DeviceTime);
                return Encoding.ASCII.GetBytes(Nmea0183.Gga(fix) + Nmea0183.Rmc(fix));
            case SerialProtocol.Csv:
                var line = new StringBuilder().Append(_device.Id).Append(',').Append(sample.Sequence.ToString(CultureInfo.InvariantCulture))
                    .Append(',').Append(sample.DeviceTime.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
                foreach (var value in values)
                {
                    line.Append(',').Append(value.ToString(CultureInfo.InvariantCulture));
                }

                return Encoding.ASCII.GetBytes(line.Append('\n').ToString());
            default:
                using (var buffer = new MemoryStream())
                {
                    using (var json = new Utf8JsonWriter(buffer))
                    {
                        json.WriteStartObject();
                        json.WriteString("id", _device.Id);
                        json.WriteNumber("seq", sample.Sequence);
                        json.WriteNumber("ts", sample.DeviceTime.ToUnixTimeMilliseconds());
                        for (var i = 0; i < values.Count; i++)
                        {
                            json.WriteNumber(_device.Signal.Metrics[i].Name, values[i]);
                        }

                        json.WriteEndObject();
                    }

                    buffer.WriteByte((byte)'\n');
                    return buffer.ToArray();
                }
        }
    }

    /// <summary>Samples the weather and updates the Modbus registers.</summary>
    public void RefreshRegisters(DateTimeOffset now)
    {
        var values = _device.SampleAt(now).Values;
        _rainTips += (int)values[5];
        _rainMillimetres += values[6];
        static ushort Word(double value) => unchecked((ushort)(short)Math.Clamp(Math.Round(value), short.MinValue, short.MaxValue));
        static ushort Unsigned(double value) => (ushort)Math.Clamp(Math.Round(value), 0, ushort.MaxValue);
        ushort[] input =
        [
            Word(values[0] * 10), Unsigned(values[1] * 10), Unsigned(values[2] * 10), Unsigned(values[3] * 10), Unsigned(values[4]),
            unchecked((ushort)_rainTips), unchecked((ushort)Math.Round(_rainMillimetres * 10)), unchecked((ushort)(_device.NextSequence & 0xFFFF)),
        ];
        var version = _device.Firmware.Split('.');
        var major = version.Length > 0 && int.TryParse(version[0], CultureInfo.InvariantCulture, out var m) ? m : 0;
        var minor = version.Length > 1 && int.TryParse(version[1], CultureInfo.InvariantCulture, out var n) ? n : 0;
        ushort[] holding = [Settings.SlaveId, Unsigned(Math.Ceiling(Settings.Interval.TotalSeconds)), (ushort)(((major & 0xFF) << 8) | (minor & 0xFF)), 0];
        lock (_registersLock)
        {
            _input = input;
            _holding = holding;
        }
    }

    /// <summary>The answer to one Modbus request frame, before faults (null: stay silent).</summary>
    public byte[]? Answer(ReadOnlySpan<byte> request)
    {
        ushort[] input;
        ushort[] holding;
        lock (_registersLock)
        {
            input = _input;
            holding = _holding;
        }

        return ModbusRtu.Answer(request, Settings.SlaveId, holding, input);
    }

    private async Task StreamAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Settings.Interval, _time);
        try
        {
            do
            {
                Send(NextFrame(_time.GetUtcNow()));
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private void ServeModbus(CancellationToken cancellationToken)
    {
        var pending = new List<byte>(256);
        var chunk = new byte[256];
        RefreshRegisters(_time.GetUtcNow());
        var refreshed = _time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            var read = _terminal.Read(chunk, ModbusSilence);
            if (read > 0)
            {
                pending.AddRange(chunk.AsSpan(0, read));

                // A complete read request needs no silence to be recognised: answer at once.
                while (pending.Count >= 8 && pending[1] is ModbusRtu.ReadHoldingRegisters or ModbusRtu.ReadInputRegisters
                    && ModbusRtu.HasValidCrc(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending)[..8]))
                {
                    Handle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending)[..8]);
                    pending.RemoveRange(0, 8);
                }
            }
            else if (pending.Count > 0)
            {
                // Silence after bytes ends a frame (RTU's 3.5 character times, generously): whatever it is.
                Handle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending));
                pending.Clear();
            }

            if (_time.GetElapsedTime(refreshed) >= Settings.Interval)
            {
                RefreshRegisters(_time.GetUtcNow());
                refreshed = _time.GetTimestamp();
            }
        }
    }

    private void Handle(ReadOnlySpan<byte> request)
    {
        if (Answer(request) is { } answer)
        {
            _statistics.ModbusRequest(ModbusRtu.IsException(answer));
            Send(answer);
        }
    }

    private void Send(byte[] frame)
    {
        var bytes = SerialFaults.Apply(frame, Settings.Protocol, _device.FaultRandom, _faults, _statistics);
        if (_terminal.Write(bytes))
        {
            _statistics.SerialFrame(bytes.Length);
        }
        else
        {
            _statistics.SerialFrameDropped();
        }
    }

    private GpsFix Fix(DateTimeOffset time)
    {
        // A receiver standing still: a couple of metres of wander, 7 to 11 satellites.
        var location = _device.Profile.Location;
        return new GpsFix(
            time,
            location.Latitude + (0.00002 * SignalMath.Gaussian(_gps)),
            location.Longitude + (0.00003 * SignalMath.Gaussian(_gps)),
            12 + SignalMath.Gaussian(_gps),
            7 + _gps.Next(5),
            0.8 + (0.6 * _gps.NextDouble()),
            Math.Abs(0.05 * SignalMath.Gaussian(_gps)),
            _gps.NextDouble() * 360);
    }
}
