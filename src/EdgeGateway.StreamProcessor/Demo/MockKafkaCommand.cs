using System.CommandLine;
using EdgeGateway.Kafka.Native;

namespace EdgeGateway.StreamProcessor.Demo;

/// <summary>
/// <c>stream-processor mock-kafka</c>: librdkafka's in-memory mock cluster as a process of its own, for the
/// demo and try-outs: the gateway, the processors, the simulator checks and kcat all reach it at the
/// address it prints (and writes to <c>--bootstrap-file</c>). Records are lost when it stops.
/// </summary>
internal static class MockKafkaCommand
{
    /// <summary>The topics the demo uses.</summary>
    public static IReadOnlyList<string> DefaultTopics { get; } =
        ["edge.readings", "edge.responses", "edge.windows", "edge.alerts", "edge.deadletter", "edge.mcp.control", "edge.mcp.replies"];

    /// <summary>Builds the command.</summary>
    public static Command Build(TextWriter output, TextWriter error)
    {
        var brokers = new Option<int>("--brokers") { Description = "Number of brokers.", DefaultValueFactory = _ => 1 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of each topic.", DefaultValueFactory = _ => 2 };
        var topics = new Option<string[]>("--topic") { Description = $"A topic to create (repeatable; default: {string.Join(", ", DefaultTopics)})." };
        var file = new Option<string?>("--bootstrap-file") { Description = "Also write the bootstrap servers to this file (written once the topics exist).", HelpName = "FILE" };
        var command = new Command("mock-kafka", "Run an in-memory mock Kafka cluster (librdkafka's) until SIGTERM or Ctrl-C; prints its bootstrap servers. For demos and tests only.")
        {
            brokers, partitions, topics, file,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var count = parse.GetValue(brokers);
            var partitionCount = parse.GetValue(partitions);
            if (count is < 1 or > 9 || partitionCount is < 1 or > 64)
            {
                await error.WriteLineAsync("stream-processor: --brokers must be 1 to 9 and --partitions 1 to 64");
                return Cli.ProcessorCommandLine.InvalidUsage;
            }

            using var cluster = MockKafkaCluster.Start(count);
            var names = parse.GetValue(topics) is { Length: > 0 } chosen ? chosen : DefaultTopics;
            foreach (var topic in names)
            {
                cluster.CreateTopic(topic, partitionCount);
            }

            if (parse.GetValue(file) is { } path)
            {
                var temporary = path + ".tmp";
                await File.WriteAllTextAsync(temporary, cluster.BootstrapServers + "\n", cancellationToken);
                File.Move(temporary, path, overwrite: true);
            }

            await output.WriteLineAsync($"mock Kafka cluster at {cluster.BootstrapServers} ({count} broker(s); topics {string.Join(", ", names)}, {partitionCount} partition(s) each); Ctrl-C stops it");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }

            return Cli.ProcessorCommandLine.Success;
        });
        return command;
    }
}
