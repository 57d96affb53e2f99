using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using EdgeGateway.Kafka.Native;

namespace PipelineBench;

/// <summary>
/// Reads a topic from its start until a number of readings arrived, and measures on the way: when each
/// reading became visible (latency from the publish time in its payload), CPU and RSS of the watched
/// processes, and (after the clock stopped) bytes per reading against inline context.
/// </summary>
internal static class Consumer
{
    private static readonly byte[] ReadingCountField = "\"readingCount\":"u8.ToArray();
    private static readonly byte[] TimeField = "\"ts\":"u8.ToArray();

    public static int Run(string bootstrap, string topic, int count, Options options)
    {
        options.Allow("format", "latency", "warmup-ms", "watch", "clk-tck", "samples", "sample-ms", "analyze", "timeout", "idle-timeout", "dump", "from-end");
        var format = options.Text("format") ?? "mcp";
        if (format is not ("mcp" or "lines") || count < 1)
        {
            return Program.Fail("--format must be mcp or lines, COUNT at least 1");
        }

        var latency = options.Flag("latency");
        var analyze = options.Flag("analyze") && format == "mcp";
        var warmupMs = options.Int("warmup-ms", 1000);
        var clockTicks = options.Int("clk-tck", 100);
        var timeout = TimeSpan.FromSeconds(options.Int("timeout", 600));
        var idleTimeout = TimeSpan.FromSeconds(options.Int("idle-timeout", 60));
        var watch = ProcessWatch.Parse(options.Text("watch"));

        LibRdKafka.EnsureLoaded();
        var errors = 0;
        string? lastError = null;
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,

            // Confluent.Kafka 1.9.3 insists on a group id; Assign never joins the group and nothing is committed.
            GroupId = $"pipelinebench-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,

            // The mock broker holds a fetch that finds nothing new for the whole wait: a short wait keeps
            // what this consumer adds to the latency small (at most this, 2 ms).
            FetchWaitMaxMs = 2,
            ReconnectBackoffMs = 10,
            ReconnectBackoffMaxMs = 100,
        })
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, error) =>
            {
                Interlocked.Increment(ref errors);
                lastError = $"{error.Code}: {error.Reason}";
            })
            .Build();

        // From the topic's start, or (--from-end) from what it holds now: the readings of an earlier warm-up are skipped.
        var partitions = Partitions(consumer, topic);
        var fromEnd = options.Flag("from-end");
        consumer.Assign(partitions.Select(p =>
        {
            var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, new Partition(p)), TimeSpan.FromSeconds(10));
            return new TopicPartitionOffset(topic, new Partition(p), fromEnd ? watermarks.High : watermarks.Low);
        }));

        var progress = new Progress();
        using var sampler = watch.IsEmpty ? null : new Sampler(watch, progress, options.Text("samples"), TimeSpan.FromMilliseconds(options.Int("sample-ms", 200)));
        var cpuStart = watch.CpuTicks();
        var startUnix = Program.UnixNanoseconds();
        Console.WriteLine("READY");

        var seenLatencies = new List<double>();
        var createLatencies = new List<double>();
        var timestampTypes = new HashSet<TimestampType>();
        var values = analyze ? new List<byte[]>() : null;
        long readings = 0;
        long records = 0;
        long valueBytes = 0;
        long firstUnix = 0;
        long firstEventMs = long.MinValue;
        var clock = Stopwatch.StartNew();
        var lastProgress = clock.Elapsed;
        var complete = false;
        while (true)
        {
            if (readings >= count)
            {
                complete = true;
                break;
            }

            if (clock.Elapsed > timeout || (readings > 0 && clock.Elapsed - lastProgress > idleTimeout))
            {
                break;
            }

            ConsumeResult<Ignore, byte[]>? result;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
            catch (ConsumeException error)
            {
                // Transient while the broker is down: keep reading until the deadline.
                errors++;
                lastError = $"{error.Error.Code}: {error.Error.Reason}";
                continue;
            }

            if (result?.Message?.Value is not { } value)
            {
                continue;
            }

            var seenMs = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
            if (firstUnix == 0)
            {
                firstUnix = Program.UnixNanoseconds();
            }

            if (records == 0 && options.Text("dump") is { } dump)
            {
                File.WriteAllBytes(dump, value);
            }

            records++;
            valueBytes += value.Length;
            values?.Add(value);
            if (!latency)
            {
                readings += format == "lines" ? 1 : ReadingCount(value);
            }
            else
            {
                var createMs = result.Message.Timestamp.UnixTimestampMs;
                timestampTypes.Add(result.Message.Timestamp.Type);
                foreach (var eventMs in EventTimes(value, format))
                {
                    readings++;
                    if (firstEventMs == long.MinValue)
                    {
                        firstEventMs = eventMs;
                    }

                    // Readings published during the first warm-up milliseconds (JIT, first connections) are left out.
                    if (eventMs >= firstEventMs + warmupMs)
                    {
                        seenLatencies.Add(seenMs - eventMs);
                        createLatencies.Add(createMs - eventMs);
                    }
                }
            }

            progress.Readings = readings;
            lastProgress = clock.Elapsed;
        }

        var endUnix = Program.UnixNanoseconds();
        var cpuEnd = watch.CpuTicks();
        var peak = watch.PeakRssKiB();
        sampler?.Stop();

        List<(string, object)> fields =
        [
            ("complete", complete ? "yes" : "no"),
            ("readings", readings),
            ("expected", count),
            ("records", records),
            ("value_bytes", valueBytes),
            ("start_unix_ns", startUnix),
            ("first_unix_ns", firstUnix),
            ("end_unix_ns", endUnix),
            ("errors", errors),
        ];
        if (!watch.IsEmpty)
        {
            var cpuUs = (cpuEnd - cpuStart) * 1e6 / clockTicks;
            fields.AddRange([
                ("cpu_us", cpuUs),
                ("cpu_us_per_reading", readings > 0 ? cpuUs / readings : 0),
                ("rss_min_kib", sampler!.MinRssKiB),
                ("rss_max_kib", sampler.MaxRssKiB),
                ("rss_anon_max_kib", sampler.MaxAnonymousRssKiB),
                ("rss_end_kib", watch.RssKiB()),
                ("hwm_kib", peak),
            ]);
        }

        if (latency)
        {
            seenLatencies.Sort();
            createLatencies.Sort();
            fields.AddRange([
                ("lat_n", seenLatencies.Count),
                ("lat_p50_ms", Percentile(seenLatencies, 0.50)),
                ("lat_p90_ms", Percentile(seenLatencies, 0.90)),
                ("lat_p99_ms", Percentile(seenLatencies, 0.99)),
                ("lat_max_ms", Percentile(seenLatencies, 1.0)),
                ("create_p50_ms", Percentile(createLatencies, 0.50)),
                ("create_p99_ms", Percentile(createLatencies, 0.99)),
                ("timestamp_types", timestampTypes.Count == 0 ? "-" : string.Join('+', timestampTypes)),
            ]);
        }

        if (values is not null)
        {
            var analysis = new BatchAnalysis();
            foreach (var value in values)
            {
                analysis.Add(value);
            }

            fields.AddRange([
                ("an_records", analysis.Records),
                ("an_readings", analysis.Readings),
                ("an_duplicates", analysis.Duplicates),
                ("an_flagged", analysis.Flagged),
                ("an_value_chars", analysis.Readings > 0 ? analysis.ValueChars / (double)analysis.Readings : 0),
                ("an_context_entries", analysis.ContextEntries),
                ("an_value_bytes", analysis.ValueBytes),
                ("an_inline_bytes", analysis.InlineBytes),
                ("an_bytes_per_reading", analysis.Readings > 0 ? analysis.ValueBytes / (double)analysis.Readings : 0),
                ("an_inline_bytes_per_reading", analysis.Readings > 0 ? analysis.InlineBytes / (double)analysis.Readings : 0),
                ("an_reencodes_exactly", analysis.ReencodesExactly ? "yes" : "no"),
            ]);
        }

        Program.Result("consume", fields);
        if (!complete)
        {
            Console.Error.WriteLine($"{readings} of {count} readings in {topic} after {clock.Elapsed.TotalSeconds:0} s (last client error: {lastError ?? "none"})");
        }

        consumer.Close();
        return complete ? 0 : 1;
    }

    /// <summary>The topic's partitions; waits for the topic to be known (it is created beforehand, never here).</summary>
    private static List<int> Partitions(IConsumer<Ignore, byte[]> consumer, string topic)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            // Disposed at once: a DependentAdminClient kept alive spins a core (confluent-kafka-dotnet #1762).
            using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
            {
                try
                {
                    // All topics: asking for one would make the mock create it.
                    var found = admin.GetMetadata(TimeSpan.FromSeconds(5)).Topics.SingleOrDefault(t => t.Topic == topic);
                    if (found is { Error.IsError: false, Partitions.Count: > 0 })
                    {
                        return [.. found.Partitions.Select(p => p.PartitionId).Order()];
                    }
                }
                catch (KafkaException)
                {
                    // Not reachable yet: try again.
                }
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"topic {topic} is not in the cluster's metadata");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>The readings in an MCP batch, from its <c>batch.readingCount</c> (found without parsing the record).</summary>
    private static int ReadingCount(byte[] value)
    {
        var at = value.AsSpan().IndexOf(ReadingCountField);
        if (at < 0 || !Utf8Parser.TryParse(value.AsSpan(at + ReadingCountField.Length), out int count, out _))
        {
            throw new InvalidDataException("a record without batch.readingCount: not a gateway batch");
        }

        return count;
    }

    /// <summary>Each reading's publish time: <c>t</c> of every reading of an MCP batch, or <c>ts</c> of a raw payload.</summary>
    private static IEnumerable<long> EventTimes(byte[] value, string format)
    {
        if (format == "lines")
        {
            var at = value.AsSpan().IndexOf(TimeField);
            if (at < 0 || !Utf8Parser.TryParse(value.AsSpan(at + TimeField.Length), out long ts, out _))
            {
                throw new InvalidDataException("a record without \"ts\"");
            }

            return [ts];
        }

        using var document = JsonDocument.Parse(value);
        return [.. document.RootElement.GetProperty("params").GetProperty("arguments").GetProperty("readings").EnumerateArray()
            .Select(r => r.GetProperty("t").GetInt64())];
    }

    /// <summary>Nearest-rank percentile of sorted values (NaN when there are none).</summary>
    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private sealed class Progress
    {
        private long _readings;

        public long Readings
        {
            get => Interlocked.Read(ref _readings);
            set => Interlocked.Exchange(ref _readings, value);
        }
    }

    /// <summary>Samples the watched processes on a thread of its own; optionally writes each sample to a file.</summary>
    private sealed class Sampler : IDisposable
    {
        private readonly ProcessWatch _watch;
        private readonly Progress _progress;
        private readonly StreamWriter? _file;
        private readonly TimeSpan _interval;
        private readonly Thread _thread;
        private readonly ManualResetEventSlim _stop = new();
        private long _min = long.MaxValue;
        private long _max;
        private long _maxAnonymous;

        public Sampler(ProcessWatch watch, Progress progress, string? path, TimeSpan interval)
        {
            _watch = watch;
            _progress = progress;
            _interval = interval;
            _file = path is null ? null : new StreamWriter(path) { AutoFlush = true };
            _file?.WriteLine("unix_ns rss_kib cpu_ticks readings rss_anon_kib");
            _thread = new Thread(Loop) { IsBackground = true, Name = "sampler" };
            Sample();
            _thread.Start();
        }

        public long MinRssKiB => Interlocked.Read(ref _min) == long.MaxValue ? 0 : Interlocked.Read(ref _min);

        public long MaxRssKiB => Interlocked.Read(ref _max);

        public long MaxAnonymousRssKiB => Interlocked.Read(ref _maxAnonymous);

        public void Stop()
        {
            if (!_stop.IsSet)
            {
                _stop.Set();
                _thread.Join();
                Sample();
            }
        }

        public void Dispose()
        {
            Stop();
            _file?.Dispose();
            _stop.Dispose();
        }

        private void Loop()
        {
            while (!_stop.Wait(_interval))
            {
                Sample();
            }
        }

        private void Sample()
        {
            var rss = _watch.RssKiB();
            if (rss > 0)
            {
                Interlocked.Exchange(ref _min, Math.Min(Interlocked.Read(ref _min), rss));
                Interlocked.Exchange(ref _max, Math.Max(Interlocked.Read(ref _max), rss));
                Interlocked.Exchange(ref _maxAnonymous, Math.Max(Interlocked.Read(ref _maxAnonymous), _watch.AnonymousRssKiB()));
            }

            _file?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Program.UnixNanoseconds()} {rss} {_watch.CpuTicks()} {_progress.Readings} {_watch.AnonymousRssKiB()}"));
        }
    }
}
