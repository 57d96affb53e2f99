namespace EdgeGateway.Sources.Serial.Modbus;

/// <summary>A Modbus request got no usable answer; <see cref="Reason"/> is the dead-letter reason.</summary>
public sealed class ModbusException : Exception
{
    /// <summary>Creates an exception with no detail.</summary>
    public ModbusException()
        : this("A Modbus request failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public ModbusException(string message)
        : base(message)
    {
        Reason = "modbus-error";
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public ModbusException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = "modbus-error";
    }

    /// <summary>Creates an exception with a dead-letter reason (<c>response-timeout</c>, <c>checksum-mismatch</c>, <c>modbus-exception</c>, <c>malformed-frame</c>).</summary>
    public ModbusException(string reason, string message, byte? exceptionCode = null)
        : base(message)
    {
        Reason = reason;
        ExceptionCode = exceptionCode;
    }

    /// <summary>The cause in kebab case.</summary>
    public string Reason { get; }

    /// <summary>The slave's exception code, for <c>modbus-exception</c>.</summary>
    public byte? ExceptionCode { get; }

    /// <summary>The bytes received (possibly partial), for the dead letter.</summary>
    public byte[] Response { get; init; } = [];
}
