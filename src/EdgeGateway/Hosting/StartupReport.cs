using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Forwarding;
using EdgeGateway.Sources;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Hosting;

/// <summary>
/// Logs what the gateway runs with once the host has started, and says plainly which stages are not
/// built yet, so an operator trying it out is never left guessing why nothing flows.
/// </summary>
internal sealed partial class StartupReport(
    IOptions<GatewayOptions> gateway,
    IOptions<MqttBrokerOptions> mqtt,
    IOptions<BufferOptions> buffer,
    IOptions<KafkaOptions> kafka,
    KafkaEndpoint kafkaEndpoint,
    IHostApplicationLifetime lifetime,
    ILogger<StartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogStarted(logger, gateway.Value.EffectiveId, ThisAssembly.Version);
        LogSettings(logger, mqtt.Value.Host, mqtt.Value.Port, buffer.Value.Path, buffer.Value.FullPolicy, kafkaEndpoint.IsEmbedded ? $"embedded {kafkaEndpoint.BootstrapServers}" : kafkaEndpoint.BootstrapServers, kafka.Value.Topic);
        // Only once every stage has started, as READY=1 to systemd: "ready" in the log means ready.
        lifetime.ApplicationStarted.Register(() => LogReady(logger));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping(logger);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "edge-gateway {Version} starting as gateway '{GatewayId}'")]
    private static partial void LogStarted(ILogger logger, string gatewayId, string version);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information,
        Message = "MQTT broker {MqttHost}:{MqttPort}; buffer {BufferPath} (when full: {FullPolicy}); Kafka {Bootstrap} topic {Topic}")]
    private static partial void LogSettings(ILogger logger, string mqttHost, int mqttPort, string bufferPath, BufferFullPolicy fullPolicy, string bootstrap, string topic);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Gateway ready")]
    private static partial void LogReady(ILogger logger);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Gateway stopping")]
    private static partial void LogStopping(ILogger logger);
}
