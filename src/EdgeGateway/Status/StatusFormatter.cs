using System.Globalization;
using System.Text;

namespace EdgeGateway.Status;

/// <summary>
/// Turns a <see cref="GatewayStatus"/> into the summary <c>edge-gateway status</c> prints: one block
/// per stage, a label column, units on every number, ages such as <c>3.2 s</c> or <c>4m 05s</c>.
/// </summary>
public static class StatusFormatter
{
    private const int LabelWidth = 15;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The snapshot is stale when older than this many intervals (and <see cref="MinimumStaleAge"/>).</summary>
    public const int StaleAfterIntervals = 3;

    /// <summary>
    /// A snapshot younger than this is never stale, whatever the interval: a busy Pi-class device on a
    /// slow SD card can miss a short interval or two without being stuck.
    /// </summary>
    public static readonly TimeSpan MinimumStaleAge = TimeSpan.FromSeconds(10);

    /// <summary>True when <paramref name="status"/> is a running gateway's snapshot older than <see cref="StaleAfterIntervals"/> intervals and <see cref="MinimumStaleAge"/> at <paramref name="now"/>.</summary>
    public static bool IsStale(GatewayStatus status, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        var limit = TimeSpan.FromTicks(Math.Max(MinimumStaleAge.Ticks, (StaleAfterIntervals * TimeSpan.FromSeconds(status.IntervalSeconds)).Ticks));
        return status.State == GatewayRunState.Running && now - status.GeneratedAt > limit;
    }

    /// <summary>The summary of <paramref name="status"/>, read at <paramref name="now"/> (for the ages of the snapshot and of events).</summary>
    public static string Format(GatewayStatus status, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        var text = new StringBuilder();
        var age = Age(now, status.GeneratedAt);
        var name = status.GatewayName is { Length: > 0 } gatewayName ? $" ({gatewayName})" : string.Empty;
        var state = status.State switch
        {
            GatewayRunState.Stopped => $"stopped at {Time(status.GeneratedAt)}",
            _ when IsStale(status, now) => $"NOT RESPONDING, last snapshot {Duration(age)} old (expected every {Duration(TimeSpan.FromSeconds(status.IntervalSeconds))})",
            _ => $"running, snapshot {Duration(age)} old",
        };
        Header(text, "gateway", $"{status.GatewayId}{name}: {state}");
        Line(text, "version", $"{status.Version} (pid {Number(status.ProcessId)})");
        Line(text, "started", $"{Time(status.StartedAt)}, up {Duration(TimeSpan.FromSeconds(status.UptimeSeconds))}");
        if (status.State == GatewayRunState.Running && status.Readiness is { } readiness)
        {
            Line(text, "ready", readiness.Ready ? "yes" : $"no: {string.Join("; ", readiness.Failed)}");
        }

        var mqtt = status.Sources.Mqtt;
        text.AppendLine();
        Header(text, "mqtt", mqtt.State == LinkState.Off
            ? $"off: no subscriptions configured (Mqtt:Subscriptions), broker {mqtt.Broker} not used"
            : $"{State(mqtt.State)}: {mqtt.Broker} (client {mqtt.ClientId}, {Count(mqtt.Subscriptions, "subscription")}), since {Time(mqtt.StateSince)}");
        Line(text, "received", Count(mqtt.Received, "message"));
        Line(text, "acknowledged", Count(mqtt.Acknowledged, "message"));
        Line(text, "connections", $"{Number(mqtt.Connects)} made, {Number(mqtt.ConnectionsLost)} lost");
        Line(text, "last error", Event(mqtt.LastError, mqtt.LastErrorAt, now));
        if (status.Sources.Gpio is { } gpio)
        {
            text.AppendLine();
            Header(text, "gpio", $"{(gpio.ChipOpen ? "open" : "NOT OPEN")}: {gpio.Chip}, {Count(gpio.Lines.Count, "line")}");
            foreach (var line in gpio.Lines)
            {
                var what = line.Kind == "contact"
                    ? $"contact, {(line.Level is { } level ? (level ? "active" : "inactive") : "level unknown")}, {Count(line.Changes, "change")}"
                    : $"counter, {Count(line.Pulses, "pulse")}, {Number(line.Bounces)} bounce edges dropped";
                var watched = line.Open ? string.Empty : line.LastError is { } error ? $" (NOT WATCHED: {error})" : " (not watched)";
                Line(text, $"{line.Name} ({Number(line.Offset)})", $"{what}, {Count(line.Readings, "reading")}{watched}");
            }
        }

        var ingest = status.Ingest;
        text.AppendLine();
        Header(text, "ingest", string.Empty);
        Line(text, "ingested", Count(ingest.ReadingsIngested, "reading"));
        Line(text, "dead-lettered", Breakdown(ingest.DeadLettered, ingest.DeadLetteredByReason));

        var buffer = status.Buffer;
        text.AppendLine();
        Header(text, "buffer", buffer.Blocked ? "BLOCKED: full, sources are not acknowledged" : string.Empty);
        Line(text, "depth", $"{Count(buffer.Rows, "row")} (normal {Number(buffer.NormalRows)}, priority {Number(buffer.PriorityRows)}; {Number(buffer.InFlightRows)} in flight)");
        Line(text, "size", $"{Bytes(buffer.Bytes)} of {Bytes(buffer.CapacityBytes)} ({Percent(buffer.Bytes, buffer.CapacityBytes)})");
        Line(text, "oldest unsent", buffer.OldestUnsentAgeSeconds is { } oldest ? Duration(TimeSpan.FromSeconds(oldest)) : "none");
        Line(text, "blocked", buffer.Blocked ? "yes" : "no");
        Line(text, "committed", Count(buffer.CommittedRows, "row"));
        Line(text, "forwarded", Count(buffer.ReleasedRows, "row"));
        Line(text, "dropped", Breakdown(buffer.Dropped.Total, new Dictionary<string, long>
        {
            ["drop-oldest"] = buffer.Dropped.DropOldest,
            ["reject-new"] = buffer.Dropped.RejectNew,
            ["expired"] = buffer.Dropped.Expired,
            ["disk-guard"] = buffer.Dropped.DiskGuard,
            ["too-large"] = buffer.Dropped.TooLarge,
        }));
        Line(text, "dead letters", $"{Number(buffer.DeadLetters)} stored ({Bytes(buffer.DeadLetterBytes)}), {Number(buffer.DeadLettersDropped)} dropped");

        var kafka = status.Kafka;
        text.AppendLine();
        Header(text, "kafka", $"{State(kafka.State)}: {kafka.BootstrapServers}, topic {kafka.Topic}, since {Time(kafka.StateSince)}");
        Line(text, "batches sent", Number(kafka.BatchesSent));
        Line(text, "forwarded", Count(kafka.ReadingsForwarded, "reading"));
        Line(text, "rejected", $"{Count(kafka.ReadingsRejected, "reading")} dead-lettered, {Count(kafka.BatchesSplit, "batch", "batches")} split");
        Line(text, "retries", Number(kafka.DeliveryRetries));
        Line(text, "last delivery", kafka.LastDeliveryAt is { } delivered ? $"{Duration(Age(now, delivered))} ago" : "never");
        Line(text, "last error", Event(kafka.LastError, kafka.LastErrorAt, now));
        return text.ToString();
    }

    /// <summary>A duration for people: <c>250 ms</c>, <c>3.2 s</c>, <c>4m 05s</c>, <c>2h 03m</c>, <c>3d 04h</c>.</summary>
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }

        return duration switch
        {
            { TotalSeconds: < 1 } => $"{Math.Floor(duration.TotalMilliseconds).ToString("0", Invariant)} ms",
            { TotalMinutes: < 1 } => $"{(Math.Floor(duration.TotalSeconds * 10) / 10).ToString("0.#", Invariant)} s",
            { TotalHours: < 1 } => string.Create(Invariant, $"{(int)duration.TotalMinutes}m {duration.Seconds:00}s"),
            { TotalDays: < 1 } => string.Create(Invariant, $"{(int)duration.TotalHours}h {duration.Minutes:00}m"),
            _ => string.Create(Invariant, $"{(int)duration.TotalDays}d {duration.Hours:00}h"),
        };
    }

    /// <summary>A size for people: <c>512 B</c>, <c>4.1 KiB</c>, <c>921.6 MiB</c>, <c>1.0 GiB</c>.</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        if (bytes < 1024)
        {
            return $"{Number(bytes)} B";
        }

        var value = (double)bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return $"{value.ToString("0.0", Invariant)} {units[unit]}";
    }

    private static void Header(StringBuilder text, string label, string value) =>
        text.AppendLine(value.Length == 0 ? label : $"{label.PadRight(LabelWidth + 2)}{value}");

    private static void Line(StringBuilder text, string label, string value) =>
        text.Append("  ").Append(label.PadRight(LabelWidth)).AppendLine(value);

    private static string State(LinkState state) => state switch
    {
        LinkState.Off => "off",
        LinkState.Connecting => "connecting",
        LinkState.Connected => "connected",
        LinkState.Disconnected => "DISCONNECTED",
        _ => "FAILED",
    };

    private static string Event(string? error, DateTimeOffset? at, DateTimeOffset now) =>
        error is null ? "none" : at is { } when ? $"{error} ({Duration(Age(now, when))} ago)" : error;

    private static string Breakdown(long total, IReadOnlyDictionary<string, long> byReason)
    {
        var parts = byReason.Where(p => p.Value > 0).Select(p => $"{p.Key} {Number(p.Value)}").ToList();
        return parts.Count == 0 ? Number(total) : $"{Number(total)} ({string.Join(", ", parts)})";
    }

    private static string Count(long count, string singular, string? plural = null) =>
        $"{Number(count)} {(count == 1 ? singular : plural ?? singular + "s")}";

    private static string Number(long value) => value.ToString(Invariant);

    private static string Percent(long part, long whole) =>
        whole <= 0 ? "-" : ((double)part / whole).ToString("0.0 %", Invariant);

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Invariant);

    private static TimeSpan Age(DateTimeOffset now, DateTimeOffset then) => now > then ? now - then : TimeSpan.Zero;
}
