using EdgeGateway.Kafka.Native;
using Xunit;

namespace EdgeGateway.Tests.Kafka;

public sealed class LibRdKafkaTests
{
    [Fact]
    public async Task EnsureLoaded_is_idempotent_and_safe_to_call_from_many_threads()
    {
        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(LibRdKafka.EnsureLoaded, TestContext.Current.CancellationToken));
        await Task.WhenAll(callers);
        LibRdKafka.EnsureLoaded();

        Assert.True(Confluent.Kafka.Library.IsLoaded);
        Assert.Equal(LibRdKafka.Version, Confluent.Kafka.Library.VersionString);
    }

    [Fact]
    public void Version_is_the_system_librdkafka_2()
    {
        Assert.StartsWith("2.", LibRdKafka.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_library_fails_with_the_command_that_installs_it()
    {
        var error = Assert.Throws<DllNotFoundException>(() => LibRdKafka.Load("librdkafka-not-installed.so.99"));

        Assert.Contains("librdkafka-not-installed.so.99", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install librdkafka1", error.Message, StringComparison.Ordinal);
    }
}
