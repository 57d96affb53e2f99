using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using EdgeGateway.Kafka.Native;
using EdgeGateway.Kafka.Security;
using EdgeGateway.StreamProcessor.State;

namespace EdgeGateway.StreamProcessor.Demo;

/// <summary>
/// <c>stream-processor verify</c>: checks the simulator's ledger against what reached Kafka. Every
/// ledger line (device, sequence, metric) must be in some batch on the batch topic: sent, delivered,
/// lost (must be 0), plus the copies Kafka holds beyond the first (at-least-once) and readings from
/// sources the ledger does not cover. With <c>--state</c> it also waits until the processors have
/// taken every ledger reading (each is in the state's set of processed device + sequence + metric keys),
/// and counts a reading the processors took as delivered even when the topic no longer holds it
/// (librdkafka's mock cluster keeps only the last few MB of each partition).
/// Exit code 0 when nothing is lost (and the processors are complete), 1 otherwise.
/// </summary>
internal static class VerifyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(TextWriter output, TextWriter error)
    {
        var bootstrap = Cli.ProcessorCommandLine.BootstrapOption();
        var topic = new Option<string>("--topic") { Description = "The batch topic.", DefaultValueFactory = _ => "edge.readings" };
        var ledger = new Option<string>("--ledger") { Description = "The simulator's ledger (JSON lines).", Required = true, HelpName = "FILE" };
        var state = new Option<string?>("--state") { Description = "The processors' state file: also check they processed every reading once.", HelpName = "FILE" };
        var timeout = Cli.ProcessorCommandLine.DurationOption("--timeout", TimeSpan.FromSeconds(60), "How long to wait for everything to arrive");
        var command = new Command("verify", "Check the simulator's ledger against the batches in Kafka (and the processors' counters); exit 1 when a reading was lost.")
        {
            bootstrap, topic, ledger, state, timeout,
        };
        var security = new Cli.KafkaSecurityOptions();
        security.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            List<string> problems = [];
            var kafkaSecurity = security.Read(parse, problems);
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await error.WriteLineAsync($"stream-processor: {problem}");
                }

                return Cli.ProcessorCommandLine.InvalidUsage;
            }

            var expected = ReadLedger(parse.GetValue(ledger)!);
            var result = await Task.Factory.StartNew(
                () => Check(parse.GetValue(bootstrap)!, kafkaSecurity, parse.GetValue(topic)!, expected, parse.GetValue(state), parse.GetValue(timeout), cancellationToken),
                cancellationToken,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            var lost = expected.Count - result.Delivered;
            await output.WriteLineAsync("summary: the simulator's ledger against Kafka");
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  sent        {expected.Count,9:N0} readings (ledger)"));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  delivered   {result.Delivered,9:N0} readings ({result.Batches:N0} batches still on {parse.GetValue(topic)}, and what the processor took)"));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  lost        {lost,9:N0}"));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  copies      {result.Copies,9:N0} (at-least-once: sent again after a retry, dropped by the processor)"));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  other       {result.Other,9:N0} readings not in the ledger (other sources)"));
            var complete = true;
            if (result.Counters is { } counters)
            {
                complete = result.Processed == expected.Count;
                await output.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  processed   {result.Processed,9:N0} of the ledger's readings by the stream processor (in all: accepted {counters.GetValueOrDefault("accepted"):N0}, late {counters.GetValueOrDefault("late"):N0}, duplicates dropped {counters.GetValueOrDefault("duplicates"):N0}; windows {counters.GetValueOrDefault("windows"):N0}, alert changes {counters.GetValueOrDefault("alerts"):N0})"));
            }

            if (lost > 0)
            {
                foreach (var missing in result.Missing.Take(10))
                {
                    await error.WriteLineAsync($"  lost: {missing.Device} seq {missing.Sequence} {missing.Metric}");
                }
            }

            var ok = lost == 0 && complete;
            await output.WriteLineAsync(ok ? "  result      OK: lost = 0" : $"  result      FAILED: {(lost > 0 ? $"{lost} lost" : "the stream processor did not take every reading")}");
            return ok ? Cli.ProcessorCommandLine.Success : Cli.ProcessorCommandLine.Failure;
        });
        return command;
    }

    private static HashSet<(string Device, long Sequence, string Metric)> ReadLedger(string path)
    {
        var keys = new HashSet<(string, long, string)>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            keys.Add((root.GetProperty("device").GetString()!, root.GetProperty("seq").GetInt64(), root.GetProperty("metric").GetString()!));
        }

        return keys;
    }

    private static Outcome Check(
        string bootstrapServers,
        KafkaClientSecurity security,
        string topic,
        HashSet<(string Device, long Sequence, string Metric)> expected,
        string? statePath,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        LibRdKafka.EnsureLoaded();
        var clock = Stopwatch.StartNew();
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"stream-processor-verify-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = 10,
        };
        security.ApplyTo(config);
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).Build();
        using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
        {
            var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single(t => t.Topic == topic).Partitions;
            consumer.Assign(partitions.Select(p => new TopicPartitionOffset(topic, new Partition(p.PartitionId), Offset.Beginning)));
        }

        var seen = new HashSet<(string, long, string)>();
        HashSet<(string, long, string)> processed = [];
        IReadOnlyDictionary<string, long>? counters = null;
        long copies = 0, other = 0, batches = 0;
        var nextStateRead = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record?.Message?.Value is { Length: > 0 } value)
            {
                batches++;
                using var json = JsonDocument.Parse(value);
                foreach (var reading in json.RootElement.GetProperty("params").GetProperty("arguments").GetProperty("readings").EnumerateArray())
                {
                    var key = (reading.GetProperty("d").GetString()!, reading.GetProperty("s").GetInt64(), reading.GetProperty("m").GetString()!);
                    if (!seen.Add(key))
                    {
                        copies++;
                    }
                    else if (!expected.Contains(key))
                    {
                        other++;
                    }
                }

                continue;
            }

            // Caught up with the topic for now: look at the processors' state, then decide whether to wait on.
            if (statePath is not null && clock.Elapsed >= nextStateRead)
            {
                using var db = StateDatabase.OpenReadOnly(statePath);
                counters = db is null ? new Dictionary<string, long>() : StateDatabase.ReadCounters(db);
                processed = db is null ? [] : Processed(db, expected);
                nextStateRead = clock.Elapsed + TimeSpan.FromMilliseconds(500);
            }

            var delivered = expected.Count(k => seen.Contains(k) || processed.Contains(k));
            var done = delivered == expected.Count && (statePath is null || processed.Count == expected.Count);
            if (done || clock.Elapsed >= timeout)
            {
                consumer.Close();
                return new Outcome(delivered, processed.Count, copies, other, batches, [.. expected.Where(k => !seen.Contains(k) && !processed.Contains(k))], counters);
            }
        }

        throw new OperationCanceledException(cancellationToken);
    }

    /// <summary>The ledger readings the processors have taken (their keys are in the state's seen set).</summary>
    private static HashSet<(string, long, string)> Processed(Microsoft.Data.Sqlite.SqliteConnection db, HashSet<(string Device, long Sequence, string Metric)> expected)
    {
        using var command = db.CreateCommand();
        command.CommandText = "SELECT device, seq, metric FROM seen";
        using var reader = command.ExecuteReader();
        var processed = new HashSet<(string, long, string)>();
        while (reader.Read())
        {
            var key = (reader.GetString(0), reader.GetInt64(1), reader.GetString(2));
            if (expected.Contains(key))
            {
                processed.Add(key);
            }
        }

        return processed;
    }

    private sealed record Outcome(
        int Delivered,
        int Processed,
        long Copies,
        long Other,
        long Batches,
        List<(string Device, long Sequence, string Metric)> Missing,
        IReadOnlyDictionary<string, long>? Counters);
}
