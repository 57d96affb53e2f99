using System.Text.Json.Nodes;
using EdgeGateway.Configuration;
using EdgeGateway.Context;
using EdgeGateway.Forwarding;
using EdgeGateway.Sources;
using EdgeGateway.Sources.Gpio;
using EdgeGateway.Sources.Serial;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Operations;

/// <summary>
/// A component that takes some configuration keys while running (<c>apply_config</c>). Register an
/// implementation as a singleton <see cref="ILiveReconfigurable"/> to make its keys live-applicable; every
/// other key needs a restart. Applying the previous configuration must undo a change: that is how a failed
/// apply is rolled back.
/// </summary>
public interface ILiveReconfigurable
{
    /// <summary>What it is, for messages (e.g. "MQTT subscriptions").</summary>
    string Name { get; }

    /// <summary>The keys it applies live: a key matches when it is one of these or lies below one.</summary>
    IReadOnlyList<string> Keys { get; }

    /// <summary>Applies <paramref name="configuration"/> (already validated as a whole); throws when it cannot.</summary>
    Task ApplyAsync(IConfiguration configuration, CancellationToken cancellationToken);
}

/// <summary>
/// One kind of input source kept as a list in the configuration (MQTT subscriptions, serial ports, and —
/// by registering another implementation — GPIO lines), for <c>list_sources</c>, <c>add_source</c>,
/// <c>remove_source</c>, <c>pause_source</c> and <c>resume_source</c>. Its list must also be live-applicable
/// (an <see cref="ILiveReconfigurable"/> for <see cref="ListKey"/>), and each item needs a boolean
/// <c>Enabled</c> key (pause sets it false).
/// </summary>
public interface IConfiguredSourceKind
{
    /// <summary>The kind: <c>mqtt</c>, <c>serial</c>, <c>gpio</c>; source ids are <c>kind:name</c>.</summary>
    string Kind { get; }

    /// <summary>The configuration list holding the sources, e.g. <c>Mqtt:Subscriptions</c>.</summary>
    string ListKey { get; }

    /// <summary>What one item looks like, for the add_source description.</summary>
    string Example { get; }

    /// <summary>A source's name from its configuration item (unique within the kind), or null when the item has none.</summary>
    string? NameOf(JsonObject item);

    /// <summary>What the source is doing now (e.g. subscribed, open, waiting for the device), or null when unknown.</summary>
    string? StateOf(string name, bool enabled);
}

/// <summary><c>Mqtt:Subscriptions</c>, live: subscribe and unsubscribe without reconnecting.</summary>
/// <param name="services">The gateway's services (the MQTT source is absent over stdio: the service owns it).</param>
public sealed class MqttSubscriptionsLive(IServiceProvider services) : ILiveReconfigurable, IConfiguredSourceKind
{
    /// <inheritdoc />
    public string Name => "MQTT subscriptions";

    /// <inheritdoc />
    public IReadOnlyList<string> Keys { get; } = [$"{MqttBrokerOptions.SectionName}:{nameof(MqttBrokerOptions.Subscriptions)}"];

    /// <inheritdoc />
    public string Kind => "mqtt";

    /// <inheritdoc />
    public string ListKey => Keys[0];

    /// <inheritdoc />
    public string Example =>
        """{ "Topic": "city/{district}/noise/{deviceId}", "QoS": 1, "Decoder": { "Kind": "json", "Json": { "Metrics": [ { "Field": "db", "Metric": "noise_db" } ] } } }""";

    /// <inheritdoc />
    public Task ApplyAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = Bind<MqttBrokerOptions>(configuration, MqttBrokerOptions.SectionName);
        return Required<MqttSource>(services).ApplySubscriptionsAsync(options.Subscriptions, cancellationToken);
    }

    /// <inheritdoc />
    public string? NameOf(JsonObject item) => ConfigurationDocument.Get(item, nameof(MqttSourceSubscription.Topic))?.ToString();

    /// <inheritdoc />
    public string? StateOf(string name, bool enabled)
    {
        if (!enabled)
        {
            return "paused";
        }

        if (services.GetService<MqttSource>() is not { } source)
        {
            return null;
        }

        var state = source.GetStatistics().State;
        return source.ActiveTopics.Contains(name, StringComparer.Ordinal) && state == MqttSourceState.Connected ? "subscribed" : $"broker {state.ToString().ToLowerInvariant()}";
    }

    internal static T Bind<T>(IConfiguration configuration, string section)
        where T : class, new() =>
        configuration.GetSection(section).Get<T>(binder => binder.ErrorOnUnknownConfiguration = true) ?? new T();

    internal static T Required<T>(IServiceProvider services)
        where T : class =>
        services.GetService<T>() ?? throw new InvalidOperationException($"{typeof(T).Name} runs in the gateway service only");
}

/// <summary><c>Serial:Ports</c>, live: ports opened and closed one by one; unchanged ones keep reading.</summary>
/// <param name="services">The gateway's services (the serial source is absent over stdio: the service owns it).</param>
public sealed class SerialPortsLive(IServiceProvider services) : ILiveReconfigurable, IConfiguredSourceKind
{
    /// <inheritdoc />
    public string Name => "serial ports";

    /// <inheritdoc />
    public IReadOnlyList<string> Keys { get; } = [$"{SerialOptions.SectionName}:{nameof(SerialOptions.Ports)}"];

    /// <inheritdoc />
    public string Kind => "serial";

    /// <inheritdoc />
    public string ListKey => Keys[0];

    /// <inheritdoc />
    public string Example =>
        """{ "Name": "pm-1", "Path": "/dev/serial/by-id/usb-pms5003", "Baud": 9600, "Protocol": "pms5003", "DeviceId": "pm-0001" }""";

    /// <inheritdoc />
    public Task ApplyAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return MqttSubscriptionsLive.Required<SerialSource>(services).ApplyPortsAsync(MqttSubscriptionsLive.Bind<SerialOptions>(configuration, SerialOptions.SectionName).Ports, cancellationToken);
    }

    /// <inheritdoc />
    public string? NameOf(JsonObject item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var name = ConfigurationDocument.Get(item, nameof(SerialPortOptions.Name))?.ToString();
        var path = ConfigurationDocument.Get(item, nameof(SerialPortOptions.Path))?.ToString();
        return string.IsNullOrWhiteSpace(name) ? (path is null ? null : Path.GetFileName(path)) : name;
    }

    /// <inheritdoc />
    public string? StateOf(string name, bool enabled)
    {
        if (!enabled)
        {
            return "paused";
        }

        var port = services.GetService<SerialSource>()?.Ports.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));
        return port is null ? null : port.IsOpen ? "open" : "waiting for the device";
    }
}

/// <summary>The <c>Gpio</c> section, live: the chip is reopened with the new lines (a counter's unfinished window is reported over the time it lasted).</summary>
/// <param name="services">The gateway's services (the GPIO source is absent over stdio: the service owns it).</param>
public sealed class GpioLinesLive(IServiceProvider services) : ILiveReconfigurable, IConfiguredSourceKind
{
    /// <inheritdoc />
    public string Name => "GPIO lines";

    /// <inheritdoc />
    public IReadOnlyList<string> Keys { get; } = [GpioOptions.SectionName];

    /// <inheritdoc />
    public string Kind => "gpio";

    /// <inheritdoc />
    public string ListKey => $"{GpioOptions.SectionName}:{nameof(GpioOptions.Lines)}";

    /// <inheritdoc />
    public string Example =>
        """{ "Offset": 22, "Name": "door", "DeviceId": "cabinet-01", "Kind": "contact", "Debounce": "5ms", "Metric": "door_open" }""";

    /// <inheritdoc />
    public Task ApplyAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return MqttSubscriptionsLive.Required<GpioSource>(services).ApplyLinesAsync(MqttSubscriptionsLive.Bind<GpioOptions>(configuration, GpioOptions.SectionName));
    }

    /// <inheritdoc />
    public string? NameOf(JsonObject item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var name = ConfigurationDocument.Get(item, nameof(GpioLineOptions.Name))?.ToString();
        var offset = ConfigurationDocument.Get(item, nameof(GpioLineOptions.Offset))?.ToString();
        return string.IsNullOrWhiteSpace(name) ? (offset is null ? null : $"line{offset}") : name;
    }

    /// <inheritdoc />
    public string? StateOf(string name, bool enabled)
    {
        if (!enabled)
        {
            return "paused";
        }

        var line = services.GetService<GpioSource>()?.Lines.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.Ordinal));
        return line is null ? null : line.IsOpen ? "open" : "waiting for the chip";
    }
}

/// <summary><c>Context:UnknownDevices</c> and <c>Context:ClockSkewTolerance</c>, live from the next reading on.</summary>
/// <param name="services">The gateway's services.</param>
public sealed class ContextPolicyLive(IServiceProvider services) : ILiveReconfigurable
{
    /// <inheritdoc />
    public string Name => "context policy";

    /// <inheritdoc />
    public IReadOnlyList<string> Keys { get; } =
    [
        $"{ContextOptions.SectionName}:{nameof(ContextOptions.UnknownDevices)}",
        $"{ContextOptions.SectionName}:{nameof(ContextOptions.ClockSkewTolerance)}",
    ];

    /// <inheritdoc />
    public Task ApplyAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        MqttSubscriptionsLive.Required<ContextEnricher>(services).Apply(MqttSubscriptionsLive.Bind<ContextOptions>(configuration, ContextOptions.SectionName));
        return Task.CompletedTask;
    }
}

/// <summary><c>Kafka:MaxReadingsPerSecond</c>, live from the next batch on.</summary>
/// <param name="services">The gateway's services.</param>
public sealed class ForwardingRateLive(IServiceProvider services) : ILiveReconfigurable
{
    /// <inheritdoc />
    public string Name => "forwarding rate";

    /// <inheritdoc />
    public IReadOnlyList<string> Keys { get; } = [$"{KafkaOptions.SectionName}:{nameof(KafkaOptions.MaxReadingsPerSecond)}"];

    /// <inheritdoc />
    public Task ApplyAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        MqttSubscriptionsLive.Required<KafkaForwarder>(services).SetMaxReadingsPerSecond(MqttSubscriptionsLive.Bind<KafkaOptions>(configuration, KafkaOptions.SectionName).MaxReadingsPerSecond);
        return Task.CompletedTask;
    }
}
