using System.Diagnostics.Metrics;
using EdgeGateway.Observability;
using EdgeGateway.Sources.Gpio;
using EdgeGateway.Sources.Serial;

namespace EdgeGateway.Sources;

/// <summary>
/// The sources' instruments, all read from their own statistics when collected (the sources count
/// anyway; nothing is recorded on their paths): MQTT link state, messages and reconnects, serial
/// frames, bad frames and reopenings per port, GPIO chip and line state, errors and bounces per line.
/// Port and line names come from the configuration, so their number is bounded.
/// </summary>
public sealed class SourceMetrics
{
    /// <summary>Creates the instruments over the running sources.</summary>
    public SourceMetrics(GatewayMeter meter, MqttSource mqtt, SerialSource serial, GpioSource gpio)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(serial);
        ArgumentNullException.ThrowIfNull(gpio);
        var m = meter.Meter;
        m.CreateObservableGauge(
            "edgegateway.mqtt.connected",
            () => mqtt.GetStatistics() is { State: not MqttSourceState.Off } s ? [new Measurement<int>(s.State == MqttSourceState.Connected ? 1 : 0)] : Array.Empty<Measurement<int>>(),
            description: "1 while connected to the MQTT broker, 0 otherwise (absent when no subscription is configured)");
        m.CreateObservableCounter("edgegateway.mqtt.messages.received", () => mqtt.GetStatistics().MessagesReceived, "{message}", "MQTT messages received");
        m.CreateObservableCounter(
            "edgegateway.mqtt.messages.acknowledged", () => mqtt.GetStatistics().MessagesAcknowledged, "{message}", "MQTT messages acknowledged to the broker (after their commit)");
        m.CreateObservableCounter("edgegateway.mqtt.connects", () => mqtt.GetStatistics().Connects, "{connection}", "Successful connections to the MQTT broker (the first and every reconnection)");
        m.CreateObservableCounter("edgegateway.mqtt.connections.lost", () => mqtt.GetStatistics().ConnectionsLost, "{connection}", "Connections to the MQTT broker that were lost");

        m.CreateObservableGauge(
            "edgegateway.serial.port.open", () => serial.Ports.Select(p => new Measurement<int>(p.IsOpen ? 1 : 0, Port(p))), description: "1 while the serial port is open, by port");
        m.CreateObservableCounter("edgegateway.serial.frames", () => serial.Ports.Select(p => new Measurement<long>(p.Frames, Port(p))), "{frame}", "Frames read from the serial port, by port");
        m.CreateObservableCounter(
            "edgegateway.serial.frames.bad",
            () => serial.Ports.SelectMany(p => p.BadFrames.Select(b => new Measurement<long>(b.Value, Port(p), new KeyValuePair<string, object?>("reason", b.Key)))),
            "{frame}",
            "Frames from the serial port that could not be used (bad checksum, garbage...), by port and reason");
        m.CreateObservableCounter(
            "edgegateway.serial.reconnects", () => serial.Ports.Select(p => new Measurement<long>(p.Reconnects, Port(p))), "{reconnect}", "Times the serial port was reopened after an error, by port");

        m.CreateObservableGauge(
            "edgegateway.gpio.chip.open",
            () => gpio.Lines.Count == 0 ? [] : new[] { new Measurement<int>(gpio.ChipOpen ? 1 : 0) },
            description: "1 while the GPIO chip is open (absent when no line is configured)");
        m.CreateObservableGauge("edgegateway.gpio.line.open", () => gpio.Lines.Select(l => new Measurement<int>(l.IsOpen ? 1 : 0, Line(l))), description: "1 while the GPIO line is requested, by line");
        m.CreateObservableCounter("edgegateway.gpio.errors", () => gpio.Lines.Select(l => new Measurement<long>(l.Errors, Line(l))), "{error}", "Errors requesting or reading the GPIO line, by line");
        m.CreateObservableCounter("edgegateway.gpio.bounces", () => gpio.Lines.Select(l => new Measurement<long>(l.Bounces, Line(l))), "{edge}", "Contact bounces filtered out, by line");
    }

    private static KeyValuePair<string, object?> Port(SerialPortStatistics port) => new("port", port.Name);

    private static KeyValuePair<string, object?> Line(GpioLineStatistics line) => new("line", line.Name);
}
