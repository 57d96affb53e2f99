namespace FirmwareSim.Payloads;

/// <summary>How a device encodes its readings on MQTT.</summary>
public enum PayloadFormat
{
    /// <summary>One flat JSON object: <c>{"seq":17,"ts":1795341600123,"pm25":12.3,...}</c>.</summary>
    Json,

    /// <summary>SenML JSON (RFC 8428): a pack with <c>bn</c>, <c>bt</c>, <c>bu</c> on the first record.</summary>
    SenMl,
}

/// <summary>Names of payload formats as written on the command line and in scenario files.</summary>
public static class PayloadFormats
{
    /// <summary>Parses <c>json</c> or <c>senml</c> (case-insensitive).</summary>
    public static bool TryParse(string? text, out PayloadFormat format)
    {
        if (string.Equals(text, "json", StringComparison.OrdinalIgnoreCase))
        {
            format = PayloadFormat.Json;
            return true;
        }

        format = PayloadFormat.SenMl;
        return string.Equals(text, "senml", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The name of <paramref name="format"/>.</summary>
    public static string Name(PayloadFormat format) => format == PayloadFormat.SenMl ? "senml" : "json";
}
