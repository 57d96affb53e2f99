namespace EdgeGateway.Testing.Mqtt;

/// <summary>
/// How a <see cref="MosquittoClients"/> command line connects. The defaults connect as the broker
/// expects (its CA, client certificate and credentials); the overrides let a test misbehave on purpose.
/// </summary>
public sealed record MosquittoClientOptions
{
    /// <summary>The MQTT client id; null lets the tool (or <see cref="MosquittoClients"/>) pick a unique one.</summary>
    public string? ClientId { get; init; }

    /// <summary>False asks for a persistent session (<c>-c</c>); needs a <see cref="ClientId"/>.</summary>
    public bool CleanSession { get; init; } = true;

    /// <summary>Speaks MQTT 5 (<c>-V mqttv5</c>) instead of 3.1.1.</summary>
    public bool MqttV5 { get; init; }

    /// <summary>Presents the test client certificate when the broker requires one. False to be refused.</summary>
    public bool SendClientCertificate { get; init; } = true;

    /// <summary>Overrides the broker's username (null: the broker's, if any).</summary>
    public string? Username { get; init; }

    /// <summary>Overrides the broker's password (null: the broker's, if any).</summary>
    public string? Password { get; init; }

    /// <summary>More arguments, appended last (a repeated option such as <c>-P</c> wins over the earlier one).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
