using EdgeGateway.Domain;
using Xunit;

namespace EdgeGateway.Tests.Domain;

public sealed class DeviceIdTests
{
    [Theory]
    [InlineData("aq-0042")]
    [InlineData("city.north:parking_7")]
    [InlineData("A")]
    public void Accepts_ids_made_of_the_safe_alphabet(string value) =>
        Assert.Equal(value, new DeviceId(value).Value);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("aq 42", "' '")]
    [InlineData("aq/42", "'/'")]
    [InlineData("aq+42", "'+'")]
    [InlineData("aq#", "'#'")]
    public void Rejects_ids_that_would_break_topics_keys_or_logs(string value, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => new DeviceId(value));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.False(DeviceId.TryParse(value, out _));
    }

    [Fact]
    public void Rejects_ids_longer_than_128_characters()
    {
        Assert.Throws<ArgumentException>(() => new DeviceId(new string('a', 129)));
        Assert.Equal(128, new DeviceId(new string('a', 128)).Value.Length);
    }

    [Fact]
    public void A_default_id_has_no_value()
    {
        Assert.Throws<InvalidOperationException>(() => default(DeviceId).Value);
    }
}
