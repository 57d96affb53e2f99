using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeGateway.StreamProcessor.State;
using Microsoft.Data.Sqlite;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EdgeGateway.StreamProcessor.Demo;

/// <summary>
/// <c>stream-processor watch</c>: the demo's live view. It reads the gateway's status file (readings in
/// and out per second, buffer depth and oldest age, MQTT and Kafka state) and the processors' state file
/// (counters, latest windows, active alerts) once a second and redraws them; when standard output is not
/// a terminal it prints one summary line every 5 s instead.
/// </summary>
internal static class WatchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(TextWriter error)
    {
        var state = new Option<string>("--state") { Description = "The processors' state file.", Required = true, HelpName = "FILE" };
        var status = new Option<string>("--gateway-status") { Description = "The gateway's status file (Gateway:StatusFile).", Required = true, HelpName = "FILE" };
        var duration = Cli.ProcessorCommandLine.DurationOption("--duration", TimeSpan.Zero, "Stop after this long (0: until Ctrl-C)");
        var command = new Command("watch", "Live view of a gateway and the processors: rates, buffer, Kafka, latest windows and alerts.") { state, status, duration };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (parse.GetValue(duration) > TimeSpan.Zero)
            {
                stop.CancelAfter(parse.GetValue(duration));
            }

            var view = new View(parse.GetValue(state)!, parse.GetValue(status)!);
            try
            {
                if (Console.IsOutputRedirected)
                {
                    await view.RunPlainAsync(Console.Out, stop.Token);
                }
                else
                {
                    await AnsiConsole.Live(view.Render()).AutoClear(false).StartAsync(async live =>
                    {
                        while (!stop.IsCancellationRequested)
                        {
                            live.UpdateTarget(view.Render());
                            await Task.Delay(TimeSpan.FromSeconds(1), stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                        }
                    });
                }
            }
            catch (IOException problem)
            {
                await error.WriteLineAsync($"stream-processor: {problem.Message}");
                return Cli.ProcessorCommandLine.Failure;
            }

            return Cli.ProcessorCommandLine.Success;
        });
        return command;
    }

    private sealed class View(string statePath, string statusPath)
    {
        private (DateTimeOffset At, long In, long Out)? _previous;
        private double _rateIn;
        private double _rateOut;

        public async Task RunPlainAsync(TextWriter output, CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var gateway = ReadGateway();
                var processor = ReadProcessor();
                var counters = processor.Counters;
                await output.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"[watch] in {_rateIn:0}/s out {_rateOut:0}/s | buffer {gateway?.Depth ?? 0} rows, oldest {Age(gateway?.OldestAge)} | kafka {gateway?.KafkaState ?? "?"} | processor: batches {counters.GetValueOrDefault("batches")}, accepted {counters.GetValueOrDefault("accepted")}, duplicates {counters.GetValueOrDefault("duplicates")}, late {counters.GetValueOrDefault("late")}, windows {counters.GetValueOrDefault("windows")}, active alerts {processor.Alerts.Count}"));
                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        public Rows Render()
        {
            var gateway = ReadGateway();
            var processor = ReadProcessor();
            var top = new Grid().AddColumn().AddColumn();
            var link = new Table().Border(TableBorder.Rounded).Title("[bold]gateway[/]").AddColumn("").AddColumn("");
            if (gateway is null)
            {
                link.AddRow("state", "[yellow]no status yet[/]");
            }
            else
            {
                link.AddRow("gateway", Markup.Escape($"{gateway.Id} ({gateway.State})"));
                link.AddRow("readings in", Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{_rateIn:0}/s ({gateway.Ingested:N0} in all)")));
                link.AddRow("readings out", Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{_rateOut:0}/s ({gateway.Forwarded:N0} to Kafka)")));
                link.AddRow("buffer", Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{gateway.Depth:N0} rows, oldest unsent {Age(gateway.OldestAge)}")));
                link.AddRow("mqtt", Markup.Escape(gateway.MqttState));
                link.AddRow("kafka", Markup.Escape($"{gateway.KafkaState} ({gateway.Bootstrap})"));
            }

            var counters = processor.Counters;
            var stats = new Table().Border(TableBorder.Rounded).Title("[bold]stream processor[/]").AddColumn("").AddColumn("");
            foreach (var (label, name) in new[] { ("batches", "batches"), ("accepted", "accepted"), ("duplicates dropped", "duplicates"), ("late", "late"), ("windows closed", "windows"), ("alert changes", "alerts"), ("batches refused", "rejected_batches") })
            {
                stats.AddRow(label, counters.GetValueOrDefault(name).ToString("N0", CultureInfo.InvariantCulture));
            }

            top.AddRow(link, stats);
            var windows = new Table().Border(TableBorder.Simple).Title("[bold]latest closed windows[/]")
                .AddColumn("device").AddColumn("metric").AddColumn("window (UTC)").AddColumn("count").AddColumn("min").AddColumn("max").AddColumn("mean").AddColumn("last");
            foreach (var w in processor.Windows)
            {
                windows.AddRow(
                    Markup.Escape(w.Device), Markup.Escape(w.Metric), Markup.Escape($"{w.Start:HH:mm:ss}-{w.End:HH:mm:ss}"),
                    w.Count.ToString(CultureInfo.InvariantCulture), Number(w.Min), Number(w.Max), Number(w.Mean), Number(w.Last));
            }

            var alerts = new Table().Border(TableBorder.Simple).Title("[bold]active alerts[/]").AddColumn("device").AddColumn("rule").AddColumn("value").AddColumn("since (event time)");
            foreach (var a in processor.Alerts)
            {
                alerts.AddRow(Markup.Escape(a.Device), Markup.Escape(a.Rule), Number(a.Value), Markup.Escape($"{a.Since:HH:mm:ss}"));
            }

            if (processor.Alerts.Count == 0)
            {
                alerts.AddRow("[grey]none[/]", string.Empty, string.Empty, string.Empty);
            }

            return new Rows(new Markup("[bold]EdgeGateway demo[/]  [grey](Ctrl-C stops everything)[/]"), top, windows, alerts);
        }

        private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

        private static string Age(double? seconds) => seconds is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s:0.0} s") : "none";

        private GatewaySnapshot? ReadGateway()
        {
            try
            {
                using var json = JsonDocument.Parse(File.ReadAllBytes(statusPath));
                var root = json.RootElement;
                var ingest = root.GetProperty("ingest");
                var buffer = root.GetProperty("buffer");
                var kafka = root.GetProperty("kafka");
                var snapshot = new GatewaySnapshot(
                    root.GetProperty("gatewayId").GetString() ?? "?",
                    root.GetProperty("state").ToString(),
                    ingest.GetProperty("readingsIngested").GetInt64(),
                    kafka.GetProperty("readingsForwarded").GetInt64(),
                    buffer.GetProperty("rows").GetInt64(),
                    buffer.TryGetProperty("oldestUnsentAgeSeconds", out var age) && age.ValueKind == JsonValueKind.Number ? age.GetDouble() : null,
                    root.TryGetProperty("sources", out var sources) && sources.TryGetProperty("mqtt", out var mqtt) ? mqtt.GetProperty("state").ToString() : "off",
                    kafka.GetProperty("state").ToString(),
                    kafka.GetProperty("bootstrapServers").GetString() ?? string.Empty,
                    root.GetProperty("generatedAt").GetDateTimeOffset());
                if (_previous is { } before && snapshot.At > before.At)
                {
                    var seconds = (snapshot.At - before.At).TotalSeconds;
                    _rateIn = (snapshot.Ingested - before.In) / seconds;
                    _rateOut = (snapshot.Forwarded - before.Out) / seconds;
                }

                if (_previous is null || snapshot.At > _previous.Value.At)
                {
                    _previous = (snapshot.At, snapshot.Ingested, snapshot.Forwarded);
                }

                return snapshot;
            }
            catch (Exception problem) when (problem is IOException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                return null;
            }
        }

        private ProcessorSnapshot ReadProcessor()
        {
            try
            {
                using var db = StateDatabase.OpenReadOnly(statePath);
                if (db is null)
                {
                    return new ProcessorSnapshot(new Dictionary<string, long>(), [], []);
                }

                var windows = new List<WindowRow>();
                using (var command = db.CreateCommand())
                {
                    command.CommandText = "SELECT device, metric, start, end, count, min, max, sum, last FROM windows WHERE closed = 1 ORDER BY end DESC, updated_at DESC LIMIT 8";
                    using var reader = command.ExecuteReader();
                    while (reader.Read())
                    {
                        var count = reader.GetInt64(4);
                        windows.Add(new WindowRow(
                            reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                            count, reader.GetDouble(5), reader.GetDouble(6), reader.GetDouble(7) / count, reader.GetDouble(8)));
                    }
                }

                var alerts = new List<AlertRow>();
                using (var command = db.CreateCommand())
                {
                    command.CommandText = "SELECT device, rule, value, event_time FROM alerts WHERE active = 1 ORDER BY event_time DESC LIMIT 8";
                    using var reader = command.ExecuteReader();
                    while (reader.Read())
                    {
                        alerts.Add(new AlertRow(reader.GetString(0), reader.GetString(1), reader.GetDouble(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
                    }
                }

                return new ProcessorSnapshot(StateDatabase.ReadCounters(db), windows, alerts);
            }
            catch (SqliteException)
            {
                return new ProcessorSnapshot(new Dictionary<string, long>(), [], []);
            }
        }
    }

    private sealed record GatewaySnapshot(string Id, string State, long Ingested, long Forwarded, long Depth, double? OldestAge, string MqttState, string KafkaState, string Bootstrap, DateTimeOffset At);

    private sealed record WindowRow(string Device, string Metric, DateTimeOffset Start, DateTimeOffset End, long Count, double Min, double Max, double Mean, double Last);

    private sealed record AlertRow(string Device, string Rule, double Value, DateTimeOffset Since);

    private sealed record ProcessorSnapshot(IReadOnlyDictionary<string, long> Counters, IReadOnlyList<WindowRow> Windows, IReadOnlyList<AlertRow> Alerts);
}
