using System.Text;
using EdgeGateway.Domain;
using Xunit;

namespace EdgeGateway.Tests.Domain;

public sealed class RawMessageTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Keeps_payload_source_and_a_copy_of_the_attributes()
    {
        var attributes = new Dictionary<string, string> { ["qos"] = "1" };
        var message = new RawMessage(SourceKind.Mqtt, "city-broker", "city/north/aq/aq-0042", Encoding.UTF8.GetBytes("{}"), Now, attributes);
        attributes["qos"] = "0";

        Assert.Equal(SourceKind.Mqtt, message.SourceKind);
        Assert.Equal("city/north/aq/aq-0042", message.Channel);
        Assert.Equal("{}", Encoding.UTF8.GetString(message.Payload.Span));
        Assert.Equal("1", message.Attributes["qos"]);
    }

    [Fact]
    public void Accepts_an_empty_payload_but_not_an_oversized_one()
    {
        Assert.True(new RawMessage(SourceKind.Gpio, "gpio", "line17", ReadOnlyMemory<byte>.Empty, Now).Payload.IsEmpty);
        var error = Assert.Throws<ArgumentException>(() =>
            new RawMessage(SourceKind.Serial, "uart0", "/dev/ttyUSB0", new byte[RawMessage.MaxPayloadBytes + 1], Now));
        Assert.Equal("payload", error.ParamName);
    }

    [Fact]
    public void Rejects_blank_source_or_channel_and_unknown_kinds()
    {
        Assert.Throws<ArgumentException>(() => new RawMessage(SourceKind.Mqtt, " ", "t", default, Now));
        Assert.Throws<ArgumentException>(() => new RawMessage(SourceKind.Mqtt, "s", "", default, Now));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RawMessage((SourceKind)9, "s", "t", default, Now));
    }
}
