using System.Globalization;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;

namespace EdgeGateway.Testing.Mqtt;

/// <summary>
/// Drives <c>mosquitto_pub</c> / <c>mosquitto_sub</c> against a <see cref="MosquittoBroker"/>: peers
/// independent of the product's MQTT code, so a test checks the gateway against a reference client.
/// TLS and credential arguments come from the broker's options.
/// </summary>
public static class MosquittoClients
{
    /// <summary>The publishing tool.</summary>
    public const string PublisherExecutable = "mosquitto_pub";

    /// <summary>The subscribing tool.</summary>
    public const string SubscriberExecutable = "mosquitto_sub";

    /// <summary>The arguments that connect a mosquitto client tool to <paramref name="broker"/>.</summary>
    public static IReadOnlyList<string> ConnectionArguments(MosquittoBroker broker, MosquittoClientOptions? client = null)
    {
        client ??= new MosquittoClientOptions();
        var arguments = new List<string> { "-h", broker.Host, "-p", broker.Port.ToString(CultureInfo.InvariantCulture) };
        if (broker.Certificates is { } certificates)
        {
            arguments.AddRange(["--cafile", certificates.CaCertificatePath]);
            if (broker.Options.RequireClientCertificate && client.SendClientCertificate)
            {
                arguments.AddRange(["--cert", certificates.ClientCertificatePath, "--key", certificates.ClientKeyPath]);
            }
        }

        if ((client.Username ?? broker.Options.Username) is { } username)
        {
            arguments.AddRange(["-u", username]);
        }

        if ((client.Password ?? broker.Options.Password) is { } password)
        {
            arguments.AddRange(["-P", password]);
        }

        if (client.MqttV5)
        {
            arguments.AddRange(["-V", "mqttv5"]);
        }

        if (client.ClientId is { } clientId)
        {
            arguments.AddRange(["-i", clientId]);
        }

        if (!client.CleanSession)
        {
            if (client.ClientId is null)
            {
                throw new ArgumentException($"A persistent session ({nameof(MosquittoClientOptions.CleanSession)} = false) needs a {nameof(MosquittoClientOptions.ClientId)}.", nameof(client));
            }

            arguments.Add("-c");
        }

        return arguments;
    }

    /// <summary>Publishes one message with <c>mosquitto_pub</c> and returns how it went, refused or not.</summary>
    public static Task<ProcessResult> TryPublishAsync(
        MosquittoBroker broker,
        string topic,
        string payload,
        int qos = 1,
        bool retain = false,
        MosquittoClientOptions? client = null,
        CancellationToken cancellationToken = default)
    {
        client ??= new MosquittoClientOptions();
        List<string> arguments = [.. ConnectionArguments(broker, client), "-t", topic, "-q", qos.ToString(CultureInfo.InvariantCulture)];

        // -m "" is rejected as a missing message; -n sends the empty payload.
        arguments.AddRange(payload.Length == 0 ? ["-n"] : ["-m", payload]);
        if (retain)
        {
            arguments.Add("-r");
        }

        arguments.AddRange(client.ExtraArguments);
        return ExternalProcess.RunAsync(PublisherExecutable, arguments, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Publishes one message with <c>mosquitto_pub</c>; at QoS 1/2 it returns once the broker
    /// acknowledged it.
    /// </summary>
    /// <exception cref="InvalidOperationException">mosquitto_pub failed; the message holds its output.</exception>
    public static async Task PublishAsync(
        MosquittoBroker broker,
        string topic,
        string payload,
        int qos = 1,
        bool retain = false,
        MosquittoClientOptions? client = null,
        CancellationToken cancellationToken = default)
    {
        var result = await TryPublishAsync(broker, topic, payload, qos, retain, client, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"mosquitto_pub to {topic} on {broker} failed with exit code {result.ExitCode}:\n{result.StandardOutput}\n{result.StandardError}");
        }
    }

    /// <summary>
    /// Starts <c>mosquitto_sub -v</c> on <paramref name="topic"/> and returns once the broker has the
    /// subscription (it logs it), so what is published next reaches it. With <paramref name="count"/>
    /// above zero the tool exits after that many messages.
    /// </summary>
    /// <exception cref="InvalidOperationException">mosquitto_sub failed (refused, bad arguments...).</exception>
    public static async Task<MosquittoSubscriber> StartSubscriberAsync(
        MosquittoBroker broker,
        string topic,
        int qos = 1,
        int count = 1,
        MosquittoClientOptions? client = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        client ??= new MosquittoClientOptions();

        // The broker logs "<client id> <qos> <topic>" per subscription: a unique id makes the line ours.
        if (client.ClientId is null)
        {
            client = client with { ClientId = $"edgegw-sub-{Guid.NewGuid():N}"[..23] };
        }

        var subscribed = $" {client.ClientId} {qos.ToString(CultureInfo.InvariantCulture)} {topic}";
        bool IsSubscribedLine(string line) => line.EndsWith(subscribed, StringComparison.Ordinal);

        // A reconnecting persistent session logs the same line again: only lines after this start count.
        var earlier = broker.OutputLines.Count(IsSubscribedLine);
        List<string> arguments = [.. ConnectionArguments(broker, client), "-t", topic, "-q", qos.ToString(CultureInfo.InvariantCulture), "-v"];
        if (count > 0)
        {
            arguments.AddRange(["-C", count.ToString(CultureInfo.InvariantCulture)]);
        }

        arguments.AddRange(client.ExtraArguments);
        var process = ExternalProcess.Start(SubscriberExecutable, arguments);
        var subscriber = new MosquittoSubscriber(process, client.ClientId, topic, count);
        try
        {
            // A persistent session may get its queued messages and exit (-C) before the wait sees the log line.
            await Eventually.TrueAsync(
                () => process.HasExited || broker.OutputLines.Count(IsSubscribedLine) > earlier,
                $"{broker} has the subscription of {client.ClientId} to {topic}",
                cancellationToken: cancellationToken);
            if (process.HasExited && process.ExitCode != 0)
            {
                await process.WaitForExitAsync(TestTimeouts.Brief, cancellationToken);
                throw new InvalidOperationException($"mosquitto_sub exited with code {process.ExitCode} before subscribing. Output:\n{process.AllOutput}");
            }

            return subscriber;
        }
        catch
        {
            await subscriber.DisposeAsync();
            throw;
        }
    }
}
