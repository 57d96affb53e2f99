using EdgeGateway.Testing.Waiting;
using Xunit;

namespace EdgeGateway.Tests.Harness;

public sealed class EventuallyTests
{
    [Fact]
    public async Task Returns_as_soon_as_the_condition_holds()
    {
        var calls = 0;
        await Eventually.TrueAsync(() => ++calls >= 3, "the third call", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Fails_with_the_description_when_the_condition_never_holds()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            Eventually.TrueAsync(() => false, "pigs fly", TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken));
        Assert.Contains("pigs fly", error.Message, StringComparison.Ordinal);
    }
}
