using System.Diagnostics;
using FirmwareSim.Faults;

namespace FirmwareSim.Running;

/// <summary>What a run did, counted from any thread; read for the progress lines and the summary.</summary>
public sealed class SimulatorStatistics
{
    private readonly long[] _faults = new long[Enum.GetValues<FaultKind>().Length];
    private long _readingMessagesScheduled;
    private long _readingsScheduled;
    private long _mqttMessages;
    private long _mqttReadings;
    private long _mqttBytes;
    private long _mqttStatusMessages;
    private long _mqttFailures;
    private long _mqttConnects;
    private long _commandsApplied;
    private long _commandsRejected;
    private long _serialFrames;
    private long _serialBytes;
    private long _serialDropped;
    private long _modbusRequests;
    private long _modbusExceptions;
    private long _firstSend;
    private long _lastCompletion;

    /// <summary>Reading messages the scheduler produced (faulty ones included).</summary>
    public long ReadingMessagesScheduled => Interlocked.Read(ref _readingMessagesScheduled);

    /// <summary>Readings in those messages.</summary>
    public long ReadingsScheduled => Interlocked.Read(ref _readingsScheduled);

    /// <summary>Reading messages whose MQTT send completed (duplicates and malformed ones included).</summary>
    public long MqttMessages => Interlocked.Read(ref _mqttMessages);

    /// <summary>Readings written to the ledger: sent, completed, once each.</summary>
    public long MqttReadings => Interlocked.Read(ref _mqttReadings);

    /// <summary>Payload bytes of completed reading messages.</summary>
    public long MqttBytes => Interlocked.Read(ref _mqttBytes);

    /// <summary>Status (birth, offline, firmware, command acknowledgement) messages sent.</summary>
    public long MqttStatusMessages => Interlocked.Read(ref _mqttStatusMessages);

    /// <summary>Publishes that failed for good (refused by the broker, or lost at shutdown).</summary>
    public long MqttFailures => Interlocked.Read(ref _mqttFailures);

    /// <summary>Successful MQTT connects (first ones and after injected disconnects).</summary>
    public long MqttConnects => Interlocked.Read(ref _mqttConnects);

    /// <summary>Commands applied to devices.</summary>
    public long CommandsApplied => Interlocked.Read(ref _commandsApplied);

    /// <summary>Commands that could not be understood.</summary>
    public long CommandsRejected => Interlocked.Read(ref _commandsRejected);

    /// <summary>Frames or lines written to serial ports.</summary>
    public long SerialFrames => Interlocked.Read(ref _serialFrames);

    /// <summary>Bytes written to serial ports.</summary>
    public long SerialBytes => Interlocked.Read(ref _serialBytes);

    /// <summary>Serial frames dropped because nobody read the port and its buffer was full.</summary>
    public long SerialDropped => Interlocked.Read(ref _serialDropped);

    /// <summary>Modbus requests answered (exceptions included).</summary>
    public long ModbusRequests => Interlocked.Read(ref _modbusRequests);

    /// <summary>Modbus exception responses.</summary>
    public long ModbusExceptions => Interlocked.Read(ref _modbusExceptions);

    /// <summary>
    /// Readings per second from the first send to the last completed one (both
    /// <see cref="Stopwatch"/> timestamps); 0 before two sends.
    /// </summary>
    public double MqttReadingsPerSecond
    {
        get
        {
            var first = Interlocked.Read(ref _firstSend);
            var last = Interlocked.Read(ref _lastCompletion);
            var seconds = first == 0 || last <= first ? 0 : Stopwatch.GetElapsedTime(first, last).TotalSeconds;
            return seconds > 0 ? MqttReadings / seconds : 0;
        }
    }

    /// <summary>How many faults of <paramref name="kind"/> were injected.</summary>
    public long Faults(FaultKind kind) => Interlocked.Read(ref _faults[(int)kind]);

    /// <summary>Counts an injected fault.</summary>
    public void Fault(FaultKind kind, long count = 1) => Interlocked.Add(ref _faults[(int)kind], count);

    /// <summary>Counts a reading message produced by the scheduler.</summary>
    public void Scheduled(int readings)
    {
        Interlocked.Increment(ref _readingMessagesScheduled);
        Interlocked.Add(ref _readingsScheduled, readings);
    }

    /// <summary>Marks the first MQTT send (once).</summary>
    public void SendStarted() => Interlocked.CompareExchange(ref _firstSend, Stopwatch.GetTimestamp(), 0);

    /// <summary>Counts a completed reading message; <paramref name="ledgered"/> readings of it went to the ledger.</summary>
    public void MqttCompleted(int ledgered, int bytes)
    {
        Interlocked.Increment(ref _mqttMessages);
        Interlocked.Add(ref _mqttReadings, ledgered);
        Interlocked.Add(ref _mqttBytes, bytes);
        Interlocked.Exchange(ref _lastCompletion, Stopwatch.GetTimestamp());
    }

    /// <summary>Counts a status message sent.</summary>
    public void MqttStatusSent() => Interlocked.Increment(ref _mqttStatusMessages);

    /// <summary>Counts a publish that failed for good.</summary>
    public void MqttFailed() => Interlocked.Increment(ref _mqttFailures);

    /// <summary>Counts a successful connect.</summary>
    public void MqttConnected() => Interlocked.Increment(ref _mqttConnects);

    /// <summary>Counts a command, applied or rejected.</summary>
    public void Command(bool applied) => Interlocked.Increment(ref applied ? ref _commandsApplied : ref _commandsRejected);

    /// <summary>Counts a frame written to a serial port.</summary>
    public void SerialFrame(int bytes)
    {
        Interlocked.Increment(ref _serialFrames);
        Interlocked.Add(ref _serialBytes, bytes);
    }

    /// <summary>Counts a frame dropped on a serial port nobody reads.</summary>
    public void SerialFrameDropped() => Interlocked.Increment(ref _serialDropped);

    /// <summary>Counts a Modbus request answered.</summary>
    public void ModbusRequest(bool exception)
    {
        Interlocked.Increment(ref _modbusRequests);
        if (exception)
        {
            Interlocked.Increment(ref _modbusExceptions);
        }
    }
}
