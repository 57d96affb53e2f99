using System.ComponentModel;
using System.Text.Json;
using EdgeGateway.Buffering;
using EdgeGateway.Context;
using EdgeGateway.Forwarding;
using EdgeGateway.Logging;
using EdgeGateway.Observability;
using EdgeGateway.Operations;
using EdgeGateway.Sources;
using EdgeGateway.Sources.Gpio;
using EdgeGateway.Sources.Serial;
using EdgeGateway.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace EdgeGateway.Configuration;

/// <summary>
/// The gateway's configuration: one JSON file plus <c>EDGEGW__Section__Key</c> environment overrides,
/// checked key by key, bound to the options classes and validated. Loading either gives fully valid
/// options or throws a <see cref="ConfigurationException"/> listing every problem.
/// </summary>
public sealed class GatewayConfiguration
{
    /// <summary>Where the service looks for its configuration unless told otherwise.</summary>
    public const string DefaultPath = "/etc/edge-gateway/gateway.json";

    /// <summary>The prefix of environment variables that override file values.</summary>
    public const string EnvironmentPrefix = "EDGEGW__";

    static GatewayConfiguration()
    {
        // The binder converts through TypeDescriptor; this teaches it "30s" and "5ms" for TimeSpan options.
        TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(DurationConverter)));
    }

    private GatewayConfiguration(string filePath, IConfigurationRoot root)
    {
        FilePath = filePath;
        Root = root;
    }

    /// <summary>The file the configuration was read from.</summary>
    public string FilePath { get; }

    /// <summary>The merged raw configuration (file, then environment).</summary>
    public IConfigurationRoot Root { get; }

    /// <summary>The configuration version this is: 0 for the file alone, N for the file with stored version N layered on top.</summary>
    public long Version { get; private set; }

    /// <summary>The overlay of <see cref="Version"/> over the file (a JSON Merge Patch), or null for the file alone.</summary>
    public System.Text.Json.Nodes.JsonObject? Overlay { get; private set; }

    /// <summary>Section <c>Gateway</c>.</summary>
    public GatewayOptions Gateway { get; private set; } = new();

    /// <summary>Section <c>Mqtt</c>.</summary>
    public MqttBrokerOptions Mqtt { get; private set; } = new();

    /// <summary>Section <c>Context</c>.</summary>
    public ContextOptions Context { get; private set; } = new();

    /// <summary>Section <c>Buffer</c>.</summary>
    public BufferOptions Buffer { get; private set; } = new();

    /// <summary>Section <c>Kafka</c>.</summary>
    public KafkaOptions Kafka { get; private set; } = new();

    /// <summary>Section <c>Encryption</c>.</summary>
    public EncryptionOptions Encryption { get; private set; } = new();

    /// <summary>Section <c>Mcp</c>.</summary>
    public McpOptions Mcp { get; private set; } = new();

    /// <summary>Section <c>Serial</c>.</summary>
    public SerialOptions Serial { get; private set; } = new();

    /// <summary>Section <c>Gpio</c>.</summary>
    public GpioOptions Gpio { get; private set; } = new();

    /// <summary>The gateway's own keys of section <c>Logging</c> (the rest is .NET logging's).</summary>
    public LoggingOptions Logging { get; private set; } = new();

    /// <summary>Section <c>Otlp</c>.</summary>
    public OtlpOptions Otlp { get; private set; } = new();

    /// <summary>Section <c>Observability</c>.</summary>
    public ObservabilityOptions Observability { get; private set; } = new();

    /// <summary>
    /// Reads, checks, binds and validates the configuration in <paramref name="path"/> with overrides
    /// from <paramref name="environment"/> (the process environment when null).
    /// </summary>
    /// <exception cref="ConfigurationException">The file is missing or unreadable, or some keys are invalid.</exception>
    public static GatewayConfiguration Load(string path, System.Collections.IDictionary? environment = null) =>
        Load(path, overlay: null, version: 0, environment);

    /// <summary>
    /// Like <see cref="Load(string, System.Collections.IDictionary?)"/>, with a stored configuration version's
    /// <paramref name="overlay"/> (a JSON Merge Patch, see <see cref="ConfigurationDocument"/>) layered over the
    /// file and under the environment.
    /// </summary>
    /// <exception cref="ConfigurationException">The file is missing or unreadable, or some keys are invalid.</exception>
    public static GatewayConfiguration LoadVersion(string path, System.Text.Json.Nodes.JsonObject overlay, long version, System.Collections.IDictionary? environment = null)
    {
        ArgumentNullException.ThrowIfNull(overlay);
        return Load(path, overlay, version, environment);
    }

    private static GatewayConfiguration Load(string path, System.Text.Json.Nodes.JsonObject? overlay, long version, System.Collections.IDictionary? environment)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        EnsureConvertersRegistered();
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new ConfigurationException(
                $"The configuration file '{fullPath}' does not exist. Pass one with --config FILE (an example: deploy/demo/gateway.json).");
        }

        var environmentSource = new PrefixedEnvironmentVariables(EnvironmentPrefix, environment ?? Environment.GetEnvironmentVariables());
        IConfigurationRoot root;
        try
        {
            var builder = new ConfigurationBuilder();
            if (overlay is null)
            {
                builder.AddJsonFile(fullPath, optional: false, reloadOnChange: false);
            }
            else
            {
                // Lists in the overlay replace the file's whole, which layering two JSON sources (merged by index) cannot do.
                var merged = ConfigurationDocument.Apply(ConfigurationDocument.ReadFile(fullPath), overlay);
                builder.AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(merged.ToJsonString())));
            }

            root = builder.Add(environmentSource).Build();
        }
        catch (JsonException error)
        {
            throw new ConfigurationException($"The configuration file '{fullPath}' is not valid JSON: {error.Message}", error);
        }
        catch (Exception error) when (error is FormatException or InvalidDataException)
        {
            var detail = error;
            while (detail.InnerException is not null && detail is not JsonException)
            {
                detail = detail.InnerException;
            }

            throw new ConfigurationException($"The configuration file '{fullPath}' is not valid JSON: {detail.Message}", error);
        }
        catch (IOException error)
        {
            throw new ConfigurationException($"The configuration file '{fullPath}' cannot be read: {error.Message}", error);
        }
        catch (UnauthorizedAccessException error)
        {
            throw new ConfigurationException($"The configuration file '{fullPath}' cannot be read: {error.Message}", error);
        }

        var configuration = new GatewayConfiguration(fullPath, root) { Version = version, Overlay = overlay };
        configuration.BindAndValidate(environmentSource);
        return configuration;
    }

    /// <summary>Makes sure the duration converter is registered (done once per process).</summary>
    public static void EnsureConvertersRegistered()
    {
        // Runs the static constructor (at most once per process).
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(GatewayConfiguration).TypeHandle);
    }

    private void BindAndValidate(PrefixedEnvironmentVariables environmentSource)
    {
        var problems = new List<(string Key, string Problem)>();
        var known = ConfigurationSchema.Sections.Select(s => s.Name).Concat(ConfigurationSchema.PassThroughSections).ToList();
        foreach (var top in Root.GetChildren())
        {
            if (!known.Contains(top.Key, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add((top.Key, $"unknown section; known sections: {string.Join(", ", known)}"));
            }
        }

        // Each section is checked, then bound and validated only if its raw values are sound, so one
        // run reports every problem of every section.
        Gateway = CheckBindValidate<GatewayOptions>(GatewayOptions.SectionName, problems) ?? Gateway;
        Mqtt = CheckBindValidate<MqttBrokerOptions>(MqttBrokerOptions.SectionName, problems) ?? Mqtt;
        Context = CheckBindValidate<ContextOptions>(ContextOptions.SectionName, problems) ?? Context;
        Buffer = CheckBindValidate<BufferOptions>(BufferOptions.SectionName, problems) ?? Buffer;
        Kafka = CheckBindValidate<KafkaOptions>(KafkaOptions.SectionName, problems) ?? Kafka;
        Encryption = CheckBindValidate<EncryptionOptions>(EncryptionOptions.SectionName, problems) ?? Encryption;
        Mcp = CheckBindValidate<McpOptions>(McpOptions.SectionName, problems) ?? Mcp;
        Serial = CheckBindValidate<SerialOptions>(SerialOptions.SectionName, problems) ?? Serial;
        Gpio = CheckBindValidate<GpioOptions>(GpioOptions.SectionName, problems) ?? Gpio;
        Observability = CheckBindValidate<ObservabilityOptions>(ObservabilityOptions.SectionName, problems) ?? Observability;
        Otlp = CheckBindValidate<OtlpOptions>(OtlpOptions.SectionName, problems) ?? Otlp;
        Logging = CheckBindValidate<LoggingOptions>(LoggingOptions.SectionName, problems, ownKeysOnly: true) ?? Logging;
        problems.AddRange(Mcp.Kafka.CheckAgainst(Kafka));
        problems.AddRange(CheckPersonalDataHasKey());

        if (problems.Count > 0)
        {
            throw new ConfigurationException([.. problems.Select(p => new ConfigurationError(p.Key, p.Problem, SourceOf(p.Key, environmentSource)))]);
        }
    }

    // The devices file is checked here so `config validate` catches it; devices added over MCP are checked at start (FieldEncryptionGuard).
    private IEnumerable<(string Key, string Problem)> CheckPersonalDataHasKey()
    {
        if (Encryption.IsEnabled || string.IsNullOrWhiteSpace(Context.DevicesFile))
        {
            return [];
        }

        IReadOnlyList<DeviceDocument> devices;
        try
        {
            devices = DevicesFile.Load(Context.DevicesFile);
        }
        catch (Exception error) when (error is DevicesFileException or IOException or UnauthorizedAccessException)
        {
            return [];
        }

        var marking = devices.Where(d => d.PersonalData is { Count: > 0 }).Select(d => d.Id!).ToList();
        return marking.Count == 0
            ? []
            : [($"{EncryptionOptions.SectionName}:{nameof(EncryptionOptions.KeysFile)}", $"{Context.DevicesFile}: {FieldEncryptionGuard.NoKeyProblem(marking)}")];
    }

    private T? CheckBindValidate<T>(string sectionName, List<(string Key, string Problem)> problems, bool ownKeysOnly = false)
        where T : class, new()
    {
        var sectionProblems = new List<(string Key, string Problem)>();
        var section = Root.GetSection(sectionName);
        ConfigurationChecker.Check(section, typeof(T), sectionName, sectionProblems, skipUnknownKeys: ownKeysOnly);
        if (sectionProblems.Count > 0)
        {
            problems.AddRange(sectionProblems);
            return null;
        }

        var options = new T();
        try
        {
            section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = !ownKeysOnly);
        }
        catch (InvalidOperationException error)
        {
            // The checker should have caught this first; keep the binder's words rather than lose the problem.
            problems.Add((sectionName, error.InnerException?.Message ?? error.Message));
            return null;
        }

        problems.AddRange(OptionsValidator.Validate(options, sectionName));
        return options;
    }

    private string? SourceOf(string key, PrefixedEnvironmentVariables environmentSource)
    {
        foreach (var provider in Root.Providers.Reverse())
        {
            if (!provider.TryGet(key, out _))
            {
                continue;
            }

            return provider switch
            {
                PrefixedEnvironmentVariables when environmentSource.VariableFor(key) is { } variable => $"environment variable {variable}",
                JsonConfigurationProvider => FilePath,
                Microsoft.Extensions.Configuration.Json.JsonStreamConfigurationProvider => Version == 0 ? FilePath : $"{FilePath} with configuration version {Version}",
                _ => null,
            };
        }

        return null;
    }
}
