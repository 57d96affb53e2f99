using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Mqtt;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using EdgeGateway.Tests.Pipeline;
using Microsoft.Data.Sqlite;
using Xunit;

namespace EdgeGateway.Tests.StreamProcessor;

/// <summary>
/// Field-level encryption end to end with real processes: a parking sensor's readings over mosquitto →
/// edge-gateway (its device context marks <c>occupants</c> as personal data, key made by
/// <c>edge-gateway keys new</c>) → Kafka. The occupant counts are not in the Kafka records in any form;
/// a stream processor with the key windows and alerts on them; one without the key processes the other
/// metric and reports the encrypted values with their key id; one with a wrong key under the same id
/// reports the failed decryption clearly, and none of them crashes or guesses.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FieldEncryptionEndToEndTests : LoggedTest
{
    private const string KeyId = "k2026-12";
    // Exact in binary and with digits no timestamp or id is likely to hold, so a search for them means something.
    private static readonly double[] Occupants = [3.140625, 7.265625, 12.109375, 18.796875, 25.515625, 21.046875];
    private readonly GatewayRig _rig = new("field-encryption");

    protected override ValueTask CleanUpAsync()
    {
        _rig.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Personal_values_cross_Kafka_encrypted_and_only_a_processor_with_the_key_reads_them()
    {
        await using var broker = await MosquittoBroker.StartAsync(cancellationToken: CancellationToken);
        await using var kafka = KafkaFixture.Start();
        foreach (var name in new[] { "edge.readings", "edge.responses", "edge.windows", "edge.alerts", "edge.deadletter" })
        {
            kafka.CreateTopic(name);
        }

        var keys = Path.Combine(Path.GetDirectoryName(_rig.DevicesPath)!, "field-keys");
        var made = await DotNetPrograms.RunGatewayAsync(["keys", "new", "--id", KeyId, "--file", keys], cancellationToken: CancellationToken);
        Assert.True(made.ExitCode == 0, made.StandardError);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keys));
        var wrongKeys = Path.Combine(Path.GetDirectoryName(_rig.DevicesPath)!, "wrong-keys");
        await File.WriteAllTextAsync(wrongKeys, $"{KeyId} {Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}\n", CancellationToken);

        await File.WriteAllTextAsync(_rig.DevicesPath, """
            { "devices": [ { "id": "park-1", "type": "parking", "location": { "lat": 52.5, "lon": 13.4, "district": "north" },
                             "metrics": { "pm2_5": { "unit": "ug/m3" }, "occupants": { "unit": "people" } },
                             "personalData": [ "occupants" ] } ] }
            """, CancellationToken);
        var config = _rig.WriteConfiguration(broker, kafka.BootstrapServers, "edge.readings", c =>
        {
            c["Mqtt"]!["Subscriptions"]![0]!["Decoder"] = JsonNode.Parse("""
                { "Kind": "json", "Json": { "TimeField": "ts", "SequenceField": "seq", "Metrics": [ { "Field": "pm25", "Metric": "pm2_5" }, { "Field": "occ", "Metric": "occupants" } ] } }
                """);
            c["Encryption"] = new JsonObject { ["KeysFile"] = keys, ["ActiveKeyId"] = KeyId };
        });

        // Event times a minute ago within one 10 s window; it stays open (no later reading, idle timeout 1 h).
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var t0 = now - (now % 10_000) - 60_000;
        var gateway = await GatewayRig.StartGatewayAsync(config);
        await using (var sensors = await SensorPublisher.ConnectAsync(broker, LoggerFactory))
        {
            await sensors.PublishAsync(Occupants.Select((occupants, i) => (
                "city/north/aq/park-1",
                Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $$"""{"seq":{{i + 1}},"ts":{{t0 + (i * 1000)}},"pm25":{{10 + i}},"occ":{{occupants}}}""")))));
        }

        IReadOnlyList<KafkaRecord> records = [];
        await Eventually.TrueAsync(
            async _ =>
            {
                records = await kafka.ReadAvailableAsync("edge.readings", cancellationToken: CancellationToken);
                return records.Sum(r => Readings(r).Count) >= Occupants.Length * 2;
            },
            "every reading is in Kafka",
            cancellationToken: CancellationToken);
        await GatewayRig.StopGatewayAsync(gateway);
        DotNetPrograms.AssertNoErrorLogLines(gateway);
        Assert.Contains(gateway.StandardOutput, l => l.Contains($"Field encryption on: personal-data values are encrypted with key {KeyId}", StringComparison.Ordinal));

        // In Kafka: pm2_5 in the clear, occupants only as ciphertext, under the key id; no occupant count in any form.
        foreach (var record in records)
        {
            Assert.Equal(KeyId, record.Header("edge-key-id"));
            AssertNoPlaintext(record.Value!);
            foreach (var reading in Readings(record))
            {
                var metric = reading.GetProperty("m").GetString();
                Assert.Equal(metric == "occupants", reading.TryGetProperty("e", out _));
                Assert.Equal(metric == "pm2_5", reading.TryGetProperty("v", out _));
            }
        }

        AssertNoPlaintext(Encoding.UTF8.GetBytes(gateway.AllOutput));

        string[] options = ["--window", "10s", "--allowed-lateness", "0s", "--idle-timeout", "1h", "--alert", "occupants>20"];
        var directory = Path.GetDirectoryName(_rig.DevicesPath)!;
        var states = new Dictionary<string, string>
        {
            ["key"] = Path.Combine(directory, "key.db"),
            ["none"] = Path.Combine(directory, "none.db"),
            ["wrong"] = Path.Combine(directory, "wrong.db"),
        };
        var processors = await Task.WhenAll(
            ProcessorProgram.StartRunAsync(kafka.BootstrapServers, states["key"], "key", [.. options, "--group", "with-key", "--keys-file", keys]),
            ProcessorProgram.StartRunAsync(kafka.BootstrapServers, states["none"], "none", [.. options, "--group", "without-key"]),
            ProcessorProgram.StartRunAsync(kafka.BootstrapServers, states["wrong"], "wrong", [.. options, "--group", "wrong-key", "--keys-file", wrongKeys]));
        var (withKey, withoutKey, wrongKey) = (processors[0], processors[1], processors[2]);

        await Eventually.TrueAsync(() => Counter(states["key"], "accepted") >= Occupants.Length * 2, "the processor with the key took every reading", cancellationToken: CancellationToken);
        await Eventually.TrueAsync(() => Counter(states["none"], "encrypted_without_key") >= Occupants.Length, "the processor without the key counted the encrypted values", cancellationToken: CancellationToken);
        await Eventually.TrueAsync(() => Counter(states["wrong"], "decryption_failed") >= Occupants.Length, "the processor with the wrong key counted the failures", cancellationToken: CancellationToken);

        // With the key: the occupants window and alert hold the real values.
        var occupants = Window(states["key"], "occupants");
        Assert.Equal((Occupants.Length, Occupants.Min(), Occupants.Max(), Occupants.Sum(), Occupants[^1]), occupants);
        Assert.Equal((1L, 25.515625), Alert(states["key"], "occupants"));
        Assert.Equal(Occupants.Length, Counter(states["key"], "encrypted_decrypted"));
        await Eventually.TrueAsync(
            async _ => (await kafka.ReadAvailableAsync("edge.alerts", cancellationToken: CancellationToken))
                .Select(a => JsonDocument.Parse(a.Value!).RootElement)
                .Any(a => a.GetProperty("kind").GetString() == "alert-raised" && a.GetProperty("metric").GetString() == "occupants" && a.GetProperty("value").GetDouble() == 25.515625),
            "the occupants alert reached the alert topic",
            cancellationToken: CancellationToken);

        // Without the key, and with a wrong one: pm2_5 windowed as usual, occupants left out, counted by key id, reported.
        foreach (var state in new[] { states["none"], states["wrong"] })
        {
            Assert.Equal((Occupants.Length, 10.0, 15.0, 75.0, 15.0), Window(state, "pm2_5"));
            Assert.Null(WindowOrNull(state, "occupants"));
            Assert.Null(AlertOrNull(state, "occupants"));
            Assert.Equal(Occupants.Length, Counter(state, "accepted"));
        }

        Assert.Equal(Occupants.Length, Counter(states["none"], $"encrypted_without_key:kid={KeyId}"));
        Assert.Equal(Occupants.Length, Counter(states["wrong"], $"decryption_failed:kid={KeyId}"));
        Assert.Contains(withoutKey.StandardOutput, l => l.Contains("Encrypted values without key: ", StringComparison.Ordinal) && l.Contains($"kid={KeyId}", StringComparison.Ordinal));
        Assert.Contains(wrongKey.StandardOutput, l => l.Contains($"Decryption failed for kid {KeyId} (wrong key?)", StringComparison.Ordinal));

        await ProcessorProgram.StopAsync(withKey);
        await ProcessorProgram.StopAsync(withoutKey);
        await ProcessorProgram.StopAsync(wrongKey, line => line.Contains("Decryption failed for kid", StringComparison.Ordinal));
        foreach (var processor in processors)
        {
            AssertNoPlaintext(Encoding.UTF8.GetBytes(processor.AllOutput));
        }
    }

    private static List<JsonElement> Readings(KafkaRecord record) =>
        [.. JsonDocument.Parse(record.Value!).RootElement.GetProperty("params").GetProperty("arguments").GetProperty("readings").EnumerateArray()];

    private static void AssertNoPlaintext(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        Span<byte> binary = stackalloc byte[8];
        foreach (var value in Occupants)
        {
            Assert.DoesNotContain($"\"occ\":{value.ToString(CultureInfo.InvariantCulture)}", text, StringComparison.Ordinal);
            Assert.DoesNotContain(value.ToString(CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
            BinaryPrimitives.WriteDoubleLittleEndian(binary, value);
            Assert.Equal(-1, bytes.AsSpan().IndexOf(binary));
        }
    }

    private static long Counter(string state, string name) =>
        File.Exists(state) ? Query(state, "SELECT coalesce(max(value), 0) FROM counters WHERE name = $p", name, r => r.GetInt64(0)) : 0;

    private static (long Count, double Min, double Max, double Sum, double Last) Window(string state, string metric) =>
        WindowOrNull(state, metric) ?? throw new Xunit.Sdk.XunitException($"no {metric} window in {state}");

    private static (long Count, double Min, double Max, double Sum, double Last)? WindowOrNull(string state, string metric) =>
        Query<(long, double, double, double, double)?>(state, "SELECT count, min, max, sum, last FROM windows WHERE device = 'park-1' AND metric = $p", metric, r => (r.GetInt64(0), r.GetDouble(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4)));

    private static (long Active, double Value) Alert(string state, string metric) =>
        AlertOrNull(state, metric) ?? throw new Xunit.Sdk.XunitException($"no {metric} alert in {state}");

    private static (long Active, double Value)? AlertOrNull(string state, string metric) =>
        Query<(long, double)?>(state, "SELECT active, value FROM alerts WHERE device = 'park-1' AND metric = $p", metric, r => (r.GetInt64(0), r.GetDouble(1)));

    private static T? Query<T>(string state, string sql, string parameter, Func<SqliteDataReader, T> read)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = state, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$p", parameter);
        using var reader = command.ExecuteReader();
        return reader.Read() ? read(reader) : default;
    }
}
