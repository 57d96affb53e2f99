using EdgeGateway.Mqtt.Client;
using EdgeGateway.Mqtt.Packets;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Testing.Mqtt;

/// <summary>Builds <see cref="MqttClient"/>s for a <see cref="MosquittoBroker"/>, with their log going to the test.</summary>
public static class TestMqttClients
{
    /// <summary>Options for a client of <paramref name="broker"/> (TLS and credentials taken from it), unique client id.</summary>
    public static MqttClientOptions Options(
        MosquittoBroker broker,
        ILoggerFactory loggerFactory,
        MqttProtocolVersion version = MqttProtocolVersion.V500,
        string? clientId = null,
        Func<MqttClientOptions, MqttClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var id = clientId ?? $"test-{Guid.NewGuid():N}"[..20];
        var options = new MqttClientOptions
        {
            Host = broker.Host,
            Port = broker.Port,
            ProtocolVersion = version,
            ClientId = id,
            Username = broker.Options.Username,
            Password = broker.Options.Password,
            Tls = broker.Certificates is { } certificates
                ? new MqttTlsOptions
                {
                    CaFile = certificates.CaCertificatePath,
                    ClientCertificate = broker.Options.RequireClientCertificate ? certificates.LoadClientCertificate() : null,
                }
                : null,
            Reconnect = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(20), MaximumDelay = TimeSpan.FromMilliseconds(500) },
            Logger = new MqttClientLoggerAdapter(loggerFactory.CreateLogger($"MqttClient[{id}]")),
        };
        return configure is null ? options : configure(options);
    }

    /// <summary>Creates and connects a client.</summary>
    public static async Task<MqttClient> ConnectAsync(MqttClientOptions options, CancellationToken cancellationToken = default)
    {
        var client = new MqttClient(options);
        try
        {
            await client.ConnectAsync(cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }
}

/// <summary>Sends the MQTT client's log to an <see cref="ILogger"/>, so the test log rule applies to it.</summary>
/// <param name="logger">Where to write.</param>
public sealed class MqttClientLoggerAdapter(ILogger logger) : IMqttClientLogger
{
    /// <inheritdoc />
    public void Log(MqttLogLevel level, MqttLogEvent logEvent, string message, Exception? exception = null) =>
        logger.Log(
            level switch
            {
                MqttLogLevel.Debug => LogLevel.Debug,
                MqttLogLevel.Information => LogLevel.Information,
                MqttLogLevel.Warning => LogLevel.Warning,
                _ => LogLevel.Error,
            },
            new EventId((int)logEvent, logEvent.ToString()),
            exception,
            "{Message}",
            message);
}
