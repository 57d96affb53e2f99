using System.ComponentModel;
using System.Text.Json;
using EdgeGateway.StreamProcessor.State;
using Microsoft.Data.Sqlite;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace EdgeGateway.StreamProcessor.Tools;

/// <summary>Where the processor's state file is, for the tools of <c>stream-processor mcp</c>.</summary>
/// <param name="Path">The SQLite state file.</param>
internal sealed record StateFileLocation(string Path);

/// <summary>One latest reading.</summary>
/// <param name="Metric">The metric.</param>
/// <param name="Value">The value.</param>
/// <param name="Unit">The unit, when known.</param>
/// <param name="EventTime">Event time.</param>
/// <param name="ReceiveTime">When the gateway received it.</param>
/// <param name="Sequence">The device's sequence number.</param>
/// <param name="Flags">Quality flags.</param>
internal sealed record LatestReading(string Metric, double Value, string? Unit, DateTimeOffset EventTime, DateTimeOffset ReceiveTime, long Sequence, IReadOnlyList<string> Flags);

/// <summary>A device: its latest context and its latest reading per metric.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="GatewayId">The gateway that last sent its readings.</param>
/// <param name="Revision">The context's revision (null when the gateway sent none: unknown device).</param>
/// <param name="Context">The context record as the gateway sent it.</param>
/// <param name="Readings">The latest reading of each metric.</param>
internal sealed record DeviceLatest(string DeviceId, string? GatewayId, long? Revision, JsonElement? Context, IReadOnlyList<LatestReading> Readings);

/// <summary>Devices and their latest readings.</summary>
/// <param name="Devices">The devices, by id.</param>
internal sealed record LatestResult(IReadOnlyList<DeviceLatest> Devices);

/// <summary>An alert's state.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Metric">The metric.</param>
/// <param name="Rule">The rule, e.g. <c>pm25&gt;50</c>.</param>
/// <param name="Active">True while raised.</param>
/// <param name="Value">The value that raised (or cleared) it.</param>
/// <param name="EventTime">That reading's event time.</param>
/// <param name="GatewayId">The gateway.</param>
internal sealed record AlertState(string DeviceId, string Metric, string Rule, bool Active, double Value, DateTimeOffset EventTime, string GatewayId);

/// <summary>Alerts.</summary>
/// <param name="Alerts">The alerts, newest change first.</param>
internal sealed record AlertsResult(IReadOnlyList<AlertState> Alerts);

/// <summary>A window's aggregate.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Metric">The metric.</param>
/// <param name="Unit">The unit.</param>
/// <param name="Start">Start (inclusive).</param>
/// <param name="End">End (exclusive).</param>
/// <param name="Count">Readings.</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Mean">Mean.</param>
/// <param name="Last">The value with the latest event time.</param>
/// <param name="Closed">False while the window may still change.</param>
internal sealed record WindowState(string DeviceId, string Metric, string? Unit, DateTimeOffset Start, DateTimeOffset End, long Count, double Min, double Max, double Mean, double Last, bool Closed);

/// <summary>Windows.</summary>
/// <param name="Windows">Newest first.</param>
internal sealed record WindowsResult(IReadOnlyList<WindowState> Windows);

/// <summary>The processor's counters.</summary>
/// <param name="Counters">batches, accepted, duplicates, duplicate_batches, late, windows, alerts, rejected_batches.</param>
internal sealed record CountersResult(IReadOnlyDictionary<string, long> Counters);

/// <summary>
/// The processor's tools for people (<c>stream-processor mcp</c>, stdio): what each device sent last and
/// in which context, the alerts, the windows. They read the state file the running processors write
/// (read-only; SQLite WAL lets them read while the processors write).
/// </summary>
[McpServerToolType]
internal sealed class ProcessorQueryTools(StateFileLocation state)
{
    /// <summary>Devices with their latest context and readings.</summary>
    [McpServerTool(Name = "get_latest", Title = "Latest readings and context", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("The latest reading of every metric of each device, with the device's latest context (location, type, calibration...) and revision.")]
    public LatestResult GetLatest(
        [Description("Only this device; all devices when left out.")] string? deviceId = null,
        [Description("At most this many devices (1 to 1000).")] int limit = 100)
    {
        CheckLimit(limit, 1000);
        using var db = Open();
        var devices = new SortedDictionary<string, (string? Gateway, long? Revision, JsonElement? Context, List<LatestReading> Readings)>(StringComparer.Ordinal);
        using (var command = db.CreateCommand())
        {
            command.CommandText = "SELECT device, metric, value, unit, event_time, receive_time, seq, flags, gateway FROM latest WHERE ($d IS NULL OR device = $d) ORDER BY device, metric";
            command.Parameters.AddWithValue("$d", (object?)deviceId ?? DBNull.Value);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = reader.GetString(0);
                if (!devices.TryGetValue(id, out var device))
                {
                    if (devices.Count >= limit)
                    {
                        break;
                    }

                    device = (reader.GetString(8), null, null, []);
                    devices[id] = device;
                }

                device.Readings.Add(new LatestReading(
                    reader.GetString(1),
                    reader.GetDouble(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                    reader.GetInt64(6),
                    reader.IsDBNull(7) ? [] : reader.GetString(7).Split(',')));
            }
        }

        if (deviceId is not null && devices.Count == 0)
        {
            throw new McpException($"deviceId: no reading of device '{deviceId}' has been processed");
        }

        var result = new List<DeviceLatest>();
        foreach (var (id, device) in devices)
        {
            using var command = db.CreateCommand();
            command.CommandText = "SELECT revision, context FROM devices WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            using var reader = command.ExecuteReader();
            var found = reader.Read();
            result.Add(new DeviceLatest(
                id,
                device.Gateway,
                found ? reader.GetInt64(0) : null,
                found ? JsonDocument.Parse(reader.GetString(1)).RootElement.Clone() : null,
                device.Readings));
        }

        return new LatestResult(result);
    }

    /// <summary>Alerts.</summary>
    [McpServerTool(Name = "list_alerts", Title = "Alerts", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Threshold alerts: those raised now (default), or every alert with its last change.")]
    public AlertsResult ListAlerts(
        [Description("True (default): only alerts raised now; false: cleared ones too.")] bool activeOnly = true,
        [Description("At most this many (1 to 1000).")] int limit = 100)
    {
        CheckLimit(limit, 1000);
        using var db = Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT device, metric, rule, active, value, event_time, gateway FROM alerts WHERE ($all = 1 OR active = 1) ORDER BY changed_at DESC, device LIMIT $limit";
        command.Parameters.AddWithValue("$all", activeOnly ? 0 : 1);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var alerts = new List<AlertState>();
        while (reader.Read())
        {
            alerts.Add(new AlertState(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3) == 1, reader.GetDouble(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)), reader.GetString(6)));
        }

        return new AlertsResult(alerts);
    }

    /// <summary>Windows.</summary>
    [McpServerTool(Name = "list_windows", Title = "Windows", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Event-time tumbling window aggregates (count, min, max, mean, last), newest first; open windows may still change.")]
    public WindowsResult ListWindows(
        [Description("Only this device.")] string? deviceId = null,
        [Description("Only this metric.")] string? metric = null,
        [Description("True: only closed (final) windows.")] bool closedOnly = false,
        [Description("At most this many (1 to 1000).")] int limit = 50)
    {
        CheckLimit(limit, 1000);
        using var db = Open();
        using var command = db.CreateCommand();
        command.CommandText = """
            SELECT device, metric, unit, start, end, count, min, max, sum, last, closed FROM windows
            WHERE ($d IS NULL OR device = $d) AND ($m IS NULL OR metric = $m) AND ($closed = 0 OR closed = 1)
            ORDER BY end DESC, device, metric LIMIT $limit
            """;
        command.Parameters.AddWithValue("$d", (object?)deviceId ?? DBNull.Value);
        command.Parameters.AddWithValue("$m", (object?)metric ?? DBNull.Value);
        command.Parameters.AddWithValue("$closed", closedOnly ? 1 : 0);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var windows = new List<WindowState>();
        while (reader.Read())
        {
            var count = reader.GetInt64(5);
            windows.Add(new WindowState(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                count,
                reader.GetDouble(6),
                reader.GetDouble(7),
                reader.GetDouble(8) / count,
                reader.GetDouble(9),
                reader.GetInt64(10) == 1));
        }

        return new WindowsResult(windows);
    }

    /// <summary>Counters.</summary>
    [McpServerTool(Name = "get_counters", Title = "Processor counters", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("What the processors on this state file have done: batches, readings accepted, duplicates dropped, late readings, windows closed, alert changes, batches refused.")]
    public CountersResult GetCounters()
    {
        using var db = Open();
        return new CountersResult(StateDatabase.ReadCounters(db));
    }

    private static void CheckLimit(int limit, int max)
    {
        if (limit < 1 || limit > max)
        {
            throw new McpException($"limit: {limit} is out of range (1 to {max})");
        }
    }

    private SqliteConnection Open() =>
        StateDatabase.OpenReadOnly(state.Path) ?? throw new McpException($"The state file {state.Path} does not exist yet: no processor has run on it.");
}
