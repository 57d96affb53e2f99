namespace FirmwareSim.Serial.Protocols;

/// <summary>Modbus exception codes the slave answers with.</summary>
public enum ModbusExceptionCode : byte
{
    /// <summary>The function code is not supported.</summary>
    IllegalFunction = 0x01,

    /// <summary>The registers asked for are outside the register map.</summary>
    IllegalDataAddress = 0x02,

    /// <summary>The quantity is 0 or above 125.</summary>
    IllegalDataValue = 0x03,
}

/// <summary>
/// Modbus RTU framing: CRC-16/MODBUS (polynomial 0xA001 reflected, initial 0xFFFF, sent low byte
/// first) and a slave that answers <c>03</c> (read holding registers) and <c>04</c> (read input
/// registers) from register maps, with exception responses for bad functions, addresses and quantities.
/// </summary>
public static class ModbusRtu
{
    /// <summary>Read holding registers.</summary>
    public const byte ReadHoldingRegisters = 0x03;

    /// <summary>Read input registers.</summary>
    public const byte ReadInputRegisters = 0x04;

    /// <summary>The most registers one request may read.</summary>
    public const int MaximumQuantity = 125;

    private static readonly ushort[] CrcTable = BuildTable();

    /// <summary>CRC-16/MODBUS of <paramref name="data"/> (table-driven).</summary>
    public static ushort Crc(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (var b in data)
        {
            crc = (ushort)((crc >> 8) ^ CrcTable[(crc ^ b) & 0xFF]);
        }

        return crc;
    }

    /// <summary>Appends the CRC (low byte first) to a frame body.</summary>
    public static byte[] WithCrc(ReadOnlySpan<byte> body)
    {
        var frame = new byte[body.Length + 2];
        body.CopyTo(frame);
        var crc = Crc(body);
        frame[^2] = (byte)crc;
        frame[^1] = (byte)(crc >> 8);
        return frame;
    }

    /// <summary>True when the frame's last two bytes are the CRC of the rest.</summary>
    public static bool HasValidCrc(ReadOnlySpan<byte> frame) =>
        frame.Length >= 4 && Crc(frame[..^2]) == (ushort)(frame[^2] | (frame[^1] << 8));

    /// <summary>
    /// The slave's answer to one request frame (CRC included), or null when a slave must stay silent:
    /// a bad CRC, another slave's address, a broadcast, or a frame too short to be a request.
    /// </summary>
    /// <param name="request">The request as received.</param>
    /// <param name="address">This slave's address.</param>
    /// <param name="holding">The holding registers (function 03), from address 0.</param>
    /// <param name="input">The input registers (function 04), from address 0.</param>
    public static byte[]? Answer(ReadOnlySpan<byte> request, byte address, IReadOnlyList<ushort> holding, IReadOnlyList<ushort> input)
    {
        ArgumentNullException.ThrowIfNull(holding);
        ArgumentNullException.ThrowIfNull(input);
        if (request.Length < 4 || !HasValidCrc(request) || request[0] != address)
        {
            return null;
        }

        var function = request[1];
        if (function is not (ReadHoldingRegisters or ReadInputRegisters))
        {
            return Exception(address, function, ModbusExceptionCode.IllegalFunction);
        }

        if (request.Length != 8)
        {
            return Exception(address, function, ModbusExceptionCode.IllegalDataValue);
        }

        var start = (request[2] << 8) | request[3];
        var quantity = (request[4] << 8) | request[5];
        var registers = function == ReadHoldingRegisters ? holding : input;
        if (quantity is < 1 or > MaximumQuantity)
        {
            return Exception(address, function, ModbusExceptionCode.IllegalDataValue);
        }

        if (start + quantity > registers.Count)
        {
            return Exception(address, function, ModbusExceptionCode.IllegalDataAddress);
        }

        var body = new byte[3 + (2 * quantity)];
        body[0] = address;
        body[1] = function;
        body[2] = (byte)(2 * quantity);
        for (var i = 0; i < quantity; i++)
        {
            body[3 + (2 * i)] = (byte)(registers[start + i] >> 8);
            body[4 + (2 * i)] = (byte)registers[start + i];
        }

        return WithCrc(body);
    }

    /// <summary>True when <paramref name="response"/> is an exception response.</summary>
    public static bool IsException(ReadOnlySpan<byte> response) => response.Length >= 2 && (response[1] & 0x80) != 0;

    private static byte[] Exception(byte address, byte function, ModbusExceptionCode code) =>
        WithCrc([address, (byte)(function | 0x80), (byte)code]);

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var value = (ushort)i;
            for (var bit = 0; bit < 8; bit++)
            {
                value = (value & 1) != 0 ? (ushort)((value >> 1) ^ 0xA001) : (ushort)(value >> 1);
            }

            table[i] = value;
        }

        return table;
    }
}
