using System.Buffers.Binary;
using EdgeGateway.Hardware.Serial;
using EdgeGateway.Sources.Serial.Modbus;
using EdgeGateway.Testing.Serial;
using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Serial;

/// <summary>The Modbus RTU master against a slave the test plays on the pty's other end.</summary>
public sealed class ModbusTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void CRC_16_MODBUS_matches_the_published_example()
    {
        // "01 03 00 00 00 0A" → CRC C5 CD on the wire (low byte first), the usual textbook frame.
        Assert.Equal([0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD], ModbusRtu.ReadRequest(1, 3, 0, 10));
    }

    [Theory]
    [InlineData(ModbusValueType.Uint16, ModbusWordOrder.HighFirst, new ushort[] { 0xFFFE }, 65534.0)]
    [InlineData(ModbusValueType.Int16, ModbusWordOrder.HighFirst, new ushort[] { 0xFFFE }, -2.0)]
    [InlineData(ModbusValueType.Uint32, ModbusWordOrder.HighFirst, new ushort[] { 0x0001, 0x0002 }, 65538.0)]
    [InlineData(ModbusValueType.Uint32, ModbusWordOrder.LowFirst, new ushort[] { 0x0002, 0x0001 }, 65538.0)]
    [InlineData(ModbusValueType.Int32, ModbusWordOrder.HighFirst, new ushort[] { 0xFFFF, 0xFFFF }, -1.0)]
    [InlineData(ModbusValueType.Float32, ModbusWordOrder.HighFirst, new ushort[] { 0x4148, 0x0000 }, 12.5)]
    public void Registers_become_values_by_type_and_word_order(ModbusValueType type, ModbusWordOrder order, ushort[] registers, double expected)
    {
        Assert.Equal(expected, ModbusRtu.Value(registers, new ModbusRegisterOptions { Type = type, WordOrder = order }));
    }

    [Fact]
    public void Scale_and_offset_give_engineering_units()
    {
        var register = new ModbusRegisterOptions { Type = ModbusValueType.Int16, Scale = 0.1, Offset = -40 };
        Assert.Equal(-17.5, ModbusRtu.Value([225], register), 9);
    }

    [Fact]
    public async Task A_good_read_returns_the_registers_the_slave_sent()
    {
        using var pty = PtyPair.Open();
        using var port = SerialPort.Open(pty.DevicePath, new SerialPortSettings { Baud = 19200, Parity = SerialParity.Even });
        var master = new ModbusMaster(port, TimeSpan.FromSeconds(2));
        var reading = Task.Run(() => master.ReadRegisters(7, 4, 0x0100, 2, Token), Token);

        Assert.Equal(ModbusRtu.ReadRequest(7, 4, 0x0100, 2), await pty.ReadAsync(8, cancellationToken: Token));
        var response = Response(7, 4, [0x1234, 0xABCD]);

        // The answer arrives in two pieces, as a slow slave's would.
        pty.Write(response.AsSpan(0, 3));
        pty.Write(response.AsSpan(3));

        var (raw, values) = await Eventually.WithinAsync(reading, "the read");
        Assert.Equal([0x1234, 0xABCD], values);
        Assert.Equal(response, raw);
    }

    [Fact]
    public async Task An_exception_response_is_reported_with_its_code_and_name()
    {
        using var pty = PtyPair.Open();
        using var port = SerialPort.Open(pty.DevicePath, new SerialPortSettings());
        var master = new ModbusMaster(port, TimeSpan.FromSeconds(2));
        var reading = Task.Run(() => master.ReadRegisters(1, 3, 9999, 1, Token), Token);
        await pty.ReadAsync(8, cancellationToken: Token);
        pty.Write(WithCrc([0x01, 0x83, 0x02]));

        var error = await Assert.ThrowsAsync<ModbusException>(() => Eventually.WithinAsync(reading, "the read"));
        Assert.Equal("modbus-exception", error.Reason);
        Assert.Equal((byte)2, error.ExceptionCode);
        Assert.Contains("illegal data address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupted_response_fails_its_CRC()
    {
        using var pty = PtyPair.Open();
        using var port = SerialPort.Open(pty.DevicePath, new SerialPortSettings());
        var master = new ModbusMaster(port, TimeSpan.FromSeconds(2));
        var reading = Task.Run(() => master.ReadRegisters(1, 3, 0, 1, Token), Token);
        await pty.ReadAsync(8, cancellationToken: Token);
        var response = Response(1, 3, [42]);
        response[4] ^= 0x01;
        pty.Write(response);

        var error = await Assert.ThrowsAsync<ModbusException>(() => Eventually.WithinAsync(reading, "the read"));
        Assert.Equal("checksum-mismatch", error.Reason);
        Assert.Equal(response, error.Response);
    }

    [Fact]
    public async Task A_silent_slave_times_out_and_the_port_still_serves_the_next_request()
    {
        using var pty = PtyPair.Open();
        using var port = SerialPort.Open(pty.DevicePath, new SerialPortSettings());
        var master = new ModbusMaster(port, TimeSpan.FromMilliseconds(100));
        var error = await Assert.ThrowsAsync<ModbusException>(() => Task.Run(() => master.ReadRegisters(5, 3, 0, 1, Token), Token));
        Assert.Equal("response-timeout", error.Reason);
        Assert.Contains("unit 5 did not answer", error.Message, StringComparison.Ordinal);
        Assert.Empty(error.Response);
        await pty.ReadAsync(8, cancellationToken: Token);

        var patient = new ModbusMaster(port, TimeSpan.FromSeconds(2));
        var reading = Task.Run(() => patient.ReadRegisters(5, 3, 0, 1, Token), Token);
        await pty.ReadAsync(8, cancellationToken: Token);
        pty.Write(Response(5, 3, [2]));
        Assert.Equal([2], (await Eventually.WithinAsync(reading, "the second read")).Values);
    }

    internal static byte[] Response(byte unit, byte function, ushort[] values)
    {
        var frame = new byte[3 + (2 * values.Length)];
        frame[0] = unit;
        frame[1] = function;
        frame[2] = (byte)(2 * values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(3 + (2 * i)), values[i]);
        }

        return WithCrc(frame);
    }

    internal static byte[] WithCrc(byte[] frame)
    {
        var crc = ModbusRtu.Crc16(frame);
        return [.. frame, (byte)crc, (byte)(crc >> 8)];
    }
}
