using System.Globalization;
using System.Text.Json;
using Xunit;

namespace EdgeGateway.Tests.FirmwareSimulator;

/// <summary>One reading as the ledger states it or as a subscriber decoded it, compared as a whole.</summary>
internal readonly record struct ReadingRecord(string Device, long Sequence, string Metric, double Value, long Time);

/// <summary>
/// Reads the simulator's outputs independently of its code: ledger lines, and messages as
/// <c>mosquitto_sub -v</c> prints them (<c>topic payload</c>), decoding JSON objects and SenML packs by hand.
/// </summary>
internal static class SimulatorRecords
{
    public static List<ReadingRecord> ReadLedger(string path) =>
        [.. File.ReadLines(path).Select(line =>
        {
            var json = JsonDocument.Parse(line).RootElement;
            return new ReadingRecord(
                json.GetProperty("device").GetString()!,
                json.GetProperty("seq").GetInt64(),
                json.GetProperty("metric").GetString()!,
                json.GetProperty("value").GetDouble(),
                json.GetProperty("time").GetInt64());
        })];

    /// <summary>Splits a <c>mosquitto_sub -v</c> line.</summary>
    public static (string Topic, string Payload) Split(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (line, string.Empty) : (line[..space], line[(space + 1)..]);
    }

    /// <summary>True for a reading topic: <c>city/{district}/{model}/{deviceId}</c>.</summary>
    public static bool IsReadingTopic(string topic) => topic.Split('/').Length == 4 && topic.StartsWith("city/", StringComparison.Ordinal);

    /// <summary>The readings in the reading messages among <paramref name="lines"/> (JSON objects or SenML packs).</summary>
    public static List<ReadingRecord> Decode(IEnumerable<string> lines)
    {
        var records = new List<ReadingRecord>();
        foreach (var (topic, payload) in lines.Select(Split).Where(l => IsReadingTopic(l.Topic)))
        {
            var device = topic[(topic.LastIndexOf('/') + 1)..];
            var root = JsonDocument.Parse(payload).RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                var first = root[0];
                Assert.Equal($"urn:dev:sim:{device}:", first.GetProperty("bn").GetString());
                var time = (long)Math.Round(first.GetProperty("bt").GetDouble() * 1000);
                var sequence = first.GetProperty("seq").GetInt64();
                records.AddRange(root.EnumerateArray().Select(r => new ReadingRecord(device, sequence, r.GetProperty("n").GetString()!, r.GetProperty("v").GetDouble(), time)));
            }
            else
            {
                var sequence = root.GetProperty("seq").GetInt64();
                var time = root.GetProperty("ts").GetInt64();
                records.AddRange(root.EnumerateObject()
                    .Where(p => p.Name is not ("seq" or "ts"))
                    .Select(p => new ReadingRecord(device, sequence, p.Name, p.Value.GetDouble(), time)));
            }
        }

        return records;
    }

    /// <summary>The JSON status messages among <paramref name="lines"/>, by device id, in arrival order.</summary>
    public static Dictionary<string, List<JsonElement>> Statuses(IEnumerable<string> lines) =>
        lines.Select(Split)
            .Where(l => l.Topic.StartsWith("city/", StringComparison.Ordinal) && l.Topic.EndsWith("/status", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l.Payload).RootElement)
            .GroupBy(s => s.GetProperty("device").GetString()!)
            .ToDictionary(g => g.Key, g => g.ToList());

    public static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
