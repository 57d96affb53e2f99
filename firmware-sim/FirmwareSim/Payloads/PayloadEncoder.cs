using System.Buffers;
using System.Text.Json;
using FirmwareSim.Devices;

namespace FirmwareSim.Payloads;

/// <summary>
/// Encodes samples and status messages. The JSON object is what the gateway's JSON decoder maps with
/// <c>TimeField: "ts"</c>, <c>SequenceField: "seq"</c> and <c>AllNumericFields: true</c>; the SenML pack
/// is plain RFC 8428 (plus a <c>seq</c> label on the first record, which SenML readers ignore).
/// Not thread-safe: one encoder per thread.
/// </summary>
public sealed class PayloadEncoder
{
    /// <summary>The SenML base name prefix; the device id follows, then <c>:</c>.</summary>
    public const string SenMlBaseNamePrefix = "urn:dev:sim:";

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };
    private readonly ArrayBufferWriter<byte> _buffer = new(512);

    /// <summary>Encodes one sample of <paramref name="device"/> in <paramref name="format"/>, with event time <paramref name="time"/>.</summary>
    public byte[] Encode(DeviceProfile device, DeviceSample sample, DateTimeOffset time, PayloadFormat format)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(sample);
        var metrics = DeviceModels.Metrics(device.Model);
        using var writer = Start();
        if (format == PayloadFormat.SenMl)
        {
            WriteSenMl(writer, device.Id, sample, time, metrics);
        }
        else
        {
            WriteJson(writer, sample, time, metrics);
        }

        return Finish(writer);
    }

    /// <summary>The retained status message of a device: online (birth) or offline (will, clean stop).</summary>
    public byte[] EncodeStatus(DeviceStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        using var writer = Start();
        writer.WriteStartObject();
        writer.WriteString("status", status.Online ? "online" : "offline");
        writer.WriteString("device", status.Profile.Id);
        writer.WriteString("model", DeviceModels.Name(status.Profile.Model));
        writer.WriteString("firmware", status.Firmware);
        if (status.Reason is { } reason)
        {
            writer.WriteString("reason", reason);
        }

        writer.WriteNumber("intervalMs", (long)status.Interval.TotalMilliseconds);
        writer.WriteString("format", status.Profile.Format == PayloadFormat.SenMl ? "senml" : "json");
        writer.WriteString("district", status.Profile.Location.District);
        writer.WriteNumber("lat", status.Profile.Location.Latitude);
        writer.WriteNumber("lon", status.Profile.Location.Longitude);
        writer.WriteNumber("ts", status.Time.ToUnixTimeMilliseconds());
        writer.WriteEndObject();
        return Finish(writer);
    }

    /// <summary>The retained status of a shared connection (its birth and its will).</summary>
    public byte[] EncodeConnectionStatus(string clientId, bool online, int devices, DateTimeOffset time, string? reason = null)
    {
        using var writer = Start();
        writer.WriteStartObject();
        writer.WriteString("status", online ? "online" : "offline");
        writer.WriteString("client", clientId);
        writer.WriteNumber("devices", devices);
        if (reason is not null)
        {
            writer.WriteString("reason", reason);
        }

        writer.WriteNumber("ts", time.ToUnixTimeMilliseconds());
        writer.WriteEndObject();
        return Finish(writer);
    }

    private static void WriteJson(Utf8JsonWriter writer, DeviceSample sample, DateTimeOffset time, IReadOnlyList<MetricDefinition> metrics)
    {
        writer.WriteStartObject();
        writer.WriteNumber("seq", sample.Sequence);
        writer.WriteNumber("ts", time.ToUnixTimeMilliseconds());
        for (var i = 0; i < metrics.Count; i++)
        {
            writer.WriteNumber(metrics[i].Name, sample.Values[i]);
        }

        writer.WriteEndObject();
    }

    private static void WriteSenMl(Utf8JsonWriter writer, string deviceId, DeviceSample sample, DateTimeOffset time, IReadOnlyList<MetricDefinition> metrics)
    {
        var baseUnit = metrics[0].Unit;
        writer.WriteStartArray();
        for (var i = 0; i < metrics.Count; i++)
        {
            writer.WriteStartObject();
            if (i == 0)
            {
                writer.WriteString("bn", $"{SenMlBaseNamePrefix}{deviceId}:");
                writer.WriteNumber("bt", time.ToUnixTimeMilliseconds() / 1000d);
                writer.WriteString("bu", baseUnit);
                writer.WriteNumber("seq", sample.Sequence);
            }

            writer.WriteString("n", metrics[i].Name);
            if (metrics[i].Unit != baseUnit)
            {
                writer.WriteString("u", metrics[i].Unit);
            }

            writer.WriteNumber("v", sample.Values[i]);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private Utf8JsonWriter Start()
    {
        _buffer.ResetWrittenCount();
        return new Utf8JsonWriter(_buffer, WriterOptions);
    }

    private byte[] Finish(Utf8JsonWriter writer)
    {
        writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }
}

/// <summary>What a device's status message says.</summary>
/// <param name="Profile">The device.</param>
/// <param name="Online">Online (birth) or offline.</param>
/// <param name="Firmware">Its firmware version now.</param>
/// <param name="Interval">Its sampling interval now.</param>
/// <param name="Time">When (true time).</param>
/// <param name="Reason">Why it went offline (<c>shutdown</c>, <c>connection-lost</c>); null when online.</param>
public sealed record DeviceStatus(DeviceProfile Profile, bool Online, string Firmware, TimeSpan Interval, DateTimeOffset Time, string? Reason = null);
