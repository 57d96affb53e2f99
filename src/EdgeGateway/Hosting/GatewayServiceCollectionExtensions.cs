using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Context;
using EdgeGateway.Forwarding;
using EdgeGateway.Hosting;
using EdgeGateway.Logging;
using EdgeGateway.Observability;
using EdgeGateway.Operations;
using EdgeGateway.Sources;
using EdgeGateway.Sources.Gpio;
using EdgeGateway.Sources.Serial;
using EdgeGateway.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the gateway's components; the composition root is <see cref="GatewayHost"/>.</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Binds every configuration section to its options class, validated at startup with the same rules
    /// as <c>edge-gateway config validate</c> (so options changed later through code are checked too).
    /// </summary>
    public static IServiceCollection AddGatewayOptions(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        GatewayConfiguration.EnsureConvertersRegistered();
        AddSection<GatewayOptions>(services, configuration, GatewayOptions.SectionName);
        AddSection<MqttBrokerOptions>(services, configuration, MqttBrokerOptions.SectionName);
        AddSection<ContextOptions>(services, configuration, ContextOptions.SectionName);
        AddSection<BufferOptions>(services, configuration, BufferOptions.SectionName);
        AddSection<KafkaOptions>(services, configuration, KafkaOptions.SectionName);
        AddSection<EncryptionOptions>(services, configuration, EncryptionOptions.SectionName);
        AddSection<SerialOptions>(services, configuration, SerialOptions.SectionName);
        AddSection<GpioOptions>(services, configuration, GpioOptions.SectionName);
        AddSection<McpOptions>(services, configuration, McpOptions.SectionName);
        AddSection<ObservabilityOptions>(services, configuration, ObservabilityOptions.SectionName);
        AddSection<OtlpOptions>(services, configuration, OtlpOptions.SectionName);

        // Only the gateway's own keys: the rest of the section is .NET logging's.
        services.AddOptions<LoggingOptions>()
            .Bind(configuration.GetSection(LoggingOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LoggingOptions>>(new SectionValidator<LoggingOptions>(LoggingOptions.SectionName)));
        return services;
    }

    /// <summary>Registers the tracker that turns a failed critical loop into a non-zero exit code, and the liveness evaluation over it.</summary>
    public static IServiceCollection AddCriticalFailureTracking(this IServiceCollection services)
    {
        services.TryAddSingleton<CriticalFailures>();
        services.TryAddSingleton<GatewayLiveness>();
        return services;
    }

    private static void AddSection<T>(IServiceCollection services, IConfiguration configuration, string sectionName)
        where T : class
    {
        services.AddOptions<T>()
            .Bind(configuration.GetSection(sectionName), binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>>(new SectionValidator<T>(sectionName)));
    }

    private sealed class SectionValidator<T>(string sectionName) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = OptionsValidator.Validate(options, sectionName);
            return problems.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(problems.Select(p => $"{p.Key}: {p.Problem}"));
        }
    }
}
