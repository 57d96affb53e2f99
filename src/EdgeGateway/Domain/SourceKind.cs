namespace EdgeGateway.Domain;

/// <summary>The transport a raw message arrived over.</summary>
public enum SourceKind
{
    /// <summary>An MQTT subscription.</summary>
    Mqtt,

    /// <summary>A serial port (UART sensor, Modbus RTU).</summary>
    Serial,

    /// <summary>A GPIO line (contact, pulse counter).</summary>
    Gpio,
}
