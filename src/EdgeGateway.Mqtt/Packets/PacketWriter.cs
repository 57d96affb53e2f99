using System.Buffers.Binary;
using System.Globalization;
using System.Text.Unicode;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// Writes MQTT data types into a span, or only counts them. The encoder runs the same code twice: first
/// counting (which also validates, so nothing is written for an invalid packet), then writing into a span of
/// exactly the counted size.
/// </summary>
internal ref struct PacketWriter
{
    private readonly Span<byte> _destination;
    private readonly bool _measuring;

    private PacketWriter(Span<byte> destination, bool measuring)
    {
        _destination = destination;
        _measuring = measuring;
        Position = 0;
    }

    /// <summary>Bytes written (or counted) so far.</summary>
    public int Position { get; private set; }

    /// <summary>A writer that only counts and validates.</summary>
    public static PacketWriter Measuring() => new([], measuring: true);

    /// <summary>A writer into <paramref name="destination"/>.</summary>
    public static PacketWriter Into(Span<byte> destination) => new(destination, measuring: false);

    public void WriteByte(byte value)
    {
        if (!_measuring)
        {
            _destination[Position] = value;
        }

        Position += 1;
    }

    public void WriteUInt16(ushort value)
    {
        if (!_measuring)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_destination[Position..], value);
        }

        Position += 2;
    }

    public void WriteUInt32(uint value)
    {
        if (!_measuring)
        {
            BinaryPrimitives.WriteUInt32BigEndian(_destination[Position..], value);
        }

        Position += 4;
    }

    public void WriteVariableByteInteger(int value)
    {
        Position += _measuring ? VariableByteInteger.GetSize(value) : VariableByteInteger.Write(_destination[Position..], value);
    }

    /// <summary>Writes a UTF-8 encoded string with its two-byte length; <paramref name="what"/> names it in errors.</summary>
    public void WriteString(string value, string what)
    {
        if (value is null)
        {
            throw new MqttEncodingException($"{what} is null.");
        }

        if (_measuring)
        {
            var length = MqttStrings.GetUtf8Length(value);
            if (length < 0)
            {
                throw new MqttEncodingException($"{what} is not a valid MQTT string: it contains U+0000 or a lone surrogate.");
            }

            if (length > MqttLimits.MaximumStringLength)
            {
                throw new MqttEncodingException(string.Create(CultureInfo.InvariantCulture,
                    $"{what} is {length} UTF-8 bytes long; MQTT strings are at most {MqttLimits.MaximumStringLength}."));
            }

            Position += 2 + length;
            return;
        }

        // Validated while measuring: the conversion cannot fail or overflow here.
        Utf8.FromUtf16(value, _destination[(Position + 2)..], out _, out var written, replaceInvalidSequences: false);
        BinaryPrimitives.WriteUInt16BigEndian(_destination[Position..], (ushort)written);
        Position += 2 + written;
    }

    /// <summary>Writes binary data with its two-byte length; <paramref name="what"/> names it in errors.</summary>
    public void WriteBinary(ReadOnlySpan<byte> value, string what)
    {
        if (value.Length > MqttLimits.MaximumStringLength)
        {
            throw new MqttEncodingException(string.Create(CultureInfo.InvariantCulture,
                $"{what} is {value.Length} bytes long; MQTT binary data is at most {MqttLimits.MaximumStringLength}."));
        }

        if (!_measuring)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_destination[Position..], (ushort)value.Length);
            value.CopyTo(_destination[(Position + 2)..]);
        }

        Position += 2 + value.Length;
    }

    /// <summary>Writes raw bytes with no length prefix.</summary>
    public void WriteRaw(ReadOnlySpan<byte> value)
    {
        if (!_measuring)
        {
            value.CopyTo(_destination[Position..]);
        }

        Position += value.Length;
    }

    public void WriteByteProperty(MqttPropertyId id, byte? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)id);
            WriteByte(v);
        }
    }

    public void WriteFlagProperty(MqttPropertyId id, bool? value) => WriteByteProperty(id, value is { } v ? (byte)(v ? 1 : 0) : null);

    public void WriteUInt16Property(MqttPropertyId id, ushort? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)id);
            WriteUInt16(v);
        }
    }

    public void WriteUInt32Property(MqttPropertyId id, uint? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)id);
            WriteUInt32(v);
        }
    }

    public void WriteVariableByteIntegerProperty(MqttPropertyId id, uint value)
    {
        WriteByte((byte)id);
        WriteVariableByteInteger(checked((int)value));
    }

    public void WriteStringProperty(MqttPropertyId id, string? value)
    {
        if (value is not null)
        {
            WriteByte((byte)id);
            WriteString(value, PropertyName(id));
        }
    }

    public void WriteBinaryProperty(MqttPropertyId id, ReadOnlyMemory<byte>? value)
    {
        if (value is { } v)
        {
            WriteByte((byte)id);
            WriteBinary(v.Span, PropertyName(id));
        }
    }

    public void WriteUserProperties(IReadOnlyList<MqttUserProperty> properties)
    {
        if (properties is null)
        {
            throw new MqttEncodingException("User Properties is null; use an empty list.");
        }

        // A for loop: foreach over an IReadOnlyList<T> would allocate an enumerator.
        for (var i = 0; i < properties.Count; i++)
        {
            var property = properties[i];
            WriteByte((byte)MqttPropertyId.UserProperty);
            WriteString(property.Name, "User Property name");
            WriteString(property.Value, "User Property value");
        }
    }

    private static string PropertyName(MqttPropertyId id) => id switch
    {
        MqttPropertyId.ContentType => "Content Type",
        MqttPropertyId.ResponseTopic => "Response Topic",
        MqttPropertyId.CorrelationData => "Correlation Data",
        MqttPropertyId.AssignedClientIdentifier => "Assigned Client Identifier",
        MqttPropertyId.AuthenticationMethod => "Authentication Method",
        MqttPropertyId.AuthenticationData => "Authentication Data",
        MqttPropertyId.ResponseInformation => "Response Information",
        MqttPropertyId.ServerReference => "Server Reference",
        MqttPropertyId.ReasonString => "Reason String",
        _ => id.ToString(),
    };
}
