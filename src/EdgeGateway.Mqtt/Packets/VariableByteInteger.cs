using System.Buffers;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// MQTT variable byte integers (section 1.5.5 of MQTT 5.0, 2.2.3 of 3.1.1): 7 bits per byte, least significant
/// group first, the high bit set on every byte but the last; at most four bytes, so at most 268,435,455.
/// </summary>
/// <remarks>
/// Writing always uses the minimal number of bytes. Reading accepts a non-minimal encoding (for example
/// <c>80 00</c> for 0) because the specification does not forbid it for receivers, but a fifth byte is malformed.
/// </remarks>
public static class VariableByteInteger
{
    /// <summary>The largest value: 268,435,455 (<c>FF FF FF 7F</c>).</summary>
    public const int MaxValue = 268_435_455;

    /// <summary>The most bytes a variable byte integer takes.</summary>
    public const int MaxSize = 4;

    /// <summary>The number of bytes <paramref name="value"/> takes.</summary>
    /// <param name="value">0 to <see cref="MaxValue"/>.</param>
    /// <returns>1 to 4.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or above <see cref="MaxValue"/>.</exception>
    public static int GetSize(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxValue);
        return value switch
        {
            < 128 => 1,
            < 16_384 => 2,
            < 2_097_152 => 3,
            _ => 4,
        };
    }

    /// <summary>Writes <paramref name="value"/> in its minimal encoding.</summary>
    /// <param name="destination">Where to write; at least <see cref="GetSize"/> bytes.</param>
    /// <param name="value">0 to <see cref="MaxValue"/>.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value is out of range.</exception>
    /// <exception cref="ArgumentException">The destination is too small.</exception>
    public static int Write(Span<byte> destination, int value)
    {
        var size = GetSize(value);
        if (destination.Length < size)
        {
            throw new ArgumentException($"A variable byte integer of {size} bytes does not fit in {destination.Length} bytes.", nameof(destination));
        }

        var written = 0;
        do
        {
            var digit = (byte)(value & 0x7F);
            value >>= 7;
            if (value > 0)
            {
                digit |= 0x80;
            }

            destination[written++] = digit;
        }
        while (value > 0);
        return written;
    }

    /// <summary>Reads a variable byte integer from the start of <paramref name="source"/>.</summary>
    /// <param name="source">The bytes.</param>
    /// <param name="value">The value, when <see cref="VariableByteIntegerStatus.Success"/>.</param>
    /// <param name="bytesConsumed">Its length in bytes, when <see cref="VariableByteIntegerStatus.Success"/>.</param>
    /// <returns>Success, NeedMoreData (the source ends inside the integer) or Malformed (a fifth byte would be needed).</returns>
    public static VariableByteIntegerStatus TryRead(ReadOnlySpan<byte> source, out int value, out int bytesConsumed)
    {
        value = 0;
        bytesConsumed = 0;
        var result = 0;
        for (var i = 0; i < MaxSize; i++)
        {
            if (i >= source.Length)
            {
                return VariableByteIntegerStatus.NeedMoreData;
            }

            var digit = source[i];
            result |= (digit & 0x7F) << (7 * i);
            if ((digit & 0x80) == 0)
            {
                value = result;
                bytesConsumed = i + 1;
                return VariableByteIntegerStatus.Success;
            }
        }

        // Four bytes, all with the continuation bit: the integer would need a fifth byte.
        return VariableByteIntegerStatus.Malformed;
    }

    /// <summary>Reads a variable byte integer from the start of a (possibly multi-segment) sequence.</summary>
    /// <param name="source">The bytes.</param>
    /// <param name="value">The value, when <see cref="VariableByteIntegerStatus.Success"/>.</param>
    /// <param name="bytesConsumed">Its length in bytes, when <see cref="VariableByteIntegerStatus.Success"/>.</param>
    /// <returns>Success, NeedMoreData or Malformed, as for the span overload.</returns>
    public static VariableByteIntegerStatus TryRead(in ReadOnlySequence<byte> source, out int value, out int bytesConsumed)
    {
        if (source.FirstSpan.Length >= MaxSize || source.IsSingleSegment)
        {
            return TryRead(source.FirstSpan, out value, out bytesConsumed);
        }

        Span<byte> head = stackalloc byte[MaxSize];
        var length = (int)Math.Min(MaxSize, source.Length);
        source.Slice(0, length).CopyTo(head);
        return TryRead(head[..length], out value, out bytesConsumed);
    }
}
