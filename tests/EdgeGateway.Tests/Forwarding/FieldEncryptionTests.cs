using System.Buffers.Binary;
using System.Collections;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeGateway.Configuration;
using EdgeGateway.Context;
using EdgeGateway.Domain;
using EdgeGateway.Forwarding;
using EdgeGateway.StreamProcessor;
using EdgeGateway.StreamProcessor.Ingest;
using EdgeGateway.StreamProcessor.State;
using EdgeGateway.Testing.Files;
using EdgeGateway.Tests.Configuration;
using EdgeGateway.Testing.Time;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace EdgeGateway.Tests.Forwarding;

/// <summary>
/// Field-level encryption: the gateway's cipher against the processor's independent decryption (round
/// trip, tampering, a value moved to another reading, rotation, a wrong key), the key file and the
/// <c>Encryption</c> section checked at load, the refusal to send personal data without a key, and the
/// encoder's output against the published schema.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FieldEncryptionTests : IDisposable
{
    private const string Gateway = "gw-17";
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    private static readonly Hashtable NoEnvironment = [];
    private readonly TempDirectory _directory = TempDirectory.Create("field-encryption");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_value_encrypted_by_the_gateway_decrypts_in_the_processor_with_the_same_key()
    {
        var file = KeyFile("keys", ("k2026-12", RandomKey()));
        using var encryptor = FieldEncryptor.Create(FieldKeyRing.Load(file), "k2026-12");
        using var keys = FieldKeys.Load(file);

        var sealedValue = encryptor.Encrypt(13.625, Gateway, "park-1", 41, 1_795_341_600_012, 1_795_341_600_000, "occupants");

        Assert.Equal(48, sealedValue.Length);
        Assert.Equal(DecryptionStatus.Decrypted, keys.TryDecrypt("k2026-12", sealedValue, Aad("park-1", 41, "occupants"), out var value));
        Assert.Equal(13.625, value);

        // A fresh nonce each time: the same value never gives the same ciphertext.
        Assert.NotEqual(sealedValue, encryptor.Encrypt(13.625, Gateway, "park-1", 41, 1_795_341_600_012, 1_795_341_600_000, "occupants"));
    }

    [Fact]
    public void A_tampered_tag_or_ciphertext_fails_authentication()
    {
        var file = KeyFile("keys", ("k1", RandomKey()));
        using var encryptor = FieldEncryptor.Create(FieldKeyRing.Load(file), "k1");
        using var keys = FieldKeys.Load(file);
        var bytes = Convert.FromBase64String(encryptor.Encrypt(4, Gateway, "park-1", 1, 1000, null, "occupants"));

        foreach (var index in new[] { 0, 12, bytes.Length - 1 })
        {
            var tampered = (byte[])bytes.Clone();
            tampered[index] ^= 0x01;
            Assert.Equal(DecryptionStatus.Failed, keys.TryDecrypt("k1", Convert.ToBase64String(tampered), AadAt("park-1", 1, 1000, null, "occupants"), out _));
        }
    }

    [Fact]
    public void A_ciphertext_moved_to_another_reading_fails_its_associated_data()
    {
        var file = KeyFile("keys", ("k1", RandomKey()));
        using var encryptor = FieldEncryptor.Create(FieldKeyRing.Load(file), "k1");
        using var keys = FieldKeys.Load(file);
        var sealedValue = encryptor.Encrypt(7, Gateway, "park-1", 5, 2000, 1990, "occupants");

        Assert.Equal(DecryptionStatus.Decrypted, keys.TryDecrypt("k1", sealedValue, FieldKeys.AssociatedData(Gateway, "park-1", 5, 2000, 1990, "occupants"), out _));
        Assert.Equal(DecryptionStatus.Failed, keys.TryDecrypt("k1", sealedValue, FieldKeys.AssociatedData(Gateway, "park-1", 6, 2000, 1990, "occupants"), out _));
        Assert.Equal(DecryptionStatus.Failed, keys.TryDecrypt("k1", sealedValue, FieldKeys.AssociatedData(Gateway, "park-2", 5, 2000, 1990, "occupants"), out _));
        Assert.Equal(DecryptionStatus.Failed, keys.TryDecrypt("k1", sealedValue, FieldKeys.AssociatedData(Gateway, "park-1", 5, 2000, 1990, "plate_hash"), out _));
        Assert.Equal(DecryptionStatus.Failed, keys.TryDecrypt("k1", sealedValue, FieldKeys.AssociatedData("gw-18", "park-1", 5, 2000, 1990, "occupants"), out _));
        Assert.Equal(DecryptionStatus.Failed, keys.TryDecrypt("k1", sealedValue, FieldKeys.AssociatedData(Gateway, "park-1", 5, 2001, 1990, "occupants"), out _));
        Assert.Equal(DecryptionStatus.Failed, keys.TryDecrypt("k1", sealedValue, FieldKeys.AssociatedData(Gateway, "park-1", 5, 2000, null, "occupants"), out _));
    }

    [Fact]
    public void Rotation_adds_a_key_old_ciphertexts_stay_readable_to_whoever_holds_the_old_key()
    {
        var (old, current) = (RandomKey(), RandomKey());
        var before = KeyFile("before", ("k2026-11", old));
        var after = KeyFile("after", ("k2026-11", old), ("k2026-12", current));
        string sealedOld;
        using (var encryptor = FieldEncryptor.Create(FieldKeyRing.Load(before), "k2026-11"))
        {
            sealedOld = encryptor.Encrypt(1.5, Gateway, "park-1", 1, 1000, null, "occupants");
        }

        string sealedNew;
        using (var encryptor = FieldEncryptor.Create(FieldKeyRing.Load(after), "k2026-12"))
        {
            Assert.Equal("k2026-12", encryptor.KeyId);
            sealedNew = encryptor.Encrypt(2.5, Gateway, "park-1", 2, 2000, null, "occupants");
        }

        using var both = FieldKeys.Load(after);
        Assert.Equal(DecryptionStatus.Decrypted, both.TryDecrypt("k2026-11", sealedOld, AadAt("park-1", 1, 1000, null, "occupants"), out var first));
        Assert.Equal(DecryptionStatus.Decrypted, both.TryDecrypt("k2026-12", sealedNew, AadAt("park-1", 2, 2000, null, "occupants"), out var second));
        Assert.Equal((1.5, 2.5), (first, second));

        using var onlyOld = FieldKeys.Load(before);
        Assert.Equal(DecryptionStatus.NoKey, onlyOld.TryDecrypt("k2026-12", sealedNew, AadAt("park-1", 2, 2000, null, "occupants"), out _));
    }

    [Fact]
    public void A_different_key_under_the_same_id_is_a_failed_decryption_not_a_guess()
    {
        var right = KeyFile("right", ("k1", RandomKey()));
        var wrong = KeyFile("wrong", ("k1", RandomKey()));
        using var encryptor = FieldEncryptor.Create(FieldKeyRing.Load(right), "k1");
        using var keys = FieldKeys.Load(wrong);

        var status = keys.TryDecrypt("k1", encryptor.Encrypt(9, Gateway, "park-1", 1, 1000, null, "occupants"), AadAt("park-1", 1, 1000, null, "occupants"), out var value);

        Assert.Equal(DecryptionStatus.Failed, status);
        Assert.True(double.IsNaN(value));
    }

    [Fact]
    public void The_key_file_accepts_base64_and_hex_and_names_the_line_of_a_bad_key_without_printing_it()
    {
        var hex = Convert.ToHexString(RandomKey());
        var ring = FieldKeyRing.Load(_directory.WriteFile("hex", $"# comment\n\nk-hex {hex}\nk-b64 {Convert.ToBase64String(RandomKey())}\n"));
        Assert.Equal(new[] { "k-hex", "k-b64" }, ring.KeyIds);

        var shortKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var error = Assert.Throws<FieldKeyException>(() => FieldKeyRing.Load(_directory.WriteFile("short", $"k1 {Convert.ToBase64String(RandomKey())}\nk2 {shortKey}\n")));
        Assert.Contains("line 2: key 'k2' is not 32 bytes", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(shortKey, error.Message, StringComparison.Ordinal);

        Assert.Contains("appears more than once", Assert.Throws<FieldKeyException>(() => FieldKeyRing.Load(KeyFile("twice", ("k1", RandomKey()), ("k1", RandomKey())))).Message, StringComparison.Ordinal);
        Assert.Contains("holds no key", Assert.Throws<FieldKeyException>(() => FieldKeyRing.Load(_directory.WriteFile("empty", "# nothing\n"))).Message, StringComparison.Ordinal);
        Assert.Contains("expected 'KEY-ID KEY'", Assert.Throws<FieldKeyException>(() => FieldKeyRing.Load(_directory.WriteFile("one", "lonely\n"))).Message, StringComparison.Ordinal);
        Assert.Contains("line 1", Assert.Throws<FormatException>(() => FieldKeys.Load(_directory.WriteFile("short2", $"k2 {shortKey}\n"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Encryption_section_is_checked_at_load_with_the_key_named()
    {
        var file = KeyFile("keys", ("k2026-12", RandomKey()));

        var loaded = GatewayConfiguration.Load(Config(file, "k2026-12"), NoEnvironment);
        Assert.True(loaded.Encryption.IsEnabled);

        var unknown = Assert.Throws<ConfigurationException>(() => GatewayConfiguration.Load(Config(file, "k2027-01"), NoEnvironment));
        var problem = Assert.Single(unknown.Errors);
        Assert.Equal("Encryption:ActiveKeyId", problem.Key);
        Assert.Contains("'k2027-01' is not in", problem.Problem, StringComparison.Ordinal);
        Assert.Contains("k2026-12", problem.Problem, StringComparison.Ordinal);

        var missing = Assert.Throws<ConfigurationException>(() => GatewayConfiguration.Load(Config(_directory.File("nope"), "k1"), NoEnvironment));
        Assert.Equal("Encryption:KeysFile", Assert.Single(missing.Errors).Key);

        var noActive = Assert.Throws<ConfigurationException>(() => GatewayConfiguration.Load(Config(file, null), NoEnvironment));
        Assert.Equal("Encryption:ActiveKeyId", Assert.Single(noActive.Errors).Key);

        var noFile = Assert.Throws<ConfigurationException>(() => GatewayConfiguration.Load(Config(null, "k1"), NoEnvironment));
        Assert.Equal("Encryption:ActiveKeyId", Assert.Single(noFile.Errors).Key);
    }

    [Fact]
    public void A_key_file_others_can_read_is_reported()
    {
        var file = KeyFile("keys", ("k1", RandomKey()));
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Null(FieldKeyRing.PermissionProblem(file));

        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Contains("chmod 600", FieldKeyRing.PermissionProblem(file), StringComparison.Ordinal);
    }

    [Fact]
    public void A_devices_file_marking_personal_data_without_a_key_is_refused_at_load()
    {
        var devices = _directory.WriteFile("devices.json", """{ "devices": [ { "id": "park-1", "type": "parking", "personalData": [ "plate_hash" ] } ] }""");
        var json = $$"""{ "Kafka": { "BootstrapServers": "127.0.0.1:9092" }, "Context": { "DevicesFile": "{{devices}}", "RegistryPath": "{{_directory.File("r.db")}}" } }""";

        var error = Assert.Throws<ConfigurationException>(() => GatewayConfiguration.Load(_directory.WriteFile("gw.json", json), NoEnvironment));

        var problem = Assert.Single(error.Errors);
        Assert.Equal("Encryption:KeysFile", problem.Key);
        Assert.Contains("'park-1'", problem.Problem, StringComparison.Ordinal);
        Assert.Contains("plaintext", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registry_device_marking_personal_data_without_a_key_stops_the_start()
    {
        await using var registry = await DeviceRegistry.OpenAsync(_directory.File("registry.db"), TimeProvider.System, NullLogger<DeviceRegistry>.Instance, TestContext.Current.CancellationToken);
        var guard = new FieldEncryptionGuard(registry, Options.Create(new EncryptionOptions()), NullLogger<FieldEncryptionGuard>.Instance);
        await guard.StartAsync(TestContext.Current.CancellationToken);

        await registry.UpsertAsync(new DeviceDocument { Id = "park-1", Type = "parking", PersonalData = ["occupants"] }, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => guard.StartAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("Encryption:KeysFile: device 'park-1' mark", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public void The_encoder_encrypts_personal_metrics_only_and_the_batch_still_matches_the_schema()
    {
        var file = KeyFile("keys", ("k2026-12", RandomKey()));
        using var encryptor = FieldEncryptor.Create(FieldKeyRing.Load(file), "k2026-12");
        var record = new McpBatchEncoder("ingest_readings", "0.1.0", encryptor).Encode(ParkingBatch());

        using var json = JsonDocument.Parse(record.Value);
        var arguments = json.RootElement.GetProperty("params").GetProperty("arguments");
        Assert.Empty(new JsonSchemaValidator(File.ReadAllText(SchemaPath())).Validate(arguments));
        Assert.Empty(BatchSchema.Validate(arguments));
        Assert.Equal(2, arguments.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("k2026-12", arguments.GetProperty("batch").GetProperty("keyId").GetString());
        Assert.Contains(new KeyValuePair<string, string>("edge-key-id", "k2026-12"), record.Headers);
        Assert.Contains(new KeyValuePair<string, string>("edge-schema-version", "2"), record.Headers);

        var readings = arguments.GetProperty("readings").EnumerateArray().ToList();
        Assert.Equal(12.5, readings[0].GetProperty("v").GetDouble());
        Assert.False(readings[0].TryGetProperty("e", out _));
        Assert.False(readings[1].TryGetProperty("v", out _));
        Assert.Equal(48, readings[1].GetProperty("e").GetString()!.Length);
        Assert.False(readings[2].TryGetProperty("v", out _));
        AssertNoPlaintext(record.Value, 137.0625);
        AssertNoPlaintext(record.Value, 3.875);

        // The processor with the key reads the values back; without it, the rest of the batch.
        using var keys = FieldKeys.Load(file);
        var decrypted = IngestBatch.Parse(arguments, keys);
        Assert.Equal(new[] { 12.5, 137.0625, 3.875 }, decrypted.Readings.Select(r => r.Value));
        Assert.Equal(new EncryptedValues("k2026-12", 2, 0, 0), decrypted.Encrypted);

        var withoutKey = IngestBatch.Parse(arguments);
        Assert.Equal("pm2_5", Assert.Single(withoutKey.Readings).Metric);
        Assert.Equal(new EncryptedValues("k2026-12", 0, 2, 0), withoutKey.Encrypted);
    }

    [Fact]
    public void Without_a_key_a_batch_with_personal_data_is_refused_rather_than_sent_in_plaintext()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new McpBatchEncoder("ingest_readings", "0.1.0").Encode(ParkingBatch()));

        Assert.Contains("'park-1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Encryption:KeysFile", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("137.0625", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_schema_wants_exactly_one_of_a_value_and_an_encrypted_value()
    {
        var schema = new JsonSchemaValidator(File.ReadAllText(SchemaPath()));
        using var broken = JsonDocument.Parse($$"""
            { "schemaVersion": 2, "batch": { "id": "00000000-0000-0000-0000-000000000001", "gatewayId": "gw", "firstSequence": 1, "lastSequence": 2, "createdAt": "x", "readingCount": 3, "keyId": "k1" },
              "devices": [], "readings": [
                { "d": "a", "m": "t", "r": 1, "s": 0 },
                { "d": "a", "m": "t", "v": 1, "e": "{{new string('A', 48)}}", "r": 1, "s": 1 },
                { "d": "a", "m": "t", "e": "too-short", "r": 1, "s": 2 } ] }
            """);

        var errors = schema.Validate(broken.RootElement);

        Assert.Contains(errors, e => e.StartsWith("$.readings[0]: matches none of oneOf", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.readings[1]: matches 2 of oneOf", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.readings[2].e", StringComparison.Ordinal));
    }

    [Fact]
    public void The_processor_counts_undecryptable_values_per_key_id_and_windows_the_rest()
    {
        var file = KeyFile("keys", ("k1", RandomKey()));
        using var encryptor = FieldEncryptor.Create(FieldKeyRing.Load(file), "k1");
        using var json = JsonDocument.Parse(new McpBatchEncoder("ingest_readings", "0.1.0", encryptor).Encode(ParkingBatch()).Value);
        var arguments = json.RootElement.GetProperty("params").GetProperty("arguments");
        using var state = new ProcessorState(
            new ProcessorOptions { BootstrapServers = "unused:9092", StatePath = _directory.File("state.db"), Alerts = [AlertRule.Parse("occupants>100")] },
            new FakeTimeProvider(Now));

        using var wrongKey = FieldKeys.Load(KeyFile("other", ("k1", RandomKey())));
        var outcome = state.Ingest(IngestBatch.Parse(arguments, wrongKey));

        Assert.Equal(1, outcome.Accepted);
        Assert.Equal(new EncryptedValues("k1", 0, 0, 2), outcome.Encrypted);
        var counters = state.Counters();
        Assert.Equal(2, counters["decryption_failed"]);
        Assert.Equal(2, counters["decryption_failed:kid=k1"]);
        Assert.False(counters.ContainsKey("alerts"));
    }

    private static Batch ParkingBatch()
    {
        var context = DeviceDocumentMapper.ToContext(
            new DeviceDocument
            {
                Id = "park-1",
                Type = "parking",
                Metrics = new() { ["occupants"] = new MetricDocument { Unit = "people" } },
                PersonalData = ["occupants", "plate_hash"],
            },
            2,
            Now.AddDays(-1));
        return new Batch(
            Guid.Parse("00000000-0000-0000-0000-0000000000aa"),
            Gateway,
            new SequenceRange(1, 3),
            Now,
            [
                new Reading(new DeviceId("park-1"), "pm2_5", 12.5, "ug/m3", Now, Now.AddMilliseconds(5), 7, ReadingQuality.None, 2),
                new Reading(new DeviceId("park-1"), "occupants", 137.0625, "people", Now, Now.AddMilliseconds(5), 7, ReadingQuality.None, 2),
                new Reading(new DeviceId("park-1"), "plate_hash", 3.875, null, null, Now.AddMilliseconds(9), 8, ReadingQuality.None, 2),
            ],
            [context]);
    }

    private static void AssertNoPlaintext(byte[] record, double value)
    {
        var text = Encoding.UTF8.GetString(record);
        Assert.DoesNotContain(value.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        Span<byte> binary = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(binary, value);
        Assert.Equal(-1, record.AsSpan().IndexOf(binary));
        Assert.DoesNotContain(Convert.ToBase64String(binary).TrimEnd('='), text, StringComparison.Ordinal);
    }

    private static byte[] Aad(string device, long sequence, string metric) =>
        FieldKeys.AssociatedData(Gateway, device, sequence, 1_795_341_600_012, 1_795_341_600_000, metric);

    private static byte[] AadAt(string device, long sequence, long received, long? eventTime, string metric) =>
        FieldKeys.AssociatedData(Gateway, device, sequence, received, eventTime, metric);

    private static byte[] RandomKey() => RandomNumberGenerator.GetBytes(32);

    private string KeyFile(string name, params (string Id, byte[] Key)[] keys) =>
        _directory.WriteFile(name, string.Concat(keys.Select(k => $"{k.Id} {Convert.ToBase64String(k.Key)}\n")));

    private string Config(string? keysFile, string? activeKeyId)
    {
        var encryption = new System.Text.Json.Nodes.JsonObject();
        if (keysFile is not null)
        {
            encryption["KeysFile"] = keysFile;
        }

        if (activeKeyId is not null)
        {
            encryption["ActiveKeyId"] = activeKeyId;
        }

        return _directory.WriteFile($"gw-{Guid.NewGuid():N}.json", new System.Text.Json.Nodes.JsonObject
        {
            ["Kafka"] = new System.Text.Json.Nodes.JsonObject { ["BootstrapServers"] = "127.0.0.1:9092" },
            ["Encryption"] = encryption,
        }.ToJsonString());
    }

    private static string SchemaPath() =>
        Path.Combine(GatewayConfigurationTests.RepositoryRoot(), "src", "EdgeGateway", "Forwarding", "batch-arguments.schema.json");
}
