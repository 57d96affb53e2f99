using System.Globalization;
using System.Text.Json;
using FirmwareSim.Faults;

namespace FirmwareSim.Running;

/// <summary>The end-of-run summary: printed for people, optionally written as JSON for scripts and tests.</summary>
public sealed record RunSummary
{
    /// <summary>Why the run ended: <c>duration</c>, <c>stopped</c> (Ctrl+C, SIGTERM) or <c>failed</c>.</summary>
    public required string Ending { get; init; }

    /// <summary>Seconds from the start of sending to the end of the drain.</summary>
    public double Seconds { get; init; }

    /// <summary>Devices in the MQTT fleet.</summary>
    public int Devices { get; init; }

    /// <summary>MQTT connections.</summary>
    public int Connections { get; init; }

    /// <summary>Serial ports.</summary>
    public int SerialPorts { get; init; }

    /// <summary>Requested readings per second, if any.</summary>
    public double? RequestedRate { get; init; }

    /// <summary>Lines written to the ledger.</summary>
    public long LedgerLines { get; init; }

    /// <summary>The counters.</summary>
    public required SimulatorStatistics Statistics { get; init; }

    /// <summary>Prints the summary.</summary>
    public async Task WriteAsync(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var s = Statistics;
        await output.WriteLineAsync(Invariant($"firmware-sim: summary ({Ending}, {Seconds:0.0} s)"));
        if (Devices > 0)
        {
            var rate = RequestedRate is { } requested ? Invariant($" (requested {requested:0})") : string.Empty;
            await output.WriteLineAsync(Invariant(
                $"  mqtt: {s.MqttReadings:N0} readings in {s.MqttMessages:N0} messages from {Devices:N0} devices on {Connections} connection(s), {s.MqttReadingsPerSecond:N0} readings/s{rate}; {s.MqttStatusMessages:N0} status messages, {s.MqttFailures:N0} failed, {s.MqttConnects:N0} connects; commands: {s.CommandsApplied} applied, {s.CommandsRejected} rejected"));
        }

        if (SerialPorts > 0)
        {
            await output.WriteLineAsync(Invariant(
                $"  serial: {s.SerialFrames:N0} frames ({s.SerialBytes:N0} bytes) on {SerialPorts} port(s), {s.SerialDropped:N0} dropped unread; modbus: {s.ModbusRequests:N0} requests, {s.ModbusExceptions:N0} exceptions"));
        }

        var faults = Enum.GetValues<FaultKind>().Where(k => s.Faults(k) > 0).Select(k => Invariant($"{FaultNames.Name(k)} {s.Faults(k):N0}")).ToList();
        await output.WriteLineAsync($"  faults: {(faults.Count == 0 ? "none" : string.Join(", ", faults))}");
        if (LedgerLines > 0)
        {
            await output.WriteLineAsync(Invariant($"  ledger: {LedgerLines:N0} lines"));
        }
    }

    /// <summary>Writes the summary as a JSON file.</summary>
    public async Task WriteJsonAsync(string path)
    {
        var s = Statistics;
        await using var file = File.Create(path);
        await using var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("ending", Ending);
        json.WriteNumber("seconds", Math.Round(Seconds, 3));
        json.WriteNumber("devices", Devices);
        json.WriteNumber("connections", Connections);
        if (RequestedRate is { } requested)
        {
            json.WriteNumber("requestedRate", requested);
        }

        json.WriteStartObject("mqtt");
        json.WriteNumber("messages", s.MqttMessages);
        json.WriteNumber("readings", s.MqttReadings);
        json.WriteNumber("readingsPerSecond", Math.Round(s.MqttReadingsPerSecond, 1));
        json.WriteNumber("bytes", s.MqttBytes);
        json.WriteNumber("statusMessages", s.MqttStatusMessages);
        json.WriteNumber("failures", s.MqttFailures);
        json.WriteNumber("connects", s.MqttConnects);
        json.WriteNumber("scheduledMessages", s.ReadingMessagesScheduled);
        json.WriteNumber("scheduledReadings", s.ReadingsScheduled);
        json.WriteEndObject();
        json.WriteStartObject("commands");
        json.WriteNumber("applied", s.CommandsApplied);
        json.WriteNumber("rejected", s.CommandsRejected);
        json.WriteEndObject();
        json.WriteStartObject("serial");
        json.WriteNumber("ports", SerialPorts);
        json.WriteNumber("frames", s.SerialFrames);
        json.WriteNumber("bytes", s.SerialBytes);
        json.WriteNumber("dropped", s.SerialDropped);
        json.WriteNumber("modbusRequests", s.ModbusRequests);
        json.WriteNumber("modbusExceptions", s.ModbusExceptions);
        json.WriteEndObject();
        json.WriteStartObject("faults");
        foreach (var kind in Enum.GetValues<FaultKind>())
        {
            json.WriteNumber(FaultNames.Name(kind), s.Faults(kind));
        }

        json.WriteEndObject();
        json.WriteNumber("ledgerLines", LedgerLines);
        json.WriteEndObject();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
