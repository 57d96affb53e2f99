using EdgeGateway.Mqtt.Packets;

namespace EdgeGateway.Mqtt.Client;

/// <summary>Base of the client's exceptions: a communication problem the caller may retry.</summary>
public class MqttClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MqttClientException()
        : base("MQTT client error.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public MqttClientException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MqttClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The broker refused the connection (bad credentials, not authorised, bad client id...).</summary>
public sealed class MqttConnectRefusedException : MqttClientException
{
    /// <summary>Creates the exception for a CONNACK reason code.</summary>
    public MqttConnectRefusedException(MqttConnectReasonCode reasonCode, string? reasonString)
        : base($"The broker refused the connection: {reasonCode} (0x{(int)reasonCode:X2}){(reasonString is null ? string.Empty : $": {reasonString}")}.")
    {
        ReasonCode = reasonCode;
        ReasonString = reasonString;
    }

    /// <summary>Creates the exception.</summary>
    public MqttConnectRefusedException()
        : base("The broker refused the connection.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public MqttConnectRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MqttConnectRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The broker's reason code (3.1.1 return codes are mapped to their 5.0 equivalents).</summary>
    public MqttConnectReasonCode ReasonCode { get; }

    /// <summary>The broker's reason string, if any.</summary>
    public string? ReasonString { get; }
}

/// <summary>An operation needs a connection and there is none right now.</summary>
public sealed class MqttNotConnectedException : MqttClientException
{
    /// <summary>Creates the exception.</summary>
    public MqttNotConnectedException()
        : base("The client is not connected to the broker.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public MqttNotConnectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MqttNotConnectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
