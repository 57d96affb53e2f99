using EdgeGateway.Hardware.Serial;

namespace EdgeGateway.Sources.Serial.Modbus;

/// <summary>
/// Modbus RTU master on one serial port: one request at a time, stale input discarded before each,
/// the answer awaited up to the response timeout. Blocking: call it from the port's own thread.
/// </summary>
public sealed class ModbusMaster(SerialPort port, TimeSpan responseTimeout)
{
    private readonly byte[] _buffer = new byte[256];

    /// <summary>Reads <paramref name="count"/> registers with function 03 or 04.</summary>
    /// <returns>The raw response frame and the register values.</returns>
    /// <exception cref="ModbusException">No answer in time, a bad CRC, an exception response or a malformed answer.</exception>
    /// <exception cref="SerialPortException">The port failed (e.g. unplugged).</exception>
    public (byte[] Response, ushort[] Values) ReadRegisters(byte unit, byte function, ushort address, ushort count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(port);
        var request = ModbusRtu.ReadRequest(unit, function, address, count);
        port.DiscardInput();
        port.Write(request, cancellationToken);
        var received = 0;
        var deadline = Environment.TickCount64 + (long)responseTimeout.TotalMilliseconds;
        while (true)
        {
            var expected = ModbusRtu.ResponseLength(_buffer.AsSpan(0, received));
            if (expected is { } length && received >= length)
            {
                var response = _buffer.AsSpan(0, length).ToArray();
                try
                {
                    return (response, ModbusRtu.ParseReadResponse(response, unit, function, count));
                }
                catch (ModbusException error)
                {
                    throw new ModbusException(error.Reason, error.Message, error.ExceptionCode) { Response = response };
                }
            }

            var remaining = deadline - Environment.TickCount64;
            var read = remaining > 0
                ? port.Read(_buffer.AsSpan(received, (expected ?? 3) - received), TimeSpan.FromMilliseconds(remaining), cancellationToken)
                : 0;
            if (read == 0)
            {
                throw new ModbusException(
                    "response-timeout",
                    received == 0
                        ? $"unit {unit} did not answer function {function:00} at {address} within {responseTimeout.TotalMilliseconds:0} ms"
                        : $"unit {unit}'s answer stopped after {received} bytes ({responseTimeout.TotalMilliseconds:0} ms)")
                {
                    Response = _buffer.AsSpan(0, received).ToArray(),
                };
            }

            received += read;
        }
    }
}
