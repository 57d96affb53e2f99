using System.Buffers.Binary;
using System.Text;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// Reads MQTT data types from the body of one packet (everything after the fixed header), bounds-checked: every
/// read returns <see langword="false"/> and records a <see cref="MqttProtocolError"/> instead of reading past
/// <see cref="End"/>. <see cref="End"/> is narrowed while a property block is read, so a property cannot run
/// past its block.
/// </summary>
internal ref struct PacketReader
{
    private readonly ReadOnlySpan<byte> _body;

    // Set when _body is exactly the contents of an array nobody else holds: binary fields and the payload can
    // then be slices of it instead of copies.
    private readonly byte[]? _owner;

    public PacketReader(ReadOnlySpan<byte> body, byte[]? owner, MqttPacketType type)
    {
        _body = body;
        _owner = owner;
        PacketType = type;
        Position = 0;
        End = body.Length;
        Error = null;
    }

    public MqttPacketType PacketType { get; }

    public int Position { get; private set; }

    /// <summary>Where reading must stop: the end of the packet, or of the property block being read.</summary>
    public int End { get; set; }

    public MqttProtocolError? Error { get; private set; }

    public readonly int Remaining => End - Position;

    public readonly bool AtEnd => Position >= End;

    /// <summary>Records an error; returns <see langword="false"/> so callers can write <c>return r.Fail(...)</c>.</summary>
    public bool Fail(MqttProtocolErrorKind kind, string message)
    {
        Error ??= new MqttProtocolError(kind, PacketType, message);
        return false;
    }

    public bool ReadByte(out byte value, string field)
    {
        if (Remaining < 1)
        {
            value = 0;
            return Truncated(field, 1);
        }

        value = _body[Position++];
        return true;
    }

    public bool ReadUInt16(out ushort value, string field)
    {
        if (Remaining < 2)
        {
            value = 0;
            return Truncated(field, 2);
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(_body[Position..]);
        Position += 2;
        return true;
    }

    public bool ReadUInt32(out uint value, string field)
    {
        if (Remaining < 4)
        {
            value = 0;
            return Truncated(field, 4);
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(_body[Position..]);
        Position += 4;
        return true;
    }

    public bool ReadVariableByteInteger(out int value, string field)
    {
        switch (VariableByteInteger.TryRead(_body[Position..End], out value, out var consumed))
        {
            case VariableByteIntegerStatus.Success:
                Position += consumed;
                return true;
            case VariableByteIntegerStatus.Malformed:
                return Fail(MqttProtocolErrorKind.MalformedVariableByteInteger, $"{field} is a variable byte integer of more than 4 bytes");
            default:
                return Truncated(field, 1);
        }
    }

    /// <summary>Reads a UTF-8 encoded string: two-byte length, well-formed UTF-8, no U+0000.</summary>
    public bool ReadString(out string value, string field)
    {
        value = "";
        if (!ReadLengthPrefixed(out var start, out var length, field))
        {
            return false;
        }

        var utf8 = _body.Slice(start, length);
        if (!MqttStrings.IsValidUtf8(utf8))
        {
            return Fail(MqttProtocolErrorKind.InvalidString, $"{field} is not well-formed UTF-8 or contains U+0000");
        }

        value = length == 0 ? "" : Encoding.UTF8.GetString(utf8);
        return true;
    }

    /// <summary>Reads binary data: two-byte length, then the bytes (a copy, or a slice of an owned buffer).</summary>
    public bool ReadBinary(out ReadOnlyMemory<byte> value, string field)
    {
        value = ReadOnlyMemory<byte>.Empty;
        if (!ReadLengthPrefixed(out var start, out var length, field))
        {
            return false;
        }

        value = Take(start, length);
        return true;
    }

    /// <summary>Reads <paramref name="length"/> raw bytes (no length prefix).</summary>
    public bool ReadRaw(int length, out ReadOnlySpan<byte> value, string field)
    {
        if (Remaining < length)
        {
            value = default;
            return Truncated(field, length);
        }

        value = _body.Slice(Position, length);
        Position += length;
        return true;
    }

    /// <summary>The rest of the packet: a PUBLISH payload.</summary>
    public ReadOnlyMemory<byte> ReadToEnd()
    {
        var value = Take(Position, Remaining);
        Position = End;
        return value;
    }

    /// <summary>Fails with <see cref="MqttProtocolErrorKind.TrailingBytes"/> unless everything was read.</summary>
    public bool ExpectEnd()
    {
        if (!AtEnd)
        {
            return Fail(MqttProtocolErrorKind.TrailingBytes, $"{Remaining} unexpected byte(s) after the last field");
        }

        return true;
    }

    private bool ReadLengthPrefixed(out int start, out int length, string field)
    {
        start = 0;
        length = 0;
        if (!ReadUInt16(out var declared, field + " length"))
        {
            return false;
        }

        if (declared > Remaining)
        {
            return Fail(MqttProtocolErrorKind.TruncatedPacket, $"{field} declares {declared} bytes but only {Remaining} are left");
        }

        start = Position;
        length = declared;
        Position += declared;
        return true;
    }

    private readonly ReadOnlyMemory<byte> Take(int start, int length)
    {
        if (length == 0)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        return _owner is not null ? _owner.AsMemory(start, length) : _body.Slice(start, length).ToArray();
    }

    private bool Truncated(string field, int needed) =>
        Fail(MqttProtocolErrorKind.TruncatedPacket, $"{field} needs {needed} byte(s) but only {Math.Max(0, Remaining)} are left");
}
