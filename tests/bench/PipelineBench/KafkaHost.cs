using EdgeGateway.Kafka.Native;

namespace PipelineBench;

/// <summary>
/// Hosts librdkafka's mock cluster for the whole run (it lives as long as this process) and takes the
/// script's commands on standard input: create a topic, take the broker down, bring it back up.
/// </summary>
internal static class KafkaHost
{
    public static int Run(IReadOnlyList<string> topics)
    {
        using var cluster = MockKafkaCluster.Start(brokerCount: 1);
        foreach (var topic in topics)
        {
            cluster.CreateTopic(topic);
        }

        Console.WriteLine($"BOOTSTRAP {cluster.BootstrapServers}");
        while (Console.In.ReadLine() is { } line)
        {
            var command = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            try
            {
                switch (command)
                {
                    case ["topic", var name]:
                        cluster.CreateTopic(name);
                        break;
                    case ["down"]:
                        cluster.SetBrokerDown(1);
                        break;
                    case ["up"]:
                        cluster.SetBrokerUp(1);
                        break;
                    case ["quit"]:
                        Console.WriteLine("OK quit");
                        return 0;
                    case []:
                        continue;
                    default:
                        Console.WriteLine($"ERROR unknown command '{line}'");
                        continue;
                }
            }
            catch (LibRdKafkaException error)
            {
                Console.WriteLine($"ERROR {line}: {error.Message}");
                continue;
            }

            Console.WriteLine($"OK {string.Join(' ', command)} {Program.UnixNanoseconds()}");
        }

        return 0;
    }
}
