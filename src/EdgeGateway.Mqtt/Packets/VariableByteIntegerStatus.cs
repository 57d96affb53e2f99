namespace EdgeGateway.Mqtt.Packets;

/// <summary>The outcome of <see cref="VariableByteInteger.TryRead(ReadOnlySpan{byte}, out int, out int)"/>.</summary>
public enum VariableByteIntegerStatus
{
    /// <summary>A value was read.</summary>
    Success,

    /// <summary>The input ends inside the integer; more bytes may complete it.</summary>
    NeedMoreData,

    /// <summary>The integer has more than four bytes: malformed.</summary>
    Malformed,
}
