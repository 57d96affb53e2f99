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

/// <summary>What became of a batch's encrypted values (<c>e</c>); all of a batch's are under one key id.</summary>
/// <param name="KeyId">The batch's <c>keyId</c>.</param>
/// <param name="Decrypted">Values decrypted: they are in the readings like any other.</param>
/// <param name="WithoutKey">Values left out because the processor has no key with this id.</param>
/// <param name="Failed">Values left out because the tag did not verify (a wrong key under this id, or altered data).</param>
internal sealed record EncryptedValues(string KeyId, int Decrypted, int WithoutKey, int Failed);

/// <summary>A batch that passed the schema: the arguments of one <c>ingest_readings</c> call.</summary>
/// <param name="Id">The batch id (idempotency key).</param>
/// <param name="GatewayId">The gateway that sent it.</param>
/// <param name="Devices">Each device's context, by id.</param>
/// <param name="Readings">The readings in batch order, without the encrypted values that could not be decrypted.</param>
internal sealed record IngestBatch(
    string Id,
    string GatewayId,
    IReadOnlyDictionary<string, DeviceContextRecord> Devices,
    IReadOnlyList<IngestReading> Readings)
{
    /// <summary>The batch's encrypted values, or null when it has none.</summary>
    public EncryptedValues? Encrypted { get; init; }

    /// <summary>
    /// Reads arguments that already passed <see cref="BatchSchema"/>, decrypting encrypted values with
    /// <paramref name="keys"/> (none when null); the checks the schema cannot express (the reading count,
    /// devices listed once, a key id for encrypted values) throw <see cref="FormatException"/>.
    /// </summary>
    public static IngestBatch Parse(JsonElement arguments, FieldKeys? keys = null)
    {
        keys ??= FieldKeys.None;
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

        var gatewayId = batch.GetProperty("gatewayId").GetString()!;
        var keyId = batch.TryGetProperty("keyId", out var kid) ? kid.GetString() : null;
        int total = 0, decrypted = 0, withoutKey = 0, failed = 0;
        var readings = new List<IngestReading>();
        foreach (var reading in arguments.GetProperty("readings").EnumerateArray())
        {
            total++;
            var device = reading.GetProperty("d").GetString()!;
            var metric = reading.GetProperty("m").GetString()!;
            var receiveTime = reading.GetProperty("r").GetInt64();
            var sequence = reading.GetProperty("s").GetInt64();
            long? eventTime = reading.TryGetProperty("t", out var t) ? t.GetInt64() : null;
            double value;
            if (reading.TryGetProperty("e", out var sealedValue))
            {
                if (keyId is null)
                {
                    throw new FormatException($"$.readings[{total - 1}].e: an encrypted value needs $.batch.keyId");
                }

                var status = keys.TryDecrypt(keyId, sealedValue.GetString()!, FieldKeys.AssociatedData(gatewayId, device, sequence, receiveTime, eventTime, metric), out value);
                switch (status)
                {
                    case DecryptionStatus.NoKey:
                        withoutKey++;
                        continue;
                    case DecryptionStatus.Failed:
                        failed++;
                        continue;
                    default:
                        decrypted++;
                        break;
                }
            }
            else
            {
                value = reading.GetProperty("v").GetDouble();
            }

            string? unit = reading.TryGetProperty("u", out var u) ? u.GetString() : units.GetValueOrDefault((device, metric));
            IReadOnlyList<string> flags = reading.TryGetProperty("q", out var q) ? [.. q.EnumerateArray().Select(f => f.GetString()!)] : [];
            readings.Add(new IngestReading(device, metric, value, unit, eventTime ?? receiveTime, receiveTime, sequence, flags));
        }

        var declared = batch.GetProperty("readingCount").GetInt32();
        if (declared != total)
        {
            throw new FormatException($"$.batch.readingCount: {declared}, but the batch holds {total} readings");
        }

        return new IngestBatch(batch.GetProperty("id").GetString()!, gatewayId, devices, readings)
        {
            Encrypted = decrypted + withoutKey + failed > 0 ? new EncryptedValues(keyId!, decrypted, withoutKey, failed) : null,
        };
    }
}
