namespace EdgeGateway.Mqtt.Packets;

/// <summary>Size limits fixed by the MQTT specification.</summary>
public static class MqttLimits
{
    /// <summary>The largest remaining length (and variable byte integer): 268,435,455, four bytes.</summary>
    public const int MaximumRemainingLength = VariableByteInteger.MaxValue;

    /// <summary>The largest possible packet: one type byte, four remaining-length bytes and 268,435,455 bytes.</summary>
    public const int MaximumPacketSize = 1 + 4 + MaximumRemainingLength;

    /// <summary>The longest UTF-8 string or binary data field, in bytes (a two-byte length prefix).</summary>
    public const int MaximumStringLength = ushort.MaxValue;

    /// <summary>The largest Subscription Identifier (a variable byte integer).</summary>
    public const uint MaximumSubscriptionIdentifier = VariableByteInteger.MaxValue;
}
