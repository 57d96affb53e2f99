using System.Text.Json;

namespace EdgeGateway.StreamProcessor.Ingest;

/// <summary>One reading of a batch (<c>readings[]</c> of the wire format).</summary>
/// <param name="Device">Device id (<c>d</c>).</param>
/// <param name="Metric">Metric (<c>m</c>).</param>
/// <param name="Value">Value (<c>v</c>), calibrated by the gateway.</param>
/// <param name="Unit">The unit: <c>u</c>, else the context's unit for the metric, else null.</param>
/// <param name="EventTime">Event time in ms since the epoch (<c>t</c>; the receive time when the device sent none).</param>
/// <param name="ReceiveTime">Receive time at the gateway in ms since the epoch (<c>r</c>).</param>
/// <param name="Sequence">The per-device sequence number (<c>s</c>).</param>
/// <param name="Flags">Quality flags (<c>q</c>).</param>
internal sealed record IngestReading(
    string Device,
    string Metric,
    double Value,
    string? Unit,
    long EventTime,
    long ReceiveTime,
    long Sequence,
    IReadOnlyList<string> Flags);

/// <summary>A device's context record as a batch carries it (kept verbatim as JSON).</summary>
/// <param name="Id">The device id.</param>
/// <param name="Revision">The record's revision.</param>
/// <param name="Json">The record as received.</param>
internal sealed record DeviceContextRecord(string Id, long Revision, string Json);

/// <summary>A batch that passed the schema: the arguments of one <c>ingest_readings</c> call.</summary>
/// <param name="Id">The batch id (idempotency key).</param>
/// <param name="GatewayId">The gateway that sent it.</param>
/// <param name="Devices">Each device's context, by id.</param>
/// <param name="Readings">The readings in batch order.</param>
internal sealed record IngestBatch(
    string Id,
    string GatewayId,
    IReadOnlyDictionary<string, DeviceContextRecord> Devices,
    IReadOnlyList<IngestReading> Readings)
{
    /// <summary>
    /// Reads arguments that already passed <see cref="BatchSchema"/>; the checks the schema cannot express
    /// (the reading count, devices listed once) throw <see cref="FormatException"/>.
    /// </summary>
    public static IngestBatch Parse(JsonElement arguments)
    {
        var batch = arguments.GetProperty("batch");
        var devices = new Dictionary<string, DeviceContextRecord>(StringComparer.Ordinal);
        Dictionary<(string Device, string Metric), string> units = [];
        foreach (var device in arguments.GetProperty("devices").EnumerateArray())
        {
            var id = device.GetProperty("id").GetString()!;
            if (!devices.TryAdd(id, new DeviceContextRecord(id, device.GetProperty("revision").GetInt64(), device.GetRawText())))
            {
                throw new FormatException($"$.devices: device '{id}' is listed twice");
            }

            if (device.TryGetProperty("metrics", out var metrics))
            {
                foreach (var metric in metrics.EnumerateObject())
                {
                    if (metric.Value.TryGetProperty("unit", out var unit))
                    {
                        units[(id, metric.Name)] = unit.GetString()!;
                    }
                }
            }
        }

        var readings = new List<IngestReading>();
        foreach (var reading in arguments.GetProperty("readings").EnumerateArray())
        {
            var device = reading.GetProperty("d").GetString()!;
            var metric = reading.GetProperty("m").GetString()!;
            var receiveTime = reading.GetProperty("r").GetInt64();
            string? unit = reading.TryGetProperty("u", out var u) ? u.GetString() : units.GetValueOrDefault((device, metric));
            IReadOnlyList<string> flags = reading.TryGetProperty("q", out var q) ? [.. q.EnumerateArray().Select(f => f.GetString()!)] : [];
            readings.Add(new IngestReading(
                device,
                metric,
                reading.GetProperty("v").GetDouble(),
                unit,
                reading.TryGetProperty("t", out var t) ? t.GetInt64() : receiveTime,
                receiveTime,
                reading.GetProperty("s").GetInt64(),
                flags));
        }

        var declared = batch.GetProperty("readingCount").GetInt32();
        if (declared != readings.Count)
        {
            throw new FormatException($"$.batch.readingCount: {declared}, but the batch holds {readings.Count} readings");
        }

        return new IngestBatch(batch.GetProperty("id").GetString()!, batch.GetProperty("gatewayId").GetString()!, devices, readings);
    }
}
