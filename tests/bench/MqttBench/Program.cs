using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;

namespace MqttBench;

/// <summary>
/// Publish and receive throughput of EdgeGateway.Mqtt's client against a real broker. Publisher and
/// subscriber run as separate processes so that each one's CPU time is its own. Each mode prints READY
/// once connected (and subscribed), then one machine-readable line starting with "RESULT" (key=value
/// pairs) that tests/bench/mqtt.sh parses.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage:
          MqttBench pub HOST PORT TOPIC QOS COUNT PAYLOAD_BYTES [WINDOW=1000] [options]
              publishes COUNT messages as fast as the in-flight window allows (WINDOW PublishAsync calls outstanding)
          MqttBench sub HOST PORT FILTER QOS COUNT [ACK=batch|each] [BATCH=1000] [options]
              receives COUNT messages with manual acknowledgement: 'batch' takes whatever has arrived (up to BATCH)
              and acknowledges it with one MqttClient.AcknowledgeAsync(IEnumerable) call, as the gateway does after
              a commit; 'each' awaits MqttReceivedMessage.AcknowledgeAsync for every message
        options:
          --version=5|311        MQTT version (default 5)
          --coalescing=MS        MqttClientOptions.ReadCoalescing in milliseconds (default: the client's default)
          --commit-wait=MS       sub, batch: wait this long after the first message of a batch, as the gateway's
                                 group commit does (Buffer:CommitInterval), before acknowledging (default 0)
        Exit code 0 when all COUNT messages were published/received on one connection, 1 otherwise, 2 for a bad
        command line.
        """;

    public static async Task<int> Main(string[] args)
    {
        try
        {
            var settings = Settings.Parse(args.Where(a => a.StartsWith("--", StringComparison.Ordinal)));
            return args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToArray() switch
            {
                ["pub", var host, var port, var topic, var qos, var count, var payloadBytes, .. var rest] =>
                    await PublishAsync(settings.Options(host, Int(port)), topic, Qos(qos), Int(count), Int(payloadBytes),
                        rest.Length > 0 ? Int(rest[0]) : 1000),
                ["sub", var host, var port, var filter, var qos, var count, .. var rest] =>
                    await SubscribeAsync(settings.Options(host, Int(port)), filter, Qos(qos), Int(count),
                        rest.Length > 0 ? rest[0] : "batch", rest.Length > 1 ? Int(rest[1]) : 1000, settings.CommitWait),
                _ => Fail(Usage),
            };
        }
        catch (FormatException error)
        {
            return Fail($"{error.Message}\n{Usage}");
        }
    }

    private static async Task<int> PublishAsync(MqttClientOptions options, string topic, MqttQualityOfService qos, int count, int payloadBytes, int window)
    {
        if (window is < 1 or > ushort.MaxValue)
        {
            return Fail("WINDOW must be 1 to 65535");
        }

        // Payloads are made before the clock starts: making them is not the client's cost.
        var payloads = Payloads(count, payloadBytes);
        await using var client = new MqttClient(options with
        {
            ClientId = $"mqttbench-pub-{Environment.ProcessId}",
            MaximumInflight = (ushort)window,
        });
        await client.ConnectAsync();
        Console.WriteLine("READY");

        var pending = new Queue<Task<MqttPublishResult>>(window);
        var failed = 0;
        var start = Snapshot.Take();
        for (var i = 0; i < count; i++)
        {
            if (pending.Count == window)
            {
                failed += (await pending.Dequeue()).IsSuccess ? 0 : 1;
            }

            pending.Enqueue(client.PublishAsync(new MqttApplicationMessage { Topic = topic, Payload = payloads[i], QoS = qos }));
        }

        while (pending.Count > 0)
        {
            failed += (await pending.Dequeue()).IsSuccess ? 0 : 1;
        }

        var end = Snapshot.Take();
        var lost = client.Counters.ConnectionsLost;
        await client.DisconnectAsync();
        Report("pub", qos, count, start, end, null, 0, $"window={window} coalescing_ms={options.ReadCoalescing.TotalMilliseconds} failed={failed} connections_lost={lost}");
        return failed == 0 && lost == 0 ? 0 : 1;
    }

    private static async Task<int> SubscribeAsync(MqttClientOptions options, string filter, MqttQualityOfService qos, int count, string ack, int batch, TimeSpan commitWait)
    {
        if (ack is not ("batch" or "each") || batch < 1)
        {
            return Fail("ACK must be 'batch' or 'each' and BATCH at least 1");
        }

        await using var client = new MqttClient(options with
        {
            ClientId = $"mqttbench-sub-{Environment.ProcessId}",
            AcknowledgementMode = MqttAcknowledgementMode.Manual,
            ReceiveMaximum = 1000,
        });
        await client.ConnectAsync();
        var granted = await client.SubscribeAsync(filter, qos);
        if (!granted.IsSuccess)
        {
            return Fail($"subscription refused: {granted.ReasonCode}");
        }

        Console.WriteLine("READY");
        var reader = client.Messages;
        var progress = new Progress();
        using var watchdog = new CancellationTokenSource();
        var idle = WatchIdleAsync(client, progress, TimeSpan.FromSeconds(10), watchdog.Token);
        var received = 0;
        var wakeups = 0;
        long bytes = 0;
        var start = default(Snapshot);
        var steady = default(Snapshot);
        var steadyFrom = 0;
        var messages = new List<MqttReceivedMessage>(batch);
        while (received < count && await reader.WaitToReadAsync())
        {
            if (received == 0)
            {
                start = Snapshot.Take();
            }
            else if (steadyFrom == 0 && received >= count / 5)
            {
                // Past the warm-up (JIT tiering, buffers growing): what a long-running gateway pays.
                steady = Snapshot.Take();
                steadyFrom = received;
            }

            wakeups++;
            if (ack == "each")
            {
                while (received < count && reader.TryRead(out var message))
                {
                    received++;
                    bytes += message.Payload.Length;
                    await message.AcknowledgeAsync();
                    progress.Received = received;
                }

                continue;
            }

            // What the gateway does: take what has arrived (for its commit interval), commit it, then
            // acknowledge it all at once.
            if (commitWait > TimeSpan.Zero)
            {
                await Task.Delay(commitWait);
            }

            messages.Clear();
            while (messages.Count < batch && received < count && reader.TryRead(out var message))
            {
                messages.Add(message);
                received++;
                bytes += message.Payload.Length;
            }

            await client.AcknowledgeAsync(messages);
            progress.Received = received;
        }

        var end = Snapshot.Take();
        await watchdog.CancelAsync();
        await idle;
        var lost = client.Counters.ConnectionsLost;
        await client.DisconnectAsync();

        // The first message's own cost is outside the window; one message in COUNT does not show.
        Report("sub", qos, received, start, end, steadyFrom > 0 ? steady : null, received - steadyFrom,
            $"ack={ack} batch={(ack == "batch" ? batch : 1)} commit_wait_ms={commitWait.TotalMilliseconds} coalescing_ms={options.ReadCoalescing.TotalMilliseconds} " +
            $"wakeups={wakeups} expected={count} payload_bytes={bytes} connections_lost={lost}");
        return received == count && lost == 0 ? 0 : 1;
    }

    /// <summary>
    /// Stops the client when no message arrives for <paramref name="limit"/> (a QoS 0 message the broker
    /// dropped would otherwise make the subscriber wait forever); the result then shows fewer messages.
    /// </summary>
    private static async Task WatchIdleAsync(MqttClient client, Progress progress, TimeSpan limit, CancellationToken cancellationToken)
    {
        var last = -1;
        var since = Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
                var now = Volatile.Read(ref progress.Received);
                if (now != last)
                {
                    (last, since) = (now, Stopwatch.GetTimestamp());
                }
                else if (now > 0 && Stopwatch.GetElapsedTime(since) > limit)
                {
                    await Console.Error.WriteLineAsync($"no message for {limit.TotalSeconds:0} s after {now}: giving up");
                    await client.AbortAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // All messages arrived.
        }
    }

    private static ReadOnlyMemory<byte>[] Payloads(int count, int size)
    {
        // JSON readings like the gateway's sensors send, padded or cut to exactly `size` bytes.
        var payloads = new ReadOnlyMemory<byte>[count];
        var random = new Random(42);
        var text = new StringBuilder(size + 64);
        for (var i = 0; i < count; i++)
        {
            text.Clear();
            text.Append(CultureInfo.InvariantCulture,
                $"{{\"id\":\"aq-{i % 100:0000}\",\"t\":{1732270000000L + i},\"pm25\":{random.Next(0, 999) / 10.0:0.0},\"pm10\":{random.Next(0, 999) / 10.0:0.0},\"no2\":{random.Next(0, 999) / 10.0:0.0},\"seq\":{i}");
            text.Append(",\"pad\":\"");
            while (text.Length < size - 2)
            {
                text.Append('x');
            }

            text.Append("\"}");
            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            payloads[i] = bytes.AsMemory(0, Math.Min(size, bytes.Length));
        }

        return payloads;
    }

    private static void Report(string mode, MqttQualityOfService qos, int messages, Snapshot start, Snapshot end, Snapshot? steady, int steadyMessages, string extra)
    {
        var seconds = (end.Timestamp - start.Timestamp) / (double)Stopwatch.Frequency;
        var cpu = (end.Cpu - start.Cpu).TotalMicroseconds;
        var steadyUs = steady is { } s && steadyMessages > 0 ? (end.Cpu - s.Cpu).TotalMicroseconds / steadyMessages : 0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT mode={mode} qos={(int)qos} messages={messages} seconds={seconds:0.000000} rate={(seconds > 0 ? messages / seconds : 0):0} " +
            $"cpu_us_per_msg={(messages == 0 ? 0 : cpu / messages):0.000} steady_cpu_us_per_msg={steadyUs:0.000} cpu_seconds={cpu / 1e6:0.000} " +
            $"alloc_bytes_per_msg={(messages == 0 ? 0 : (end.Allocated - start.Allocated) / (double)messages):0.0} " +
            $"gc0={end.Gen0 - start.Gen0} gc1={end.Gen1 - start.Gen1} gc2={end.Gen2 - start.Gen2} " +
            $"start_unix_ns={start.UnixNanoseconds} end_unix_ns={end.UnixNanoseconds} {extra}"));
    }

    private static int Int(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    private static MqttQualityOfService Qos(string text) => text switch
    {
        "0" => MqttQualityOfService.AtMostOnce,
        "1" => MqttQualityOfService.AtLeastOnce,
        "2" => MqttQualityOfService.ExactlyOnce,
        _ => throw new FormatException($"QOS must be 0, 1 or 2, not '{text}'"),
    };

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    /// <summary>The --name=value options.</summary>
    private sealed record Settings(MqttProtocolVersion Version, TimeSpan? Coalescing, TimeSpan CommitWait)
    {
        public static Settings Parse(IEnumerable<string> options)
        {
            var settings = new Settings(MqttProtocolVersion.V500, null, TimeSpan.Zero);
            foreach (var option in options)
            {
                settings = option.Split('=', 2) switch
                {
                    ["--version", "5" or "mqttv5"] => settings with { Version = MqttProtocolVersion.V500 },
                    ["--version", "311" or "mqttv311"] => settings with { Version = MqttProtocolVersion.V311 },
                    ["--coalescing", var ms] => settings with { Coalescing = Milliseconds(ms) },
                    ["--commit-wait", var ms] => settings with { CommitWait = Milliseconds(ms) },
                    _ => throw new FormatException($"unknown option '{option}'"),
                };
            }

            return settings;
        }

        public MqttClientOptions Options(string host, int port)
        {
            var options = new MqttClientOptions { Host = host, Port = port, ProtocolVersion = Version };
            return Coalescing is { } coalescing ? options with { ReadCoalescing = coalescing } : options;
        }

        private static TimeSpan Milliseconds(string text) =>
            TimeSpan.FromMilliseconds(double.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture));
    }

    private sealed class Progress
    {
#pragma warning disable CA1051 // A field, so that the watchdog can read it with Volatile.Read.
        public int Received;
#pragma warning restore CA1051
    }

    /// <summary>Clock, process CPU (user + system, all threads) and allocations at one instant.</summary>
    private readonly record struct Snapshot(long Timestamp, long UnixNanoseconds, TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2)
    {
        public static Snapshot Take()
        {
            using var process = Process.GetCurrentProcess();
            return new Snapshot(
                Stopwatch.GetTimestamp(),
                (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100,
                process.TotalProcessorTime,
                GC.GetTotalAllocatedBytes(precise: true),
                GC.CollectionCount(0),
                GC.CollectionCount(1),
                GC.CollectionCount(2));
        }
    }
}
