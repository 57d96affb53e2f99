using Xunit;

namespace EdgeGateway.Tests;

/// <summary>
/// Tests that take a mock Kafka broker down and up run alone. librdkafka 2.0.2's mock broker
/// re-binds its old port when it comes back up and aborts the whole process (an assertion in
/// rd_kafka_mock_broker_cmd) if another socket took that port meanwhile, which parallel tests
/// opening connections make likely. Running these alone keeps that window free.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KafkaBrokerOutages
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Kafka broker outages";
}
