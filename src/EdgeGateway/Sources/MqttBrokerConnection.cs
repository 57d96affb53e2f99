using EdgeGateway.Configuration;
using EdgeGateway.Mqtt.Client;

namespace EdgeGateway.Sources;

/// <summary>
/// The one mapping from the <c>Mqtt</c> section to the client's connection settings (address, protocol,
/// credentials, TLS), shared by every MQTT client of the gateway so that none of them connects with
/// weaker settings than the others. Each user adds its own session settings with <c>with { … }</c>.
/// </summary>
internal static class MqttBrokerConnection
{
    /// <summary>The client settings for <paramref name="broker"/>, reading the password and client certificate files now.</summary>
    /// <exception cref="IOException">A credential file cannot be read.</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The client certificate or its key does not load.</exception>
    public static MqttClientOptions ClientOptions(MqttBrokerOptions broker, string clientId, TimeProvider timeProvider) => new()
    {
        Host = broker.Host,
        Port = broker.Port,
        ProtocolVersion = broker.ProtocolVersion == MqttProtocolVersion.V311 ? Mqtt.Packets.MqttProtocolVersion.V311 : Mqtt.Packets.MqttProtocolVersion.V500,
        ClientId = clientId,
        Username = string.IsNullOrEmpty(broker.Username) ? null : broker.Username,
        Password = CredentialFiles.ValueOrFile(broker.Password, broker.PasswordFile),
        Tls = broker.UseTls
            ? new MqttTlsOptions
            {
                CaFile = string.IsNullOrEmpty(broker.CaFile) ? null : CredentialFiles.Resolve(broker.CaFile),
                ClientCertificate = string.IsNullOrEmpty(broker.ClientCertificateFile) || string.IsNullOrEmpty(broker.ClientCertificateKeyFile)
                    ? null
                    : CredentialFiles.LoadCertificateAndKey(broker.ClientCertificateFile, broker.ClientCertificateKeyFile, broker.EffectiveClientKeyPassword()),
            }
            : null,
        TimeProvider = timeProvider,
    };
}
