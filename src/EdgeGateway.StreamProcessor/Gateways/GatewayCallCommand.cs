using System.CommandLine;
using System.Text.Json;
using EdgeGateway.Kafka.Mcp;
using EdgeGateway.StreamProcessor.Cli;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace EdgeGateway.StreamProcessor.Gateways;

/// <summary>
/// <c>stream-processor gateway call GATEWAY_ID TOOL '{json}'</c>: one tool of one gateway over MCP over
/// Kafka (the gateway's <c>Mcp:Kafka</c>), through the shared <see cref="KafkaMcpClientTransport"/>:
/// requests on the control topic keyed by the gateway id, answers on the reply topic under the same key.
/// Prints the structured result (or the text); exit 1 when the tool reports an error or nobody answers.
/// </summary>
internal static class GatewayCallCommand
{
    /// <summary>Builds <c>gateway</c> with its <c>call</c> subcommand.</summary>
    public static Command Build(TextWriter output, TextWriter error)
    {
        var defaults = new KafkaMcpClientOptions { BootstrapServers = string.Empty, GatewayId = string.Empty };
        var bootstrap = ProcessorCommandLine.BootstrapOption();
        var controlTopic = new Option<string>("--control-topic") { Description = "The gateways' Mcp:Kafka:ControlTopic.", DefaultValueFactory = _ => defaults.ControlTopic };
        var replyTopic = new Option<string>("--reply-topic") { Description = "The gateways' Mcp:Kafka:ReplyTopic.", DefaultValueFactory = _ => defaults.ReplyTopic };
        var token = new Option<string?>("--token") { Description = "Bearer token, one of the gateway's Mcp:Tokens (or STREAM_PROCESSOR_GATEWAY_TOKEN)." };
        var protocol = new Option<string>("--protocol-version") { Description = "MCP protocol revision to speak.", DefaultValueFactory = _ => "2025-11-25" };
        var timeout = ProcessorCommandLine.DurationOption("--timeout", TimeSpan.FromSeconds(30), "How long to wait for the gateway");
        var gatewayId = new Argument<string>("GATEWAY_ID") { Description = "The gateway (its Gateway:Id)." };
        var tool = new Argument<string>("TOOL") { Description = "The tool, e.g. get_status." };
        var arguments = new Argument<string>("JSON") { Description = "The tool's arguments as a JSON object.", DefaultValueFactory = _ => "{}" };
        var call = new Command("call", "Call one tool of one gateway over the control topic and print its result (exit 1 when the tool reports an error or the gateway does not answer).")
        {
            bootstrap, controlTopic, replyTopic, token, protocol, timeout, gatewayId, tool, arguments,
        };
        var security = new KafkaSecurityOptions();
        security.AddTo(call);
        call.SetAction(async (parse, cancellationToken) =>
        {
            List<string> problems = [];
            var kafkaSecurity = security.Read(parse, problems);
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await error.WriteLineAsync($"stream-processor: {problem}");
                }

                return ProcessorCommandLine.InvalidUsage;
            }

            Dictionary<string, object?> args;
            try
            {
                args = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(parse.GetValue(arguments)!)!.ToDictionary(p => p.Key, p => (object?)p.Value);
            }
            catch (JsonException problem)
            {
                await error.WriteLineAsync($"stream-processor: JSON: not a JSON object: {problem.Message}");
                return ProcessorCommandLine.InvalidUsage;
            }

            var gateway = parse.GetValue(gatewayId)!;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(parse.GetValue(timeout));
            using var loggers = LoggerFactory.Create(logging => logging.AddFilter(_ => false));
            try
            {
                var transport = new KafkaMcpClientTransport(
                    new KafkaMcpClientOptions
                    {
                        BootstrapServers = parse.GetValue(bootstrap)!,
                        Security = kafkaSecurity,
                        GatewayId = gateway,
                        ControlTopic = parse.GetValue(controlTopic)!,
                        ReplyTopic = parse.GetValue(replyTopic)!,
                        Token = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("STREAM_PROCESSOR_GATEWAY_TOKEN"),
                        FetchWait = TimeSpan.FromMilliseconds(10),
                        ConnectTimeout = parse.GetValue(timeout),
                        ClientId = "stream-processor-gateway-call",
                    },
                    loggers);
                await using var client = await McpClient.CreateAsync(
                    transport,
                    new McpClientOptions { ProtocolVersion = parse.GetValue(protocol), ClientInfo = new Implementation { Name = "stream-processor", Version = ProcessorHost.Version } },
                    loggers,
                    deadline.Token);
                var result = await client.CallToolAsync(parse.GetValue(tool)!, args, cancellationToken: deadline.Token);
                var text = result.StructuredContent is { } structured
                    ? JsonSerializer.Serialize(structured, ProcessorJson.Indented)
                    : string.Join('\n', result.Content.OfType<TextContentBlock>().Select(t => t.Text));
                await (result.IsError == true ? error : output).WriteLineAsync(text);
                return result.IsError == true ? ProcessorCommandLine.Failure : ProcessorCommandLine.Success;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync($"stream-processor: gateway '{gateway}' did not answer within {parse.GetValue(timeout).TotalSeconds} s");
                return ProcessorCommandLine.Failure;
            }
            catch (Exception problem) when (problem is not OperationCanceledException)
            {
                await error.WriteLineAsync($"stream-processor: gateway '{gateway}': {problem.Message}");
                return ProcessorCommandLine.Failure;
            }
        });
        return new Command("gateway", "Work with gateways over Kafka.") { call };
    }
}
