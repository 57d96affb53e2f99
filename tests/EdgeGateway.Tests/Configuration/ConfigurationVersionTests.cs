using System.Text.Json.Nodes;
using EdgeGateway.Configuration;
using EdgeGateway.Operations;
using EdgeGateway.Testing.Files;
using Xunit;

namespace EdgeGateway.Tests.Configuration;

/// <summary>Configuration versions as overlays over the file: merge, diff, masked secrets, the store, and loading at start.</summary>
public sealed class ConfigurationVersionTests : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("config-versions");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Overlays_replace_lists_whole_remove_keys_with_null_and_diff_back_to_the_same_document()
    {
        var file = ConfigurationDocument.Parse("""
            { "Mqtt": { "Port": 1883, "Subscriptions": [ { "Topic": "a/{deviceId}" }, { "Topic": "b/{deviceId}" } ] }, "Kafka": { "Topic": "t", "Linger": "5ms" } }
            """);
        var overlay = ConfigurationDocument.Parse("""{ "mqtt": { "Subscriptions": [ { "Topic": "c/{deviceId}" } ] }, "Kafka": { "Linger": null } }""");

        var merged = ConfigurationDocument.Apply(file, overlay);
        Assert.Equal("""{"Mqtt":{"Port":1883,"Subscriptions":[{"Topic":"c/{deviceId}"}]},"Kafka":{"Topic":"t"}}""", merged.ToJsonString());
        Assert.True(JsonNode.DeepEquals(merged, ConfigurationDocument.Apply(file, ConfigurationDocument.Diff(file, merged))));

        // Values as get_config shows them (all text) are the same values: no difference, no overlay.
        var asText = ConfigurationDocument.Parse("""{ "Mqtt": { "Port": "1883", "Subscriptions": [ { "Topic": "a/{deviceId}" }, { "Topic": "b/{deviceId}" } ] }, "Kafka": { "Topic": "t", "Linger": "5ms" } }""");
        Assert.Empty(ConfigurationDocument.Diff(file, asText));

        // Composing keeps the null, so the key stays removed from the file.
        var composed = ConfigurationDocument.Compose(overlay, ConfigurationDocument.Parse("""{ "Kafka": { "Topic": "u" } }"""));
        Assert.Equal("""{"Topic":"u"}""", ConfigurationDocument.Apply(file, composed)["Kafka"]!.ToJsonString());
    }

    [Fact]
    public void A_masked_secret_sent_back_keeps_the_current_value_and_redaction_hides_it()
    {
        var current = ConfigurationDocument.Parse("""{ "Mqtt": { "Username": "gw", "Password": "hunter2" }, "Mcp": { "Tokens": [ { "Name": "ops", "Sha256": "abc" } ] } }""");
        var proposed = ConfigurationDocument.Parse("""{ "Mqtt": { "Username": "gw2", "Password": "***" }, "Mcp": { "Tokens": [ { "Name": "ops", "Sha256": "***" } ] } }""");

        ConfigurationDocument.RestoreMasked(proposed, current);

        Assert.Equal("hunter2", proposed["Mqtt"]!["Password"]!.GetValue<string>());
        Assert.Equal("abc", proposed["Mcp"]!["Tokens"]![0]!["Sha256"]!.GetValue<string>());
        var redacted = new List<string>();
        var shown = ConfigurationDocument.Redact(proposed, string.Empty, redacted)!.ToJsonString();
        Assert.DoesNotContain("hunter2", shown, StringComparison.Ordinal);
        Assert.Equal(["Mqtt:Password", "Mcp:Tokens:0:Sha256"], redacted);
    }

    [Fact]
    public void The_latest_stored_version_is_layered_over_the_file_at_start_and_an_invalid_one_falls_back_to_the_file()
    {
        var path = _directory.WriteFile("gateway.json", $$"""
            { "Context": { "RegistryPath": "{{_directory.File("registry.db")}}", "UnknownDevices": "reject" }, "Buffer": { "Path": "{{_directory.File("buffer.db")}}" } }
            """);
        var store = new ConfigurationVersionStore(_directory.File(ConfigurationVersionStore.FileName));
        Assert.Equal(0, ConfigurationVersionStore.LoadEffective(path, out var none).Version);
        Assert.Null(none);

        store.Append(Version(1, """{ "Context": { "UnknownDevices": "accept" } }"""));
        var effective = ConfigurationVersionStore.LoadEffective(path, out var warning);
        Assert.Null(warning);
        Assert.Equal(1, effective.Version);
        Assert.Equal(EdgeGateway.Context.UnknownDevicePolicy.Accept, effective.Context.UnknownDevices);

        // Numbers are taken in order only: a second writer on a stale number is refused.
        var conflict = Assert.Throws<InvalidOperationException>(() => store.Append(Version(1, "{}")));
        Assert.Contains("stored meanwhile", conflict.Message, StringComparison.Ordinal);

        // The file changed under a stored version (here: the version names an unknown key): the file alone, with a warning.
        store.Append(Version(2, """{ "Context": { "UnknownDevice": "accept" } }"""));
        var fallback = ConfigurationVersionStore.LoadEffective(path, out warning);
        Assert.Equal(0, fallback.Version);
        Assert.Contains("configuration version 2 is not valid", warning, StringComparison.Ordinal);
        Assert.Contains("Context:UnknownDevice", warning, StringComparison.Ordinal);
        Assert.Equal([2L, 1L], store.List(null, 10).Select(v => v.Version));
        Assert.Equal("accept", store.Get(1)!.Overlay["Context"]!["UnknownDevices"]!.GetValue<string>());
    }

    private static ConfigurationVersion Version(long number, string overlay) => new()
    {
        Version = number,
        CreatedAt = DateTimeOffset.UnixEpoch.AddDays(number),
        Author = "test",
        Action = "apply_config",
        BaseVersion = number - 1,
        ChangedKeys = ["Context:UnknownDevices"],
        Overlay = ConfigurationDocument.Parse(overlay),
    };
}
