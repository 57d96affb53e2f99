using System.Text.Unicode;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>The MQTT rules for UTF-8 encoded strings (section 1.5.4): well-formed UTF-8, no U+0000, at most 65,535 bytes.</summary>
internal static class MqttStrings
{
    /// <summary>
    /// The UTF-8 length of <paramref name="value"/>, or -1 when it cannot be an MQTT string: it contains U+0000 or
    /// a lone surrogate (which has no UTF-8 encoding). The 65,535-byte limit is left to the caller.
    /// </summary>
    public static int GetUtf8Length(ReadOnlySpan<char> value)
    {
        var length = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return -1;
            }

            if (c < 0x80)
            {
                length += 1;
            }
            else if (c < 0x800)
            {
                length += 2;
            }
            else if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return -1;
                }

                length += 4;
                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return -1;
            }
            else
            {
                length += 3;
            }
        }

        return length;
    }

    /// <summary>Whether <paramref name="value"/> is a valid MQTT string: not too long, no U+0000, no lone surrogate.</summary>
    public static bool IsValid(ReadOnlySpan<char> value)
    {
        var length = GetUtf8Length(value);
        return length >= 0 && length <= MqttLimits.MaximumStringLength;
    }

    /// <summary>Whether received bytes are a valid MQTT string: well-formed UTF-8 (no surrogates, no overlong forms) without U+0000.</summary>
    public static bool IsValidUtf8(ReadOnlySpan<byte> utf8) => !utf8.Contains((byte)0) && Utf8.IsValid(utf8);
}
