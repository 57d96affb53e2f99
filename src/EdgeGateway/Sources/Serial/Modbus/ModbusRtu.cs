using System.Buffers.Binary;

namespace EdgeGateway.Sources.Serial.Modbus;

/// <summary>The Modbus RTU frame format: CRC-16/MODBUS, read requests and their responses (function 03 and 04).</summary>
public static class ModbusRtu
{
    /// <summary>CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF); sent low byte first.</summary>
    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (ushort)((crc >> 1) ^ 0xA001) : (ushort)(crc >> 1);
            }
        }

        return crc;
    }

    /// <summary>A read request: unit, function, start address, register count, CRC.</summary>
    public static byte[] ReadRequest(byte unit, byte function, ushort address, ushort count)
    {
        var frame = new byte[8];
        frame[0] = unit;
        frame[1] = function;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), address);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(4), count);
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(6), Crc16(frame.AsSpan(0, 6)));
        return frame;
    }

    /// <summary>
    /// How long the response that starts with <paramref name="received"/> is in total, or null when
    /// more bytes are needed to tell (a normal response is 5 + byte count, an exception 5).
    /// </summary>
    public static int? ResponseLength(ReadOnlySpan<byte> received) => received.Length switch
    {
        < 2 => null,
        _ when (received[1] & 0x80) != 0 => 5,
        < 3 => null,
        _ => 5 + received[2],
    };

    /// <summary>Checks a complete response to a read of <paramref name="count"/> registers and returns their values.</summary>
    /// <exception cref="ModbusException">A CRC error, a reply from another unit or to another function, a wrong byte count, or an exception response.</exception>
    public static ushort[] ParseReadResponse(ReadOnlySpan<byte> response, byte unit, byte function, ushort count)
    {
        if (response.Length < 5)
        {
            throw new ModbusException("malformed-frame", $"a {response.Length}-byte response is too short");
        }

        var crc = BinaryPrimitives.ReadUInt16LittleEndian(response[^2..]);
        var computed = Crc16(response[..^2]);
        if (crc != computed)
        {
            throw new ModbusException("checksum-mismatch", $"response CRC is 0x{crc:X4}; the bytes give 0x{computed:X4}");
        }

        if (response[0] != unit)
        {
            throw new ModbusException("malformed-frame", $"the response comes from unit {response[0]}, not {unit}");
        }

        if (response[1] == (function | 0x80))
        {
            throw new ModbusException("modbus-exception", $"unit {unit} answered function {function:00} with exception {response[2]:X2} ({ExceptionName(response[2])})", response[2]);
        }

        if (response[1] != function)
        {
            throw new ModbusException("malformed-frame", $"the response is to function {response[1]:00}, not {function:00}");
        }

        if (response[2] != count * 2 || response.Length != 5 + (count * 2))
        {
            throw new ModbusException("malformed-frame", $"the response holds {response[2]} bytes; {count * 2} were asked for");
        }

        var values = new ushort[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = BinaryPrimitives.ReadUInt16BigEndian(response[(3 + (2 * i))..]);
        }

        return values;
    }

    /// <summary>The value the registers hold, scaled to engineering units.</summary>
    public static double Value(ReadOnlySpan<ushort> registers, ModbusRegisterOptions register)
    {
        ArgumentNullException.ThrowIfNull(register);
        var combined = registers.Length < 2 ? 0u : register.WordOrder == ModbusWordOrder.HighFirst
            ? ((uint)registers[0] << 16) | registers[1]
            : ((uint)registers[1] << 16) | registers[0];
        double raw = register.Type switch
        {
            ModbusValueType.Uint16 => registers[0],
            ModbusValueType.Int16 => unchecked((short)registers[0]),
            ModbusValueType.Uint32 => combined,
            ModbusValueType.Int32 => unchecked((int)combined),
            _ => BitConverter.UInt32BitsToSingle(combined),
        };
        return (raw * register.Scale) + register.Offset;
    }

    /// <summary>The standard name of a Modbus exception code.</summary>
    public static string ExceptionName(byte code) => code switch
    {
        1 => "illegal function",
        2 => "illegal data address",
        3 => "illegal data value",
        4 => "server device failure",
        5 => "acknowledge",
        6 => "server device busy",
        8 => "memory parity error",
        10 => "gateway path unavailable",
        11 => "gateway target device failed to respond",
        _ => "unknown exception",
    };
}
