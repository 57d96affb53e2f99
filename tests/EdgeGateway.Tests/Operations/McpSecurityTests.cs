using EdgeGateway.Configuration;
using EdgeGateway.Operations;
using EdgeGateway.Testing.Files;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Xunit;

namespace EdgeGateway.Tests.Operations;

/// <summary>Scopes, token hashing, the <c>Mcp</c> configuration section and redaction, without a process.</summary>
public sealed class McpSecurityTests : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("mcp-config");

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("read", "read", true)]
    [InlineData("read", "operate", false)]
    [InlineData("operate", "read", true)]
    [InlineData("operate", "admin", false)]
    [InlineData("admin", "operate", true)]
    [InlineData("bogus", "read", false)]
    public void Higher_scopes_include_lower_ones(string granted, string required, bool allowed) =>
        Assert.Equal(allowed, McpScopes.Allows([granted], required));

    [Fact]
    public void Every_tool_declares_a_scope_and_changes_need_operate()
    {
        var scopes = McpAuthorization.ToolScopes;
        Assert.Equal(24, scopes.Count);
        Assert.Equal(McpScopes.Admin, scopes["apply_config"]);
        Assert.Equal(McpScopes.Admin, scopes["rollback_config"]);
        Assert.Equal(McpScopes.Admin, scopes["add_source"]);
        Assert.Equal(McpScopes.Operate, scopes["pause_source"]);
        Assert.Equal(McpScopes.Read, scopes["validate_config"]);
        Assert.Equal(McpScopes.Read, scopes["list_config_versions"]);
        Assert.Equal(McpScopes.Operate, scopes["upsert_device"]);
        Assert.Equal(McpScopes.Operate, scopes["set_sampling_interval"]);
        Assert.Equal(McpScopes.Operate, scopes["replay_dead_letters"]);
        Assert.Equal(McpScopes.Admin, scopes["purge_dead_letters"]);
        Assert.Equal(McpScopes.Read, scopes["get_recent_readings"]);
        Assert.Equal(McpScopes.Operate, scopes["remove_device"]);
        Assert.Equal(McpScopes.Operate, scopes["pause_forwarding"]);
        Assert.Equal(McpScopes.Read, scopes["get_status"]);
    }

    [Fact]
    public void A_token_authenticates_by_its_hash_and_carries_its_name_and_scopes()
    {
        var authenticator = new McpTokenAuthenticator(Options.Create(new McpOptions
        {
            Tokens = [new McpTokenOptions { Name = "ops", Sha256 = McpTokenAuthenticator.Hash("t0ken").ToUpperInvariant(), Scopes = ["operate"] }],
        }));

        var caller = McpCaller.Resolve(authenticator.Authenticate("t0ken"), services: null);
        Assert.NotNull(caller);
        Assert.Equal("ops", caller.Name);
        Assert.True(caller.Allows(McpScopes.Read));
        Assert.False(caller.Allows(McpScopes.Admin));
        Assert.Null(authenticator.Authenticate("t0ken "));
        Assert.Null(authenticator.Authenticate(null));
        Assert.Equal("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", McpTokenAuthenticator.Hash("test"));
    }

    [Fact]
    public void Invalid_mcp_settings_are_reported_key_by_key()
    {
        var path = _directory.WriteFile("gateway.json", """
            {
              "Mcp": {
                "Tokens": [ { "Name": "ops laptop", "Sha256": "abc", "Scopes": [ "write" ] }, { "Name": "x", "Sha256": "0000000000000000000000000000000000000000000000000000000000000000" } ],
                "Http": { "Enabled": true, "Url": "https://0.0.0.0:8443", "AllowedOrigins": [ "evil.example" ] },
                "Stdio": { "Scopes": [ "root" ] }
              }
            }
            """);

        var problem = Assert.Throws<ConfigurationException>(() => GatewayConfiguration.Load(path, new Dictionary<string, string>()));
        var keys = problem.Errors.Select(e => e.Key).ToList();
        Assert.Contains("Mcp:Tokens:0:Name", keys);
        Assert.Contains("Mcp:Tokens:0:Sha256", keys);
        Assert.Contains("Mcp:Tokens:1:Scopes", keys);
        Assert.Contains("Mcp:Http:CertificateFile", keys);
        Assert.Contains("Mcp:Http:AllowedOrigins:0", keys);
        Assert.Contains("Mcp:Stdio:Scopes:0", keys);
    }

    [Fact]
    public void Valid_mcp_settings_load_with_loopback_defaults()
    {
        var path = _directory.WriteFile("gateway.json", $$"""
            { "Mcp": { "Http": { "Enabled": true }, "Tokens": [ { "Name": "ops", "Sha256": "{{McpTokenAuthenticator.Hash("x")}}", "Scopes": [ "read" ] } ] } }
            """);

        var configuration = GatewayConfiguration.Load(path, new Dictionary<string, string>());

        Assert.Equal(new Uri("http://127.0.0.1:8750"), configuration.Mcp.Http.ListenUri);
        Assert.Equal(["read"], configuration.Mcp.Tokens[0].Scopes);
    }

    [Fact]
    public void Redaction_replaces_secrets_and_keeps_the_rest()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mqtt:Username"] = "gw",
            ["Mqtt:Password"] = "hunter2",
            ["Mcp:Tokens:0:Name"] = "ops",
            ["Mcp:Tokens:0:Sha256"] = "ab",
            ["Mcp:Http:CertificatePassword"] = "pfx",
        }).Build();
        var redacted = new List<string>();

        var json = ConfigurationRedactor.ToJson(configuration, redacted).ToJsonString();

        Assert.DoesNotContain("hunter2", json, StringComparison.Ordinal);
        Assert.DoesNotContain("pfx", json, StringComparison.Ordinal);
        Assert.Contains("\"Username\":\"gw\"", json, StringComparison.Ordinal);
        Assert.Contains("\"Tokens\":[{\"Name\":\"ops\",\"Sha256\":\"***\"}]", json, StringComparison.Ordinal);
        Assert.Equal(["Mcp:Http:CertificatePassword", "Mcp:Tokens:0:Sha256", "Mqtt:Password"], redacted.Order(StringComparer.Ordinal));
    }
}
