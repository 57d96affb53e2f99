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
    private readonly SerialOptions _options;
    private readonly ReadingIngestor _ingestor;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SerialPortStatistics[] _statistics;

    /// <summary>Creates the source from the <c>Serial</c> options.</summary>
    public SerialSource(IOptions<SerialOptions> options, ReadingIngestor ingestor, TimeProvider timeProvider, ILogger<SerialSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _ingestor = ingestor;
        _timeProvider = timeProvider;
        _logger = logger;
        _statistics = [.. _options.Ports.Select(p => new SerialPortStatistics { Name = p.EffectiveName })];
    }

    /// <summary>The counters of each configured port, in configuration order.</summary>
    public IReadOnlyList<SerialPortStatistics> Ports => _statistics;

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_options.Ports.Select((port, i) => RunPortAsync(port, _statistics[i], stoppingToken)));

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

    [LoggerMessage(EventId = 605, Level = LogLevel.Error, Message = "Serial port {Port} cannot be used: {Reason}; fix the configuration (the port stays closed)")]
    private static partial void LogPortUnusable(ILogger logger, string port, string reason);

    private readonly record struct PortItem(RawMessage Message, IPayloadDecoder Decoder, string? RejectReason, string? Detail);
}
