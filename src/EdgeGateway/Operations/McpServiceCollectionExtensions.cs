using EdgeGateway.Configuration;
using EdgeGateway.Hosting;
using EdgeGateway.Operations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.Protocol;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the MCP server: tools, resources and scope checks once, shared by every transport.</summary>
public static class McpServiceCollectionExtensions
{
    /// <summary>
    /// Adds the MCP server's tools, resources, scope enforcement and audit log. Transports are added
    /// separately (<see cref="AddMcpHttpEndpoint"/>, <see cref="AddMcpKafkaTransport"/>, or the stdio transport of <c>edge-gateway mcp</c>).
    /// </summary>
    public static IMcpServerBuilder AddMcpOperations(this IServiceCollection services, GatewayConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(configuration);
        services.TryAddSingleton<McpAudit>();
        services.TryAddSingleton<McpTokenAuthenticator>();
        services.AddConfigurationLifecycle();
        services.TryAddSingleton<DeviceCommandPublisher>();
        services.TryAddSingleton<McpResourceNotifier>();
        return services
            .AddMcpServer(server =>
            {
                server.ServerInfo = new Implementation { Name = "edge-gateway", Title = "EdgeGateway", Version = ThisAssembly.Version };
                server.ServerInstructions =
                    "Tools to inspect and operate a smart-city sensor gateway: its status, device registry (context records with revisions), "
                    + "durable buffer, dead letters, forwarding to Kafka and configuration. Changes are audited under the caller's token name.";
            })
            .WithTools<GatewayTools>()
            .WithTools<ConfigurationTools>()
            .WithTools<SourceTools>()
            .WithTools<GatewayMaintenanceTools>()
            .WithResources<GatewayResources>()
            .WithSubscribeToResourcesHandler((request, cancellationToken) => Notifier(request.Services).SubscribeAsync(request, cancellationToken))
            .WithUnsubscribeFromResourcesHandler((request, cancellationToken) => Notifier(request.Services).UnsubscribeAsync(request, cancellationToken))
            .WithGatewayAuthorization();
    }

    /// <summary>
    /// Adds the configuration lifecycle (versions, validation, live apply with rollback) and the components that
    /// take keys while running. Another live-applicable part registers its own <see cref="ILiveReconfigurable"/>
    /// (and, for a kind of source, <see cref="IConfiguredSourceKind"/>) singleton.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="live">True in the gateway service (changes are applied); false in <c>edge-gateway mcp</c> (read only).</param>
    public static IServiceCollection AddConfigurationLifecycle(this IServiceCollection services, bool live = false)
    {
        if (live)
        {
            services.TryAddSingleton(new LiveConfigurationHost());
        }

        services.TryAddSingleton<MqttSubscriptionsLive>();
        services.TryAddSingleton<SerialPortsLive>();
        services.TryAddSingleton<GpioLinesLive>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILiveReconfigurable, MqttSubscriptionsLive>(p => p.GetRequiredService<MqttSubscriptionsLive>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILiveReconfigurable, SerialPortsLive>(p => p.GetRequiredService<SerialPortsLive>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILiveReconfigurable, GpioLinesLive>(p => p.GetRequiredService<GpioLinesLive>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILiveReconfigurable, ContextPolicyLive>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILiveReconfigurable, ForwardingRateLive>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfiguredSourceKind, MqttSubscriptionsLive>(p => p.GetRequiredService<MqttSubscriptionsLive>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfiguredSourceKind, SerialPortsLive>(p => p.GetRequiredService<SerialPortsLive>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfiguredSourceKind, GpioLinesLive>(p => p.GetRequiredService<GpioLinesLive>()));
        services.TryAddSingleton(provider => new ConfigurationLifecycle(
            provider.GetRequiredService<GatewayConfiguration>(),
            provider.GetServices<ILiveReconfigurable>(),
            provider.GetServices<IConfiguredSourceKind>(),
            provider.GetService<LiveConfigurationHost>() is not null,
            provider.GetRequiredService<McpAudit>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ConfigurationLifecycle>>()));
        return services;
    }
    private static McpResourceNotifier Notifier(IServiceProvider? services) =>
        services?.GetService<McpResourceNotifier>() ?? throw new InvalidOperationException("McpResourceNotifier is not registered.");

    /// <summary>Adds the Streamable HTTP endpoint (listens only when <c>Mcp:Http:Enabled</c>).</summary>
    public static IServiceCollection AddMcpHttpEndpoint(this IServiceCollection services)
    {
        services.TryAddSingleton<McpHttpServer>();
        services.AddHostedService(provider => provider.GetRequiredService<McpHttpServer>());
        return services;
    }

    /// <summary>Adds MCP over Kafka (serves only when <c>Mcp:Kafka:Enabled</c>); needs the Kafka endpoint of the pipeline.</summary>
    public static IServiceCollection AddMcpKafkaTransport(this IServiceCollection services)
    {
        services.TryAddSingleton<McpKafkaServer>();
        services.AddHostedService(provider => provider.GetRequiredService<McpKafkaServer>());
        return services;
    }
}

/// <summary>Marks the process that owns the pipeline (the service), where configuration changes are applied.</summary>
internal sealed class LiveConfigurationHost;
