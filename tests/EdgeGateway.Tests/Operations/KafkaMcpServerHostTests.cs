using System.ComponentModel;
using System.Security.Claims;
using System.Text;
using EdgeGateway.Configuration;
using EdgeGateway.Kafka.Mcp;
using EdgeGateway.Operations;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Waiting;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Xunit;

namespace EdgeGateway.Tests.Operations;

/// <summary>
/// <see cref="KafkaMcpServerHost"/> in process on the mock cluster with a toy tool (no gateway): a
/// session is bound to the token that opened it, records without a valid session id are skipped,
/// sessions end on the client's close record and after the idle timeout, and the Mcp:Kafka options
/// are checked at load.
/// </summary>
public sealed class KafkaMcpServerHostTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("mcp-kafka-host");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_session_belongs_to_its_token_ends_on_close_or_when_idle_and_records_without_a_session_are_skipped()
    {
        await using var kafka = KafkaFixture.Start();
        var control = kafka.CreateUniqueTopic("control", partitions: 2);
        var replies = kafka.CreateUniqueTopic("replies", partitions: 2);
        var refusals = new List<string>();
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "toy", Version = "1" },
            ToolCollection = [McpServerTool.Create(([Description("Who calls.")] RequestContext<CallToolRequestParams> request) => request.User?.Identity?.Name ?? "nobody", new McpServerToolCreateOptions { Name = "whoami" })],
        };
        await using var host = new KafkaMcpServerHost(
            new KafkaMcpServerSettings
            {
                BootstrapServers = kafka.BootstrapServers,
                ControlTopic = control,
                ReplyTopic = replies,
                GatewayId = "gw-toy",
                FetchWait = TimeSpan.FromMilliseconds(5),
                SessionIdleTimeout = TimeSpan.FromSeconds(2),
            },
            new KafkaMcpServerCallbacks
            {
                Authenticate = token => token is "alice-token" or "bob-token" ? McpScopes.Principal(token[..^6], [McpScopes.Read]) : null,
                RunSession = async (transport, ct) =>
                {
                    await using var server = McpServer.Create(transport, options, LoggerFactory);
                    await server.RunAsync(ct);
                },
                Refused = (who, what, why) =>
                {
                    lock (refusals)
                    {
                        refusals.Add($"{who} {what}: {why}");
                    }
                },
            },
            LoggerFactory);
        await host.StartAsync(CancellationToken);

        // A record without a session id is skipped; the host keeps serving.
        await kafka.ProduceAsync(control, "gw-toy", """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", cancellationToken: CancellationToken);

        var alice = await ConnectAsync(kafka, control, replies, "alice-token");
        var result = await alice.CallToolAsync("whoami", cancellationToken: CancellationToken);
        Assert.Equal("alice", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(1, host.SessionCount);

        // Bob's token on Alice's session id: refused with an error, the session stays Alice's.
        var hijack = await kafka.ProduceAsync(
            control,
            "gw-toy",
            """{"jsonrpc":"2.0","id":99,"method":"tools/call","params":{"name":"whoami"}}""",
            [new(KafkaMcpWire.SessionHeader, alice.SessionId!), new(KafkaMcpWire.AuthorizationHeader, "Bearer bob-token")],
            cancellationToken: CancellationToken);
        Assert.Equal(control, hijack.Topic);
        await Eventually.TrueAsync(
            async ct => (await kafka.ReadAvailableAsync(replies, cancellationToken: ct))
                .Any(r => Encoding.UTF8.GetString(r.Value!).Contains("forbidden: this session was opened with another token", StringComparison.Ordinal)
                    && r.Headers.Any(h => h.Key == KafkaMcpWire.SessionHeader && Encoding.UTF8.GetString(h.Value!) == alice.SessionId)),
            "the hijack is answered with an error",
            cancellationToken: CancellationToken);
        lock (refusals)
        {
            Assert.Equal(["bob Kafka tools/call: the session belongs to another token"], refusals);
        }

        Assert.Equal("alice", Assert.IsType<TextContentBlock>(Assert.Single((await alice.CallToolAsync("whoami", cancellationToken: CancellationToken)).Content)).Text);

        // Closing sends the close record: the session ends at once.
        await alice.DisposeAsync();
        await Eventually.TrueAsync(() => host.SessionCount == 0, "the closed session ends", cancellationToken: CancellationToken);

        // An idle session ends after the timeout; a later call is served by a new session.
        await using var bob = await ConnectAsync(kafka, control, replies, "bob-token");
        Assert.Equal(1, host.SessionCount);
        await Eventually.TrueAsync(() => host.SessionCount == 0, "the idle session ends", cancellationToken: CancellationToken);
        Assert.Equal("bob", Assert.IsType<TextContentBlock>(Assert.Single((await bob.CallToolAsync("whoami", cancellationToken: CancellationToken)).Content)).Text);
        Assert.Equal(1, host.SessionCount);
    }

    [Fact]
    public async Task Skipped_records_are_logged_only_when_the_callers_throttle_says_so()
    {
        await using var kafka = KafkaFixture.Start();
        var control = kafka.CreateUniqueTopic("control");
        var replies = kafka.CreateUniqueTopic("replies");
        var asked = new List<string>();
        await using var host = new KafkaMcpServerHost(
            new KafkaMcpServerSettings { BootstrapServers = kafka.BootstrapServers, ControlTopic = control, ReplyTopic = replies, GatewayId = "gw-toy", FetchWait = TimeSpan.FromMilliseconds(5) },
            new KafkaMcpServerCallbacks
            {
                Authenticate = _ => null,
                RunSession = (_, _) => Task.CompletedTask,
                ShouldLogSkipped = cause =>
                {
                    lock (asked)
                    {
                        asked.Add(cause);
                        return asked.Count(c => c == cause) == 1; // the first of each cause only
                    }
                },
            },
            LoggerFactory);
        await host.StartAsync(CancellationToken);

        // A flood of junk for this gateway: three records without a session id, two that are not JSON-RPC.
        for (var i = 0; i < 3; i++)
        {
            await kafka.ProduceAsync(control, "gw-toy", """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", cancellationToken: CancellationToken);
        }

        for (var i = 0; i < 2; i++)
        {
            await kafka.ProduceAsync(control, "gw-toy", "not json", [new(KafkaMcpWire.SessionHeader, Guid.NewGuid().ToString("N"))], cancellationToken: CancellationToken);
        }

        await Eventually.TrueAsync(
            () =>
            {
                lock (asked)
                {
                    return asked.Count == 5;
                }
            },
            "every skipped record is reported to the throttle",
            cancellationToken: CancellationToken);
        lock (asked)
        {
            Assert.Equal([KafkaMcpServerCallbacks.NoSession, KafkaMcpServerCallbacks.NoSession, KafkaMcpServerCallbacks.NoSession, KafkaMcpServerCallbacks.NotJsonRpc, KafkaMcpServerCallbacks.NotJsonRpc], asked);
        }

        Assert.Single(Logs.Entries, e => e.EventId.Id == 924);
        Assert.Single(Logs.Entries, e => e.EventId.Id == 925);
    }

    [Fact]
    public void Mcp_Kafka_topics_must_differ_from_each_other_and_from_the_batch_topics()
    {
        var path = _directory.WriteFile("gateway.json", """
            {
              "Kafka": { "Topic": "edge.readings" },
              "Mcp": { "Kafka": { "Enabled": true, "ControlTopic": "edge.readings", "ReplyTopic": "edge.readings", "FetchWait": "0ms", "MaxSessions": 0 } }
            }
            """);

        var problem = Assert.Throws<ConfigurationException>(() => GatewayConfiguration.Load(path, new Dictionary<string, string>()));
        var keys = problem.Errors.Select(e => e.Key).ToList();
        Assert.Contains("Mcp:Kafka:ReplyTopic", keys);
        Assert.Contains("Mcp:Kafka:ControlTopic", keys);
        Assert.Contains("Mcp:Kafka:FetchWait", keys);
        Assert.Contains("Mcp:Kafka:MaxSessions", keys);
        Assert.Contains(problem.Errors, e => e.Key == "Mcp:Kafka:ControlTopic" && e.Problem.Contains("MCP needs topics of its own", StringComparison.Ordinal));
    }

    private Task<McpClient> ConnectAsync(KafkaFixture kafka, string control, string replies, string token) =>
        McpClient.CreateAsync(
            new KafkaMcpClientTransport(
                new KafkaMcpClientOptions
                {
                    BootstrapServers = kafka.BootstrapServers,
                    GatewayId = "gw-toy",
                    ControlTopic = control,
                    ReplyTopic = replies,
                    Token = token,
                    FetchWait = TimeSpan.FromMilliseconds(5),
                },
                LoggerFactory),
            new McpClientOptions { ProtocolVersion = "2025-11-25" },
            LoggerFactory,
            CancellationToken);
}
