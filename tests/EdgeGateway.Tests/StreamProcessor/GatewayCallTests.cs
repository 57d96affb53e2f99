using System.Text;
using Confluent.Kafka;
using EdgeGateway.StreamProcessor.Kafka;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Processes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Xunit;

namespace EdgeGateway.Tests.StreamProcessor;

/// <summary>
/// <c>stream-processor gateway call</c> as a process against two stand-in gateways on one control topic
/// (MCP servers of the SDK behind the wire layout of notes/mcp-sdk.md: requests keyed by gateway id with
/// a session header, answers on the reply topic under the same key and header): each call reaches only
/// the gateway it names, a tool error exits 1, and a gateway that does not answer times out with exit 1.
/// </summary>
public sealed class GatewayCallTests : LoggedTest
{
    private const string ControlTopic = "edge.mcp.control";
    private const string ReplyTopic = "edge.mcp.replies";

    [Fact]
    public async Task A_call_reaches_only_the_named_gateway_and_its_answer_is_printed()
    {
        await using var kafka = KafkaFixture.Start();
        kafka.CreateTopic(ControlTopic, partitions: 2);
        kafka.CreateTopic(ReplyTopic, partitions: 2);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        var gateways = new[] { "gw-a", "gw-b" }.Select(id => FakeGateway.Start(kafka, id, LoggerFactory, stop.Token)).ToList();
        await Task.WhenAll(gateways.Select(g => g.Ready));

        string[] common = ["--bootstrap-servers", kafka.BootstrapServers, "--timeout", "20s"];
        var a = ExternalProcess.RunAsync(DotNetPrograms.HostPath, [ProcessorProgram.Assembly, "gateway", "call", "gw-a", "get_status", "{\"verbose\":true}", .. common], cancellationToken: CancellationToken);
        var b = ExternalProcess.RunAsync(DotNetPrograms.HostPath, [ProcessorProgram.Assembly, "gateway", "call", "gw-b", "get_status", .. common], cancellationToken: CancellationToken);
        var (resultA, resultB) = (await a, await b);
        Assert.True(resultA.ExitCode == 0, resultA.StandardOutput + resultA.StandardError);
        Assert.Contains("\"gatewayId\": \"gw-a\"", resultA.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("\"verbose\": true", resultA.StandardOutput, StringComparison.Ordinal);
        Assert.True(resultB.ExitCode == 0, resultB.StandardOutput + resultB.StandardError);
        Assert.Contains("\"gatewayId\": \"gw-b\"", resultB.StandardOutput, StringComparison.Ordinal);

        Logs.ExpectErrors(e => e.Message.Contains("\"fail\" threw", StringComparison.Ordinal));
        var failing = await ExternalProcess.RunAsync(DotNetPrograms.HostPath, [ProcessorProgram.Assembly, "gateway", "call", "gw-a", "fail", .. common], cancellationToken: CancellationToken);
        Assert.Equal(1, failing.ExitCode);
        Assert.Contains("the gateway refuses", failing.StandardError, StringComparison.Ordinal);

        var silent = await ExternalProcess.RunAsync(
            DotNetPrograms.HostPath,
            [ProcessorProgram.Assembly, "gateway", "call", "gw-nobody", "get_status", "--bootstrap-servers", kafka.BootstrapServers, "--timeout", "3s"],
            cancellationToken: CancellationToken);
        Assert.Equal(1, silent.ExitCode);
        Assert.Contains("did not answer", silent.StandardError, StringComparison.Ordinal);

        // Each stand-in served only its own sessions, and every session was closed by its client.
        Assert.Equal(2, gateways[0].Sessions);
        Assert.Equal(1, gateways[1].Sessions);
        Assert.All(gateways, g => Assert.Equal(g.Sessions, g.Closed));
        await stop.CancelAsync();
        await Task.WhenAll(gateways.Select(g => g.Stopped));
    }

    /// <summary>A stand-in for a gateway's MCP-over-Kafka endpoint, with the tools get_status and fail.</summary>
    private sealed class FakeGateway
    {
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _sessions;
        private int _closed;

        public Task Ready => _ready.Task;

        public Task Stopped { get; private set; } = Task.CompletedTask;

        public int Sessions => Volatile.Read(ref _sessions);

        public int Closed => Volatile.Read(ref _closed);

        public static FakeGateway Start(KafkaFixture kafka, string id, Microsoft.Extensions.Logging.ILoggerFactory loggers, CancellationToken stop)
        {
            var gateway = new FakeGateway();
            gateway.Stopped = Task.Factory.StartNew(() => gateway.Serve(kafka, id, loggers, stop), stop, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            return gateway;
        }

        private void Serve(KafkaFixture kafka, string id, Microsoft.Extensions.Logging.ILoggerFactory loggers, CancellationToken stop)
        {
            using var producer = kafka.CreateProducer();
            using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
            {
                BootstrapServers = kafka.BootstrapServers,
                GroupId = $"fake-{id}",
                EnableAutoCommit = false,
                FetchWaitMaxMs = 10,
            }).Build();
            var partitions = kafka.GetTopicMetadata(ControlTopic).Partitions.Select(p => new TopicPartition(ControlTopic, new Partition(p.PartitionId)));
            consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High)));
            _ready.SetResult();

            var options = new McpServerOptions
            {
                ServerInfo = new Implementation { Name = $"fake-{id}", Version = "0" },
                ToolCollection =
                [
                    McpServerTool.Create((bool verbose = false) => new Dictionary<string, object> { ["gatewayId"] = id, ["verbose"] = verbose }, new McpServerToolCreateOptions { Name = "get_status", UseStructuredContent = true }),
                    McpServerTool.Create(string () => throw new McpException("the gateway refuses"), new McpServerToolCreateOptions { Name = "fail" }),
                ],
            };
            var sessions = new Dictionary<string, (KafkaServerSessionTransport Transport, McpServer Server)>();
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    ConsumeResult<string, byte[]> record;
                    try
                    {
                        record = consumer.Consume(stop);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    var headers = record.Message.Headers;
                    if (record.Message.Key != id || !headers.TryGetLastBytes("mcp-session-id", out var sessionBytes))
                    {
                        continue;
                    }

                    var session = Encoding.UTF8.GetString(sessionBytes);
                    if (headers.TryGetLastBytes("mcp-control", out var control) && Encoding.UTF8.GetString(control) == "close")
                    {
                        Interlocked.Increment(ref _closed);
                        continue;
                    }

                    if (!sessions.TryGetValue(session, out var served))
                    {
                        var transport = new KafkaServerSessionTransport(session, (_, _) => Task.CompletedTask, loggers);
                        var server = McpServer.Create(transport, options, loggers);
                        _ = server.RunAsync(stop);
                        served = (transport, server);
                        sessions.Add(session, served);
                        Interlocked.Increment(ref _sessions);
                    }

                    var message = KafkaJson.Deserialize(record.Message.Value);
                    if (message is JsonRpcRequest request)
                    {
                        var answer = served.Transport.HandleRequestAsync(request, stop).GetAwaiter().GetResult();
                        producer.ProduceAsync(ReplyTopic, new Message<byte[]?, byte[]?>
                        {
                            Key = Encoding.UTF8.GetBytes(id),
                            Value = KafkaJson.Serialize(answer),
                            Headers = new Headers { { "mcp-session-id", sessionBytes } },
                        }, stop).GetAwaiter().GetResult();
                    }
                    else
                    {
                        served.Transport.HandleMessageAsync(message, stop).GetAwaiter().GetResult();
                    }
                }
            }
            finally
            {
                foreach (var (transport, server) in sessions.Values)
                {
                    transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    server.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }

                consumer.Close();
            }
        }
    }

    private static class KafkaJson
    {
        public static JsonRpcMessage Deserialize(byte[] value) =>
            (JsonRpcMessage)System.Text.Json.JsonSerializer.Deserialize(value, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)))!;

        public static byte[] Serialize(JsonRpcMessage message) =>
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(message, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage)));
    }
}
