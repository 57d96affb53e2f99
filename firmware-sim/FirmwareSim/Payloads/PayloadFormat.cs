namespace FirmwareSim.Payloads;

/// <summary>How a device encodes its readings on MQTT.</summary>
public enum PayloadFormat
{
    /// <summary>One flat JSON object: <c>{"seq":17,"ts":1795341600123,"pm25":12.3,...}</c>.</summary>
    Json,

    /// <summary>SenML JSON (RFC 8428): a pack with <c>bn</c>, <c>bt</c>, <c>bu</c> on the first record.</summary>
    SenMl,
}
