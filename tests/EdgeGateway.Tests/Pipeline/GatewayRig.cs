using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeGateway.Buffering;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using Microsoft.Data.Sqlite;
using Xunit;

namespace EdgeGateway.Tests.Pipeline;

/// <summary>
/// One gateway under test, as the real <c>edge-gateway</c> process: its files (configuration,
/// devices, registry and buffer in a temp directory), starting and stopping it, and looking into
/// its SQLite buffer the way an operator would (read-only, also while it runs: WAL mode).
/// </summary>
internal sealed partial class GatewayRig : IDisposable
{
    /// <summary>The gateway id every rig's configuration uses.</summary>
    public const string GatewayId = "gw-e2e";

    private readonly TempDirectory _directory;

    public GatewayRig(string prefix) => _directory = TempDirectory.Create(prefix);

    public string BufferPath => _directory.File("buffer.db");

    public string DevicesPath => _directory.File("devices.json");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Writes (or rewrites) the devices file the configuration points at.</summary>
    public void WriteDevices(IEnumerable<Sensor> sensors) =>
        File.WriteAllText(DevicesPath, JsonSerializer.Serialize(new
        {
            devices = sensors.Select(s => new
            {
                id = s.Id,
                type = "air-quality",
                location = new { lat = 52.5, lon = 13.4, district = s.District, site = s.Site },
                metrics = new Dictionary<string, object> { ["pm2_5"] = new { unit = "ug/m3", calibration = new { scale = s.Scale, offset = 0.0 } } },
            }),
        }));

    /// <summary>
    /// Writes a configuration: MQTT subscription <c>city/{district}/aq/{deviceId}</c> with the JSON
    /// decoder of <see cref="Sensor.Payload"/>, this rig's registry, devices file and buffer, Kafka at
    /// <paramref name="kafkaBootstrapServers"/>. <paramref name="customize"/> changes the JSON before it is written.
    /// </summary>
    public string WriteConfiguration(MosquittoBroker broker, string kafkaBootstrapServers, string topic, Action<JsonObject>? customize = null, string name = "gateway.json")
    {
        var config = new JsonObject
        {
            ["Gateway"] = new JsonObject { ["Id"] = GatewayId },
            ["Mqtt"] = new JsonObject
            {
                ["Host"] = "127.0.0.1",
                ["Port"] = broker.Port,
                ["Subscriptions"] = new JsonArray(new JsonObject
                {
                    ["Topic"] = "city/{district}/aq/{deviceId}",
                    ["QoS"] = 1,
                    ["Decoder"] = JsonNode.Parse("""
                        { "Kind": "json", "Json": { "TimeField": "ts", "SequenceField": "seq", "Metrics": [ { "Field": "pm25", "Metric": "pm2_5" } ] } }
                        """),
                }),
            },
            ["Context"] = new JsonObject { ["RegistryPath"] = _directory.File("registry.db"), ["DevicesFile"] = DevicesPath },
            ["Buffer"] = new JsonObject { ["Path"] = BufferPath },
            ["Kafka"] = new JsonObject { ["BootstrapServers"] = kafkaBootstrapServers, ["Topic"] = topic, ["Linger"] = "5ms" },
        };
        customize?.Invoke(config);
        return _directory.WriteFile(name, config.ToJsonString());
    }

    /// <summary>
    /// Starts the gateway (with <paramref name="environment"/> added to its environment) and waits until it has
    /// subscribed to <paramref name="subscribedTo"/> (from then on the broker keeps its messages).
    /// </summary>
    public static async Task<ExternalProcess> StartGatewayAsync(string config, string subscribedTo = "city/+/aq/+", IReadOnlyDictionary<string, string?>? environment = null)
    {
        var gateway = DotNetPrograms.StartGateway(["run", "--config", config], environment);
        await gateway.WaitForOutputAsync(line => line.Contains($"Subscribed to {subscribedTo}", StringComparison.Ordinal), "the gateway subscribed", cancellationToken: Token);
        return gateway;
    }

    /// <summary>Stops the gateway with SIGTERM, expects exit code 0, and returns its buffer's counters of that run.</summary>
    public static async Task<BufferCounters> StopGatewayAsync(ExternalProcess gateway)
    {
        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: Token);
        Assert.Equal(0, gateway.ExitCode);
        return BufferCounters.FromLog(gateway);
    }

    /// <summary>The rows and dead letters in the buffer file now (opened read-only; the gateway may be running).</summary>
    public BufferContents ReadBuffer()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = BufferPath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        var readings = new List<BufferedRow>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT sequence, size, payload FROM readings ORDER BY sequence";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var reading = ReadingSerializer.Deserialize((byte[])reader[2]);
                readings.Add(new BufferedRow(reader.GetInt64(0), reading.DeviceId.Value, reading.Sequence, reader.GetInt64(1)));
            }
        }

        var deadLetters = new List<StoredDeadLetter>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, reason, detail, channel, raw FROM dead_letters ORDER BY id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                deadLetters.Add(new StoredDeadLetter(
                    reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), (byte[])reader[4]));
            }
        }

        return new BufferContents(readings, deadLetters);
    }

    /// <summary>The counts of readings and dead letters in the buffer file now (cheap enough to poll).</summary>
    public (long Readings, long DeadLetters) CountBuffer()
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = BufferPath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT count(*) FROM readings), (SELECT count(*) FROM dead_letters)";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The resident memory of a process in bytes (VmRSS of /proc/PID/status).</summary>
    public static long ResidentBytes(ExternalProcess process)
    {
        foreach (var line in File.ReadLines($"/proc/{process.Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"No VmRSS line for pid {process.Pid}.");
    }

    public void Dispose() => _directory.Dispose();

    [GeneratedRegex(@"Buffer closed; since open: (?<pairs>.*); left unsent")]
    private static partial Regex ClosedLine();

    /// <summary>A row of the buffer file: its buffer sequence, the reading's device and sequence, its accounted bytes.</summary>
    internal sealed record BufferedRow(long BufferSequence, string Device, long Sequence, long Size);

    /// <summary>A dead letter as stored.</summary>
    internal sealed record StoredDeadLetter(long Id, string Reason, string? Detail, string Channel, byte[] Raw);

    /// <summary>What the buffer file holds.</summary>
    internal sealed record BufferContents(IReadOnlyList<BufferedRow> Readings, IReadOnlyList<StoredDeadLetter> DeadLetters);

    /// <summary>The buffer's counters of one gateway run, from the line it logs when it closes (event 208).</summary>
    internal sealed record BufferCounters(long Committed, long Released, long DroppedOldest, long RefusedFull, long Expired, long DiskGuard, long TooLarge, long DeadLettersDropped)
    {
        public long Dropped => DroppedOldest + RefusedFull + Expired + DiskGuard + TooLarge;

        public static BufferCounters FromLog(ExternalProcess gateway)
        {
            var line = gateway.StandardOutput.LastOrDefault(l => ClosedLine().IsMatch(l))
                ?? throw new Xunit.Sdk.XunitException($"The gateway did not log its buffer counters on the way out. Output:\n{gateway.AllOutput}");
            var pairs = ClosedLine().Match(line).Groups["pairs"].Value
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(pair => pair.Split('='))
                .ToDictionary(pair => pair[0], pair => long.Parse(pair[1], CultureInfo.InvariantCulture));
            return new BufferCounters(
                pairs["committed"], pairs["released"], pairs["dropped-oldest"], pairs["refused-full"], pairs["expired"], pairs["disk-guard"], pairs["too-large"], pairs["dead-letters-dropped"]);
        }
    }
}

/// <summary>
/// A simulated sensor: publishes <c>{"seq":S,"ts":T,"pm25":S.5}</c> on <c>city/{district}/aq/{id}</c>;
/// its context (district, site, calibration scale) is what the devices file says.
/// </summary>
internal sealed record Sensor(string Id, string District, double Scale = 2.0, string Site = "cabinet-1")
{
    public const long EventTime = 1795341600000;

    public string Topic => $"city/{District}/aq/{Id}";

    public static IReadOnlyList<Sensor> Fleet(int count, string prefix = "aq") =>
        [.. Enumerable.Range(0, count).Select(i => new Sensor($"{prefix}-{i:000}", i % 2 == 0 ? "north" : "south"))];

    public static string Payload(long seq) => $$"""{"seq":{{seq}},"ts":{{EventTime}},"pm25":{{seq}}.5}""";

    /// <summary>The calibrated value the gateway forwards for reading <paramref name="seq"/>.</summary>
    public double ExpectedValue(long seq) => (seq + 0.5) * Scale;
}
