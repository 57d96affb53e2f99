using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;

namespace PipelineBench;

/// <summary>
/// The load: the project's own MQTT client publishing readings at QoS 1 with a sliding window of
/// outstanding publishes, round robin over the devices, as fast as it can or paced to a rate.
/// </summary>
internal static class Publisher
{
    public static async Task<int> RunAsync(string host, int port, int count, Options options)
    {
        options.Allow("devices", "rate", "window", "first");
        var devices = options.Int("devices", 100);
        var rate = options.Int("rate", 0);
        var window = options.Int("window", 1000);

        // Readings are numbered on from --first, so a second publisher continues each device's sequence.
        var first = options.Int("first", 0);
        if (devices is < 1 or > 10_000 || window is < 1 or > ushort.MaxValue || count < 1)
        {
            return Program.Fail("COUNT must be at least 1, --devices 1 to 10000, --window 1 to 65535");
        }

        var topics = Enumerable.Range(0, devices).Select(DevicesFile.Topic).ToArray();
        await using var client = new MqttClient(new MqttClientOptions
        {
            Host = host,
            Port = port,
            ClientId = $"pipelinebench-pub-{Environment.ProcessId}",
            MaximumInflight = (ushort)window,
        });
        await client.ConnectAsync();
        Console.WriteLine("READY");

        var pending = new Queue<Task<MqttPublishResult>>(window);
        var failed = 0;
        var maxLagMs = 0.0;
        var ticksPerReading = rate > 0 ? Stopwatch.Frequency / (double)rate : 0;
        var startUnix = Program.UnixNanoseconds();
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            if (rate > 0)
            {
                // Token bucket: reading i is due at start + i / rate; sleep while ahead of the schedule.
                var due = start + (long)(i * ticksPerReading);
                while (Stopwatch.GetTimestamp() < due)
                {
                    await Task.Delay(1);
                }

                maxLagMs = Math.Max(maxLagMs, Stopwatch.GetElapsedTime(due).TotalMilliseconds);
            }

            if (pending.Count == window)
            {
                failed += (await pending.Dequeue()).IsSuccess ? 0 : 1;
            }

            var n = first + i;
            pending.Enqueue(client.PublishAsync(new MqttApplicationMessage
            {
                Topic = topics[n % devices],
                Payload = Payload(sequence: n / devices, value: 1 + (n * 37 % 1000 / 10.0)),
                QoS = MqttQualityOfService.AtLeastOnce,
            }));
        }

        var lastCall = Stopwatch.GetElapsedTime(start);
        while (pending.Count > 0)
        {
            failed += (await pending.Dequeue()).IsSuccess ? 0 : 1;
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        var endUnix = Program.UnixNanoseconds();
        var lost = client.Counters.ConnectionsLost;
        await client.DisconnectAsync();
        Program.Result("publish", [
            ("readings", count),
            ("devices", devices),
            ("target_rate", rate),
            ("publish_rate", Math.Round(count / Math.Max(lastCall.TotalSeconds, 1e-9))),
            ("acked_rate", Math.Round(count / Math.Max(elapsed.TotalSeconds, 1e-9))),
            ("max_lag_ms", maxLagMs),
            ("start_unix_ns", startUnix),
            ("end_unix_ns", endUnix),
            ("failed", failed),
            ("connections_lost", lost),
        ]);
        return failed == 0 && lost == 0 ? 0 : 1;
    }

    /// <summary>One reading as a sensor sends it, stamped with the publish time (Unix milliseconds, rounded).</summary>
    private static byte[] Payload(int sequence, double value)
    {
        var nowMs = (long)Math.Round((DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds);
        return Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"seq\":{sequence},\"ts\":{nowMs},\"pm25\":{value:0.0}}}"));
    }
}
