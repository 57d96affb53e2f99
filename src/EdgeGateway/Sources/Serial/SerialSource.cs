using System.Threading.Channels;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using EdgeGateway.Hardware.Serial;
using EdgeGateway.Pipeline;
using EdgeGateway.Sources.Serial.Modbus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Sources.Serial;

/// <summary>
/// The serial source: one reader per configured port. Each port has its own thread that blocks in
/// <see cref="SerialPort.Read"/> (or polls Modbus slaves), cuts the byte stream into frames and hands
/// them through a bounded channel to an async stage that feeds the ingest path; bad frames are counted
/// per port and cause and dead-lettered with their bytes, and never stop the port. When the device
/// disappears (USB adapter unplugged) the loss is logged once and the port is reopened with backoff
/// until the path returns.
/// </summary>
public sealed partial class SerialSource : BackgroundService
{
    private const int ChannelCapacity = 1024;
    private const int GroupSize = 256;
    private static readonly TimeSpan ReadSlice = TimeSpan.FromSeconds(1);
    private readonly ReadingIngestor _ingestor;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly Dictionary<string, SerialPortStatistics> _statistics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RunningPort> _running = new(StringComparer.Ordinal);
    private IReadOnlyList<SerialPortOptions> _ports;
    private CancellationToken? _stoppingToken;

    /// <summary>Creates the source from the <c>Serial</c> options.</summary>
    public SerialSource(IOptions<SerialOptions> options, ReadingIngestor ingestor, TimeProvider timeProvider, ILogger<SerialSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ports = options.Value.Ports;
        _ingestor = ingestor;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The counters of each enabled port, in configuration order.</summary>
    public IReadOnlyList<SerialPortStatistics> Ports
    {
        get
        {
            lock (_statistics)
            {
                return [.. _ports.Where(p => p.Enabled).Select(p => Statistics(p.EffectiveName))];
            }
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _applyLock.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Changes the ports while running: a port that is gone, disabled or configured differently is closed
    /// (its reader stops after committing what it had read), and a new or changed one is opened. Ports
    /// that stay the same keep reading undisturbed. Applying the previous list undoes a change.
    /// </summary>
    public async Task ApplyPortsAsync(IReadOnlyList<SerialPortOptions> ports, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ports);
        await _applyLock.WaitAsync(cancellationToken);
        try
        {
            _ports = ports;
            if (_stoppingToken is { } stoppingToken)
            {
                await ReconcileAsync(stoppingToken);
            }
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _applyLock.WaitAsync(stoppingToken);
        try
        {
            _stoppingToken = stoppingToken;
            await ReconcileAsync(stoppingToken);
        }
        finally
        {
            _applyLock.Release();
        }

        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, _timeProvider, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: every port's token is linked to this one.
        }

        List<RunningPort> running;
        lock (_statistics)
        {
            running = [.. _running.Values];
        }

        await Task.WhenAll(running.Select(r => r.Task));
        foreach (var port in running)
        {
            port.Stop.Dispose();
        }
    }

    private async Task ReconcileAsync(CancellationToken stoppingToken)
    {
        var wanted = _ports.Where(p => p.Enabled).ToDictionary(p => p.EffectiveName, p => p, StringComparer.Ordinal);
        var stale = _running.Values.Where(r => !wanted.TryGetValue(r.Options.EffectiveName, out var next) || Fingerprint(next) != r.Fingerprint).ToList();
        foreach (var port in stale)
        {
            await port.Stop.CancelAsync();
            await port.Task;
            port.Stop.Dispose();
            lock (_statistics)
            {
                _running.Remove(port.Options.EffectiveName);
            }

            LogPortClosed(_logger, port.Options.EffectiveName);
        }

        foreach (var (name, options) in wanted)
        {
            if (_running.ContainsKey(name))
            {
                continue;
            }

            var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var statistics = Statistics(name);
            var task = Task.Run(() => RunPortAsync(options, statistics, stop.Token), CancellationToken.None);
            lock (_statistics)
            {
                _running[name] = new RunningPort(options, Fingerprint(options), stop, task);
            }
        }
    }

    private SerialPortStatistics Statistics(string name)
    {
        lock (_statistics)
        {
            if (!_statistics.TryGetValue(name, out var statistics))
            {
                statistics = new SerialPortStatistics { Name = name };
                _statistics[name] = statistics;
            }

            return statistics;
        }
    }

    // Options are plain settable properties bound from configuration: their values, flattened, tell a changed port apart.
    private static string Fingerprint(object? value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        System.Collections.IEnumerable items => $"[{string.Join(",", items.Cast<object?>().Select(Fingerprint))}]",
        _ when value.GetType().IsValueType => value.ToString() ?? string.Empty,
        _ => $"{{{string.Join(",", value.GetType().GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0)
            .Select(p => $"{p.Name}={Fingerprint(p.GetValue(value))}"))}}}",
    };

    private async Task RunPortAsync(SerialPortOptions options, SerialPortStatistics statistics, CancellationToken stoppingToken)
    {
        var channel = Channel.CreateBounded<PortItem>(new BoundedChannelOptions(ChannelCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        // The reading side blocks in poll(): a thread of its own, not a pool thread.
        var reader = Task.Factory.StartNew(
            () => ReadPort(options, statistics, channel.Writer, stoppingToken),
            stoppingToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        try
        {
            await IngestAsync(options, statistics, channel.Reader, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: frames not yet committed were never acknowledged to anyone; a serial sensor cannot resend them.
        }

        try
        {
            await reader;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The reader was cancelled before it started.
        }
    }

    private void ReadPort(SerialPortOptions options, SerialPortStatistics statistics, ChannelWriter<PortItem> writer, CancellationToken stoppingToken)
    {
        var name = options.EffectiveName;
        var delay = options.ReconnectDelay;
        var everOpened = false;
        var outageReported = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                SerialPort port;
                try
                {
                    port = SerialPort.Open(options.Path, options.Settings);
                }
                catch (SerialPortException error) when (error.Error is SerialPortError.InvalidSettings)
                {
                    LogPortUnusable(_logger, name, error.Message);
                    return;
                }
                catch (SerialPortException error)
                {
                    if (!outageReported)
                    {
                        LogPortUnavailable(_logger, name, error.Message, delay);
                        outageReported = true;
                    }
                    else
                    {
                        LogStillUnavailable(_logger, name, error.Message);
                    }

                    Wait(delay, stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.ReconnectMaxDelay.Ticks));
                    continue;
                }

                if (everOpened)
                {
                    statistics.CountReconnect();
                    LogPortResumed(_logger, name, options.Path);
                }
                else
                {
                    LogPortOpened(_logger, name, options.Path, port.Settings, options.Protocol);
                }

                everOpened = true;
                outageReported = false;
                delay = options.ReconnectDelay;
                statistics.IsOpen = true;
                try
                {
                    if (options.Protocol == SerialProtocol.ModbusRtu)
                    {
                        PollModbus(options, port, writer, stoppingToken);
                    }
                    else
                    {
                        Stream(options, port, writer, stoppingToken);
                    }
                }
                catch (SerialPortException error)
                {
                    // Logged once per outage: the failed reopen attempts that follow are only debug lines.
                    LogPortLost(_logger, name, error.Message, delay);
                    outageReported = true;
                }
                finally
                {
                    statistics.IsOpen = false;
                    port.Dispose();
                }

                Wait(delay, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (ChannelClosedException)
        {
            // The ingest side ended.
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private void Stream(SerialPortOptions options, SerialPort port, ChannelWriter<PortItem> writer, CancellationToken stoppingToken)
    {
        var framer = options.CreateFramer();
        var decoder = options.CreateDecoder();
        var buffer = new byte[4096];
        var frames = new List<SerialFrame>();
        while (true)
        {
            var read = port.Read(buffer, ReadSlice, stoppingToken);
            if (read == 0)
            {
                continue;
            }

            var now = _timeProvider.GetUtcNow();
            frames.Clear();
            framer.Feed(buffer.AsSpan(0, read), frames);
            foreach (var frame in frames)
            {
                var message = new RawMessage(SourceKind.Serial, options.EffectiveName, options.Path, frame.Bytes, now);
                Write(writer, new PortItem(message, decoder, frame.RejectReason, frame.Detail), stoppingToken);
            }
        }
    }

    private void PollModbus(SerialPortOptions options, SerialPort port, ChannelWriter<PortItem> writer, CancellationToken stoppingToken)
    {
        var modbus = options.Modbus!;
        var master = new ModbusMaster(port, modbus.ResponseTimeout);
        var registers = modbus.Registers.Select(r => (Options: r, Decoder: new ModbusRegisterDecoder(r))).ToList();
        while (true)
        {
            var started = _timeProvider.GetTimestamp();
            foreach (var (register, decoder) in registers)
            {
                var channel = $"{options.Path}@{register.UnitId}/{register.Function:00}/{register.Address}";
                PortItem item;
                try
                {
                    var (response, _) = master.ReadRegisters((byte)register.UnitId, (byte)register.Function, (ushort)register.Address, (ushort)register.RegisterCount, stoppingToken);
                    item = new PortItem(new RawMessage(SourceKind.Serial, options.EffectiveName, channel, response, _timeProvider.GetUtcNow()), decoder, null, null);
                }
                catch (ModbusException error)
                {
                    // The dead letter keeps what came back, or the request that got no answer.
                    var bytes = error.Response.Length > 0
                        ? error.Response
                        : ModbusRtu.ReadRequest((byte)register.UnitId, (byte)register.Function, (ushort)register.Address, (ushort)register.RegisterCount);
                    var detail = error.Response.Length > 0 ? error.Message : $"{error.Message} (the bytes are the request)";
                    item = new PortItem(new RawMessage(SourceKind.Serial, options.EffectiveName, channel, bytes, _timeProvider.GetUtcNow()), decoder, error.Reason, detail);
                }

                Write(writer, item, stoppingToken);
            }

            var remaining = modbus.PollInterval - _timeProvider.GetElapsedTime(started);
            if (remaining > TimeSpan.Zero)
            {
                Wait(remaining, stoppingToken);
            }
        }
    }

    private async Task IngestAsync(SerialPortOptions options, SerialPortStatistics statistics, ChannelReader<PortItem> reader, CancellationToken stoppingToken)
    {
        var isNmea = options.Protocol == SerialProtocol.Nmea;
        var group = new List<IngestItem>(GroupSize);

        // Counted once durable (committed readings or dead letters), so the counters never run ahead of the buffer.
        var outcomes = new List<string?>(GroupSize);
        while (await reader.WaitToReadAsync(stoppingToken))
        {
            while (group.Count < GroupSize && reader.TryRead(out var item))
            {
                if (item.RejectReason is { } reason)
                {
                    // Keep stream order: what came before the bad frame is committed first.
                    await FlushAsync(group, outcomes, statistics, stoppingToken);
                    await _ingestor.DeadLetterAsync(item.Message, reason, item.Detail, stoppingToken);
                    statistics.CountBad(reason);
                    continue;
                }

                var payload = item.Message.Payload.Span;
                if (isNmea && payload[0] == (byte)'$' && !NmeaDecoder.IsSupported(NmeaDecoder.SentenceType(payload)))
                {
                    statistics.CountIgnored();
                    continue;
                }

                // Decoded here to count by cause; the ingest path dead-letters a frame that does not decode.
                var decoded = item.Decoder.Decode(item.Message, null);
                outcomes.Add(decoded.IsSuccess ? null : decoded.Failure.ReasonName);
                group.Add(new IngestItem(item.Message, item.Decoder, null));
            }

            await FlushAsync(group, outcomes, statistics, stoppingToken);
        }
    }

    private async Task FlushAsync(List<IngestItem> group, List<string?> outcomes, SerialPortStatistics statistics, CancellationToken stoppingToken)
    {
        if (group.Count == 0)
        {
            return;
        }

        await _ingestor.IngestAsync(group, stoppingToken);
        foreach (var failure in outcomes)
        {
            if (failure is null)
            {
                statistics.CountFrame();
            }
            else
            {
                statistics.CountBad(failure);
            }
        }

        group.Clear();
        outcomes.Clear();
    }

    private static void Write(ChannelWriter<PortItem> writer, PortItem item, CancellationToken stoppingToken)
    {
        // On the port's own thread: waiting here is the back-pressure (the driver buffers meanwhile).
        while (!writer.TryWrite(item))
        {
            if (!writer.WaitToWriteAsync(stoppingToken).AsTask().GetAwaiter().GetResult())
            {
                throw new ChannelClosedException();
            }
        }
    }

    private void Wait(TimeSpan delay, CancellationToken stoppingToken) =>
        Task.Delay(delay, _timeProvider, stoppingToken).GetAwaiter().GetResult();

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Serial port {Port} open: {Path} at {Settings}, protocol {Protocol}")]
    private static partial void LogPortOpened(ILogger logger, string port, string path, SerialPortSettings settings, SerialProtocol protocol);

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "Serial port {Port} unavailable: {Reason}; retrying (first in {Delay}), logged again when it returns")]
    private static partial void LogPortUnavailable(ILogger logger, string port, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 602, Level = LogLevel.Debug, Message = "Serial port {Port} still unavailable: {Reason}")]
    private static partial void LogStillUnavailable(ILogger logger, string port, string reason);

    [LoggerMessage(EventId = 603, Level = LogLevel.Warning, Message = "Serial port {Port} lost: {Reason}; reopening (first in {Delay}), logged again when it returns")]
    private static partial void LogPortLost(ILogger logger, string port, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 604, Level = LogLevel.Information, Message = "Serial port {Port} back: {Path} reopened")]
    private static partial void LogPortResumed(ILogger logger, string port, string path);

    [LoggerMessage(EventId = 606, Level = LogLevel.Information, Message = "Serial port {Port} closed (configuration changed)")]
    private static partial void LogPortClosed(ILogger logger, string port);

    [LoggerMessage(EventId = 605, Level = LogLevel.Error, Message = "Serial port {Port} cannot be used: {Reason}; fix the configuration (the port stays closed)")]
    private static partial void LogPortUnusable(ILogger logger, string port, string reason);

    private sealed record RunningPort(SerialPortOptions Options, string Fingerprint, CancellationTokenSource Stop, Task Task);

    private readonly record struct PortItem(RawMessage Message, IPayloadDecoder Decoder, string? RejectReason, string? Detail);
}
