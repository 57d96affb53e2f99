using System.Globalization;
using System.Text.Json;

namespace PipelineBench;

/// <summary>
/// The benchmark's devices: aq-0000, aq-0001, ... air-quality sensors spread over a few districts,
/// each with the full context a city would register (its size drives the bytes-per-reading figure).
/// The publisher and the gateway configuration name the same devices and topics.
/// </summary>
internal static class DevicesFile
{
    private static readonly string[] Districts = ["north", "south", "east", "west", "centre", "harbour", "old-town", "airport"];

    public static string DeviceId(int index) => string.Create(CultureInfo.InvariantCulture, $"aq-{index:0000}");

    public static string Topic(int index) => $"city/{Districts[index % Districts.Length]}/aq/{DeviceId(index)}";

    public static int Write(int count, string path)
    {
        if (count is < 1 or > 10_000)
        {
            return Program.Fail("COUNT must be 1 to 10000");
        }

        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartArray("devices");
        for (var i = 0; i < count; i++)
        {
            json.WriteStartObject();
            json.WriteString("id", DeviceId(i));
            json.WriteString("type", "air-quality");
            json.WriteString("model", "PMS5003");
            json.WriteString("firmware", "1.4.2");
            json.WriteStartObject("location");
            json.WriteNumber("lat", Math.Round(52.45 + (i % 97 * 0.0021), 5));
            json.WriteNumber("lon", Math.Round(13.30 + (i % 89 * 0.0027), 5));
            json.WriteString("site", string.Create(CultureInfo.InvariantCulture, $"cabinet-{i / 4:000}"));
            json.WriteString("district", Districts[i % Districts.Length]);
            json.WriteString("address", string.Create(CultureInfo.InvariantCulture, $"Main Street {1 + (i / 4)}"));
            json.WriteEndObject();
            json.WriteString("owner", "environment-department");
            json.WriteStartObject("tags");
            json.WriteString("zone", i % 3 == 0 ? "low-emission" : "residential");
            json.WriteString("mount", "lamp-post");
            json.WriteEndObject();
            json.WriteStartObject("metrics");
            json.WriteStartObject("pm2_5");
            json.WriteString("unit", "ug/m3");
            json.WriteStartObject("calibration");
            json.WriteNumber("scale", 1.1);
            json.WriteNumber("offset", -0.5);
            json.WriteEndObject();
            json.WriteStartObject("validRange");
            json.WriteNumber("min", 0);
            json.WriteNumber("max", 1000);
            json.WriteEndObject();
            json.WriteString("samplingInterval", "1s");
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        return 0;
    }
}
