using EdgeGateway.Buffering;
using EdgeGateway.Context;
using EdgeGateway.Pipeline;
using EdgeGateway.Sources.Serial;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Serial;
using EdgeGateway.Testing.Waiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit;
using SimSerial = FirmwareSim.Serial;

namespace EdgeGateway.Tests.Serial;

/// <summary>The serial source on real ptys, through the real ingest path into a real buffer.</summary>
public sealed class SerialSourceTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("serial");
    private DeviceRegistry _registry = null!;
    private ReadingBuffer _buffer = null!;

    public override async ValueTask InitializeAsync()
    {
        _registry = await DeviceRegistry.OpenAsync(_directory.File("registry.db"), TimeProvider.System, LoggerFactory.CreateLogger<DeviceRegistry>(), CancellationToken);
        _buffer = new ReadingBuffer(new BufferOptions { Path = _directory.File("buffer.db") }, TimeProvider.System, LoggerFactory.CreateLogger<ReadingBuffer>());
    }

    protected override async ValueTask CleanUpAsync()
    {
        await _buffer.DisposeAsync();
        await _registry.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task PMS5003_frames_become_readings_and_bad_frames_are_dead_lettered_without_stopping_the_port()
    {
        using var pty = PtyPair.Open();
        var source = Source(new SerialPortOptions { Path = pty.DevicePath, Name = "pm-port", Protocol = SerialProtocol.Pms5003, DeviceId = "pm-01" });
        await source.StartAsync(CancellationToken);
        var port = source.Ports[0];
        await Eventually.TrueAsync(() => port.IsOpen, "the port is open", cancellationToken: CancellationToken);

        var bad = SerialFrames.Pms5003(9, 9, 9);
        bad[20] ^= 0x40;
        pty.Write([.. SerialFrames.Pms5003(3, 12, 20), 0x00, 0x13, 0x37, .. bad, .. SerialFrames.Pms5003(4, 13, 21)]);

        await Eventually.TrueAsync(() => port.Frames == 2 && port.BadFrameTotal == 2, "two frames and two bad runs", cancellationToken: CancellationToken);
        await source.StopAsync(CancellationToken);

        var rows = await _buffer.ReadBatchAsync(100, 1 << 20, CancellationToken);
        var readings = rows.Select(r => ReadingSerializer.Deserialize(r.Payload.Span)).ToList();
        Assert.Equal([12.0, 13.0], readings.Where(r => r.Metric == "pm2_5").Select(r => r.Value));
        Assert.All(readings, r => Assert.Equal("pm-01", r.DeviceId.Value));
        Assert.Equal(1, port.BadFrames["garbage"]);
        Assert.Equal(1, port.BadFrames["checksum-mismatch"]);

        var deadLetters = await _buffer.ListDeadLettersAsync(0, 10, CancellationToken);
        Assert.Equal(["garbage", "checksum-mismatch"], deadLetters.Select(d => d.Entry.Reason));
        Assert.Equal(new byte[] { 0x00, 0x13, 0x37 }, deadLetters[0].Entry.Raw.ToArray());
        Assert.Equal(bad, deadLetters[1].Entry.Raw.ToArray());
        Assert.Equal("pm-port", deadLetters[1].Entry.SourceName);
    }

    [Fact]
    public async Task An_unplugged_device_is_reported_once_and_read_again_when_its_path_returns()
    {
        var path = _directory.File("ttyUSB-pm");
        var first = PtyPair.Open();
        File.CreateSymbolicLink(path, first.DevicePath);
        var source = Source(new SerialPortOptions
        {
            Path = path,
            Protocol = SerialProtocol.Sds011,
            DeviceId = "pm-02",
            ReconnectDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(100),
        });
        await source.StartAsync(CancellationToken);
        var port = source.Ports[0];
        await Eventually.TrueAsync(() => port.IsOpen, "the port is open", cancellationToken: CancellationToken);
        first.Write(SerialFrames.Sds011(100, 200));
        await Eventually.TrueAsync(() => port.Frames == 1, "the first frame", cancellationToken: CancellationToken);

        // Unplugged: the pty goes away; the path now leads nowhere for a while.
        first.Dispose();
        await Eventually.TrueAsync(() => !port.IsOpen, "the loss is noticed", cancellationToken: CancellationToken);
        await Eventually.TrueAsync(() => Logs.Entries.Any(e => e.Message.Contains("still unavailable", StringComparison.Ordinal)), "a failed reopen", cancellationToken: CancellationToken);

        // Plugged back in: the same path leads to a new tty.
        using var second = PtyPair.Open();
        var replacement = _directory.File("ttyUSB-pm.new");
        File.CreateSymbolicLink(replacement, second.DevicePath);
        File.Move(replacement, path, overwrite: true);
        await Eventually.TrueAsync(() => port.IsOpen && port.Reconnects == 1, "the port is reopened", cancellationToken: CancellationToken);
        second.Write(SerialFrames.Sds011(110, 210));
        await Eventually.TrueAsync(() => port.Frames == 2, "a frame after the return", cancellationToken: CancellationToken);
        await source.StopAsync(CancellationToken);

        var rows = await _buffer.ReadBatchAsync(100, 1 << 20, CancellationToken);
        Assert.Equal([10.0, 11.0], rows.Select(r => ReadingSerializer.Deserialize(r.Payload.Span)).Where(r => r.Metric == "pm2_5").Select(r => r.Value));
        Assert.Single(Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("lost", StringComparison.Ordinal));
        Assert.Single(Logs.Entries, e => e.Message.Contains("back:", StringComparison.Ordinal));
        Assert.DoesNotContain(Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("unavailable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NMEA_positions_are_read_and_other_sentences_are_ignored_not_dead_lettered()
    {
        using var pty = PtyPair.Open();
        var source = Source(new SerialPortOptions { Path = pty.DevicePath, Protocol = SerialProtocol.Nmea, DeviceId = "bus-12-gps", Baud = 4800 });
        await source.StartAsync(CancellationToken);
        var port = source.Ports[0];
        await Eventually.TrueAsync(() => port.IsOpen, "the port is open", cancellationToken: CancellationToken);

        pty.Write(SerialFrames.Nmea("GPGSV,1,1,01,01,40,083,46"));
        pty.Write(SerialFrames.Nmea("GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"));
        pty.Write("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*00\r\n");
        await Eventually.TrueAsync(() => port.Frames == 1 && port.Ignored == 1 && port.BadFrameTotal == 1, "one fix, one ignored, one bad", cancellationToken: CancellationToken);
        await source.StopAsync(CancellationToken);

        var deadLetter = Assert.Single(await _buffer.ListDeadLettersAsync(0, 10, CancellationToken));
        Assert.Equal("checksum-mismatch", deadLetter.Entry.Reason);
    }

    [Fact]
    public async Task A_missing_port_is_retried_without_stopping_the_source()
    {
        var source = Source(new SerialPortOptions { Path = _directory.File("ttyACM-absent"), Protocol = SerialProtocol.Pms5003, DeviceId = "pm-03", ReconnectDelay = TimeSpan.FromMilliseconds(10), ReconnectMaxDelay = TimeSpan.FromMilliseconds(20) });
        await source.StartAsync(CancellationToken);
        await Eventually.TrueAsync(() => Logs.Entries.Count(e => e.Message.Contains("still unavailable", StringComparison.Ordinal)) >= 2, "retries", cancellationToken: CancellationToken);
        await source.StopAsync(CancellationToken);
        Assert.Single(Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("no such device", StringComparison.Ordinal));
    }


    [Fact]
    public async Task The_Modbus_master_polls_the_simulators_weather_station_and_dead_letters_exceptions_and_timeouts()
    {
        // firmware-sim's Modbus RTU weather station (slave 7) on a pty; its registers hold still for an hour.
        var simulated = new SimSerial.SerialPortSettings { Protocol = SimSerial.SerialProtocol.ModbusRtu, SlaveId = 7, Interval = TimeSpan.FromHours(1) };
        using var station = SimSerial.SerialFleet.Open([simulated], 1, new FirmwareSim.Fleet.CitySettings(), FirmwareSim.Faults.FaultSettings.None, new FirmwareSim.Running.SimulatorStatistics(), TimeProvider.System);
        using var stopStation = new CancellationTokenSource();
        var playing = station.RunAsync(stopStation.Token);

        var source = Source(new SerialPortOptions
        {
            Path = station.Ports[0].Path,
            Name = "station",
            Protocol = SerialProtocol.ModbusRtu,
            Modbus = new Sources.Serial.Modbus.ModbusOptions
            {
                PollInterval = TimeSpan.FromHours(1),
                ResponseTimeout = TimeSpan.FromMilliseconds(300),
                Registers =
                [
                    new() { UnitId = 7, DeviceId = "weather-07", Function = 4, Address = 0, Type = Sources.Serial.Modbus.ModbusValueType.Int16, Scale = 0.1, Metric = "temperature", Unit = "Cel" },
                    new() { UnitId = 7, DeviceId = "weather-07", Function = 3, Address = 0, Metric = "slave_address" },
                    new() { UnitId = 7, DeviceId = "weather-07", Function = 4, Address = 7, Type = Sources.Serial.Modbus.ModbusValueType.Uint32, Metric = "beyond_the_map" },
                    new() { UnitId = 9, DeviceId = "weather-09", Function = 3, Address = 0, Metric = "nobody_home" },
                ],
            },
        });
        await source.StartAsync(CancellationToken);
        var port = source.Ports[0];
        await Eventually.TrueAsync(() => port.Frames == 2 && port.BadFrameTotal == 2, "one poll: two reads, an exception, a timeout", cancellationToken: CancellationToken);
        await source.StopAsync(CancellationToken);
        await stopStation.CancelAsync();
        await playing;

        var readings = (await _buffer.ReadBatchAsync(100, 1 << 20, CancellationToken)).Select(r => ReadingSerializer.Deserialize(r.Payload.Span)).ToList();
        Assert.Equal(7.0, Assert.Single(readings, r => r.Metric == "slave_address").Value);
        var temperature = Assert.Single(readings, r => r.Metric == "temperature");
        Assert.InRange(temperature.Value, -30, 45);
        Assert.Equal("Cel", temperature.Unit);
        Assert.Equal(1, port.BadFrames["modbus-exception"]);
        Assert.Equal(1, port.BadFrames["response-timeout"]);

        var deadLetters = await _buffer.ListDeadLettersAsync(0, 10, CancellationToken);
        var exception = Assert.Single(deadLetters, d => d.Entry.Reason == "modbus-exception").Entry;
        Assert.Contains("illegal data address", exception.Detail, StringComparison.Ordinal);
        Assert.Equal(new byte[] { 7, 0x84, 0x02 }, exception.Raw.ToArray()[..3]);
        var timeout = Assert.Single(deadLetters, d => d.Entry.Reason == "response-timeout").Entry;
        Assert.Equal(Sources.Serial.Modbus.ModbusRtu.ReadRequest(9, 3, 0, 1), timeout.Raw.ToArray());
    }

    private SerialSource Source(params SerialPortOptions[] ports)
    {
        var ingestor = new ReadingIngestor(
            new ContextEnricher(_registry, Options.Create(new ContextOptions())),
            _buffer,
            new DeviceSequencer(),
            TimeProvider.System,
            LoggerFactory.CreateLogger<ReadingIngestor>());
        return new SerialSource(Options.Create(new SerialOptions { Ports = [.. ports] }), ingestor, TimeProvider.System, LoggerFactory.CreateLogger<SerialSource>());
    }
}
