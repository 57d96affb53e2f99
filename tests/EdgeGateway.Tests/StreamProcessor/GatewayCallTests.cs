using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Kafka;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Tests.Operations;
using Xunit;
using static EdgeGateway.Tests.Operations.McpTestSupport;

namespace EdgeGateway.Tests.StreamProcessor;

/// <summary>
/// <c>stream-processor gateway call</c> as a process against a real edge-gateway serving MCP over Kafka:
/// the answer of the named gateway is printed, a refused call (scope) exits 1 with the gateway's reason,
/// and a gateway that does not answer times out with exit 1.
/// </summary>
public sealed class GatewayCallTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("gateway-call");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_call_prints_the_gateways_answer_and_refusals_and_silence_exit_1()
    {
        await using var kafka = KafkaFixture.Start();
        var control = kafka.CreateUniqueTopic("edge.mcp.control", partitions: 2);
        var replies = kafka.CreateUniqueTopic("edge.mcp.replies", partitions: 2);
        await using var gateway = await McpKafkaEndToEndTests.StartGatewayAsync(_directory, "gw-call", kafka.BootstrapServers, control, replies, CancellationToken);

        string[] common = ["--bootstrap-servers", kafka.BootstrapServers, "--control-topic", control, "--reply-topic", replies];
        var status = RunAsync(["gw-call", "get_device", """{"id":"aq-000"}""", "--token", OperatorToken, .. common]);
        var refused = RunAsync(["gw-call", "upsert_device", """{"id":"aq-000","type":"hacked"}""", "--token", ReaderToken, .. common]);
        var silent = RunAsync(["gw-nobody", "get_status", "--token", OperatorToken, "--timeout", "3s", .. common]);

        var answer = await status;
        Assert.True(answer.ExitCode == 0, answer.StandardOutput + answer.StandardError);
        Assert.Contains("\"id\": \"aq-000\"", answer.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("\"district\": \"north\"", answer.StandardOutput, StringComparison.Ordinal);

        var refusal = await refused;
        Assert.Equal(1, refusal.ExitCode);
        Assert.Contains("needs scope 'operate'", refusal.StandardError, StringComparison.Ordinal);

        var nobody = await silent;
        Assert.Equal(1, nobody.ExitCode);
        Assert.Contains("did not answer within 3 s", nobody.StandardError, StringComparison.Ordinal);
    }

    private static Task<ProcessResult> RunAsync(string[] arguments) =>
        ExternalProcess.RunAsync(DotNetPrograms.HostPath, [ProcessorProgram.Assembly, "gateway", "call", .. arguments], cancellationToken: CancellationToken);
}
