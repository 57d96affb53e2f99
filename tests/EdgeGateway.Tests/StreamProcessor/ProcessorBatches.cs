using System.Globalization;
using System.Text.Json.Nodes;

namespace EdgeGateway.Tests.StreamProcessor;

/// <summary>Batches as the gateway sends them (wire format, schema version 1), for the processor's tests.</summary>
internal static class ProcessorBatches
{
    /// <summary>A reading: device, metric, value, event time (ms), sequence.</summary>
    internal sealed record Item(string Device, string Metric, double Value, long Time, long Sequence);

    /// <summary>The <c>arguments</c> of an <c>ingest_readings</c> call.</summary>
    public static JsonObject Arguments(string batchId, string gatewayId, IReadOnlyList<Item> readings, int revision = 1)
    {
        var devices = new JsonArray();
        foreach (var device in readings.Select(r => r.Device).Distinct())
        {
            devices.Add(new JsonObject
            {
                ["id"] = device,
                ["revision"] = revision,
                ["type"] = "air-quality",
                ["location"] = new JsonObject { ["lat"] = 52.5, ["lon"] = 13.4, ["district"] = "Mitte" },
                ["metrics"] = new JsonObject { ["pm25"] = new JsonObject { ["unit"] = "ug/m3" } },
            });
        }

        var items = new JsonArray();
        foreach (var r in readings)
        {
            items.Add(new JsonObject { ["d"] = r.Device, ["m"] = r.Metric, ["v"] = r.Value, ["t"] = r.Time, ["r"] = r.Time + 5, ["s"] = r.Sequence });
        }

        return new JsonObject
        {
            ["schemaVersion"] = 1,
            ["batch"] = new JsonObject
            {
                ["id"] = batchId,
                ["gatewayId"] = gatewayId,
                ["firstSequence"] = 1,
                ["lastSequence"] = Math.Max(1, readings.Count),
                ["createdAt"] = "2026-11-22T10:00:00.0000000Z",
                ["readingCount"] = readings.Count,
            },
            ["devices"] = devices,
            ["readings"] = items,
        };
    }

    /// <summary>The whole JSON-RPC request (a Kafka record's value).</summary>
    public static string Request(string batchId, JsonObject arguments) => new JsonObject
    {
        ["jsonrpc"] = "2.0",
        ["id"] = batchId,
        ["method"] = "tools/call",
        ["params"] = new JsonObject
        {
            ["name"] = "ingest_readings",
            ["arguments"] = arguments,
            ["_meta"] = new JsonObject
            {
                ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
                ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "edge-gateway", ["version"] = "0.1.0" },
                ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
            },
        },
    }.ToJsonString();

    /// <summary>A batch id in the schema's format, from a number.</summary>
    public static string Id(int number) => $"00000000-0000-0000-0000-{number.ToString("x12", CultureInfo.InvariantCulture)}";
}
