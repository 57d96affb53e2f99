using EdgeGateway.Buffering;
using EdgeGateway.Context;
using EdgeGateway.Forwarding;
using EdgeGateway.Observability;
using EdgeGateway.Operations;
using EdgeGateway.Sources;
using EdgeGateway.Sources.Gpio;
using EdgeGateway.Sources.Serial;
using EdgeGateway.Telemetry;

namespace EdgeGateway.Configuration;

/// <summary>
/// The sections of the configuration file and the options class each binds to. A key outside these
/// sections (or a property they lack) is an error, so a typo cannot silently leave a default in place.
/// </summary>
public static class ConfigurationSchema
{
    /// <summary>Sections passed through unchecked to the libraries that own them.</summary>
    public static IReadOnlyList<string> PassThroughSections { get; } = ["Logging"];

    /// <summary>Section name → options type, in the order they are documented.</summary>
    public static IReadOnlyList<(string Name, Type OptionsType)> Sections { get; } =
    [
        (GatewayOptions.SectionName, typeof(GatewayOptions)),
        (MqttBrokerOptions.SectionName, typeof(MqttBrokerOptions)),
        (ContextOptions.SectionName, typeof(ContextOptions)),
        (BufferOptions.SectionName, typeof(BufferOptions)),
        (KafkaOptions.SectionName, typeof(KafkaOptions)),
        (EncryptionOptions.SectionName, typeof(EncryptionOptions)),
        (SerialOptions.SectionName, typeof(SerialOptions)),
        (GpioOptions.SectionName, typeof(GpioOptions)),
        (McpOptions.SectionName, typeof(McpOptions)),
        (ObservabilityOptions.SectionName, typeof(ObservabilityOptions)),
        (OtlpOptions.SectionName, typeof(OtlpOptions)),
    ];
}
