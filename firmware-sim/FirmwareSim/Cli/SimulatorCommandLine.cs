using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using EdgeGateway.Mqtt.Packets;
using FirmwareSim.Faults;
using FirmwareSim.Fleet;
using FirmwareSim.Gpio;
using FirmwareSim.Mqtt;
using FirmwareSim.Payloads;
using FirmwareSim.Running;
using FirmwareSim.Scenarios;
using FirmwareSim.Serial;

namespace FirmwareSim.Cli;

/// <summary>
/// The <c>firmware-sim</c> command line. Options override the scenario file (<c>--scenario</c>).
/// Invalid arguments print one line per problem and exit with code 2. The first Ctrl+C / SIGTERM
/// stops the run (outstanding acknowledgements are awaited), the second stops waiting.
/// </summary>
public static class SimulatorCommandLine
{
    /// <summary>Parses <paramref name="args"/>, runs, and returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var options = new SimulatorOptions();
        var root = options.Build();
        var parsed = root.Parse(args.Length == 0 ? ["--help"] : args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                await error.WriteLineAsync($"firmware-sim: {problem.Message}");
            }

            await error.WriteLineAsync("Run 'firmware-sim --help' for usage.");
            return ExitCodes.InvalidArguments;
        }

        root.SetAction(async (parse, _) =>
        {
            var problems = new List<string>();
            var settings = options.Resolve(parse, problems);
            if (settings is null || problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await error.WriteLineAsync($"firmware-sim: {problem}");
                }

                await error.WriteLineAsync("Run 'firmware-sim --help' for usage.");
                return ExitCodes.InvalidArguments;
            }

            using var stop = new CancellationTokenSource();
            using var abort = new CancellationTokenSource();
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                if (stop.IsCancellationRequested)
                {
                    abort.Cancel();
                }
                else
                {
                    stop.Cancel();
                }
            }

            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            var run = new SimulatorRun(settings, TimeProvider.System, output, error);
            return await run.RunAsync(stop.Token, abort.Token);
        });

        // The simulator handles SIGINT/SIGTERM itself (a clean stop with a summary); the library must not race it.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, Output = output, Error = error });
    }

    /// <summary>
    /// Resolves the settings a command line (and the scenario file it names) asks for, without running:
    /// null with the problems when it is invalid.
    /// </summary>
    public static SimulatorSettings? ParseSettings(string[] args, out IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new SimulatorOptions();
        var parsed = options.Build().Parse(args);
        var found = parsed.Errors.Select(e => e.Message).ToList();
        var settings = found.Count == 0 ? options.Resolve(parsed, found) : null;
        problems = found;
        return found.Count == 0 ? settings : null;
    }

    /// <summary>The options, and how they become <see cref="SimulatorSettings"/>.</summary>
    private sealed class SimulatorOptions
    {
        private readonly Option<string?> _scenario = new("--scenario") { Description = "Scenario file (JSON): the fleet, faults, serial ports. Options given here override it.", HelpName = "FILE" };
        private readonly Option<string?> _broker = new("--broker") { Description = "MQTT broker to publish to.", HelpName = "HOST:PORT" };
        private readonly Option<bool> _tls = new("--tls") { Description = "Connect with TLS (default port 8883)." };
        private readonly Option<string?> _caFile = new("--ca-file") { Description = "CA certificate (PEM) of the broker; implies --tls.", HelpName = "FILE" };
        private readonly Option<string?> _username = new("--username") { Description = "MQTT user name.", HelpName = "USER" };
        private readonly Option<string?> _password = new("--password") { Description = "MQTT password (or the environment variable FIRMWARE_SIM_PASSWORD).", HelpName = "PASSWORD" };
        private readonly Option<string?> _mqttVersion = new("--mqtt-version") { Description = "MQTT protocol version: 5 (default) or 3.1.1.", HelpName = "5|3.1.1" };
        private readonly Option<int?> _devices = new("--devices") { Description = $"Number of devices (default {SimulatorSettings.DefaultDevices}, or the scenario's; a scenario's groups are scaled in proportion).", HelpName = "N" };
        private readonly Option<double?> _rate = new("--rate") { Description = "Total readings per second (paced by a token bucket); default: each device's own sampling interval.", HelpName = "READINGS/S" };
        private readonly Option<string?> _duration = new("--duration") { Description = "How long to run, in seconds (or 500ms, 5m, 2h); default: until Ctrl+C.", HelpName = "SECONDS" };
        private readonly Option<int?> _qos = new("--qos") { Description = "QoS of readings: 0, 1 (default) or 2.", HelpName = "0|1|2" };
        private readonly Option<string?> _format = new("--format") { Description = "Payload format: json (default) or senml.", HelpName = "json|senml" };
        private readonly Option<long?> _seed = new("--seed") { Description = "Seed: the same seed, fleet and schedule give the same values (default 1).", HelpName = "N" };
        private readonly Option<int?> _connections = new("--connections") { Description = "Shared MQTT connections carrying the fleet (default 4).", HelpName = "N" };
        private readonly Option<bool> _perDevice = new("--connection-per-device") { Description = "One MQTT connection per device, each with its own will." };
        private readonly Option<int?> _inflight = new("--inflight") { Description = "Unacknowledged publishes per connection (default 1000).", HelpName = "N" };
        private readonly Option<string?> _clientIdPrefix = new("--client-id-prefix") { Description = "Prefix of MQTT client ids (default fwsim-PID).", HelpName = "PREFIX" };
        private readonly Option<string?> _topicPrefix = new("--topic-prefix") { Description = "First topic level(s) (default city).", HelpName = "PREFIX" };
        private readonly Option<string?> _ledger = new("--ledger") { Description = "Write one JSON line per reading once its send completed.", HelpName = "FILE" };
        private readonly Option<string?> _summaryFile = new("--summary-file") { Description = "Also write the end-of-run summary as JSON.", HelpName = "FILE" };
        private readonly Option<string?> _faults = new("--faults") { Description = $"Faults, e.g. malformed=0.01,duplicate=0.02,burst-size=20 (keys: {string.Join(", ", FaultSettings.Keys)}).", HelpName = "KEY=VALUE,..." };
        private readonly Option<string?> _serial = new("--serial") { Description = $"Serial devices on new pseudo-terminals, e.g. pms5003,nmea,modbus ({SerialProtocols.NameList}).", HelpName = "LIST" };
        private readonly Option<string?> _serialInterval = new("--serial-interval") { Description = "Time between serial frames (default 1s).", HelpName = "DURATION" };
        private readonly Option<string?> _serialPathsFile = new("--serial-paths-file") { Description = "Write the serial ports' tty paths (JSON) here.", HelpName = "FILE" };
        private readonly Option<string?> _gpioSocket = new("--gpio-socket") { Description = "Unix socket for the gateway's simulated GPIO chip (configure the gateway's Gpio:Chip as sim:PATH).", HelpName = "PATH" };
        private readonly Option<string?> _gpio = new("--gpio") { Description = $"GPIO lines to play on --gpio-socket, e.g. counter:17:rate=4:bounce=2/5ms,contact:22:closed=2s:open=3s (keys: {GpioLineSettings.Keys}).", HelpName = "LIST" };
        private readonly Option<string?> _gpioLedger = new("--gpio-ledger") { Description = "Write one JSON line per real GPIO edge delivered to the gateway.", HelpName = "FILE" };
        private readonly Option<double?> _connectTimeout = new("--connect-timeout") { Description = "Seconds the first connects may keep failing before the run gives up with exit code 1 (default 30).", HelpName = "SECONDS" };
        private readonly Option<double?> _progress = new("--progress") { Description = "Seconds between progress lines (default 5; 0: none).", HelpName = "SECONDS" };

        public RootCommand Build() => new("firmware-sim: a fleet of simulated smart-city sensors over MQTT, serial pseudo-terminals and a simulated GPIO chip.")
        {
            _scenario, _broker, _tls, _caFile, _username, _password, _mqttVersion, _devices, _rate, _duration, _qos, _format, _seed,
            _connections, _perDevice, _inflight, _clientIdPrefix, _topicPrefix, _ledger, _summaryFile, _faults, _serial,
            _serialInterval, _serialPathsFile, _gpioSocket, _gpio, _gpioLedger, _connectTimeout, _progress,
        };

        public SimulatorSettings? Resolve(ParseResult parse, List<string> problems)
        {
            var scenario = new Scenario();
            if (parse.GetValue(_scenario) is { } scenarioPath)
            {
                try
                {
                    scenario = ScenarioLoader.Load(scenarioPath);
                }
                catch (ScenarioException error)
                {
                    problems.Add(error.Message);
                    return null;
                }
            }

            var settings = new SimulatorSettings
            {
                Seed = parse.GetValue(_seed) ?? scenario.Seed ?? 1,
                City = scenario.City ?? new CitySettings(),
                Rate = parse.GetValue(_rate) ?? scenario.Rate,
                Duration = scenario.Duration,
                Faults = scenario.Faults ?? FaultSettings.None,
                TopicPrefix = parse.GetValue(_topicPrefix) ?? scenario.TopicPrefix ?? TopicScheme.DefaultPrefix,
                LedgerPath = parse.GetValue(_ledger),
                SummaryPath = parse.GetValue(_summaryFile),
                SerialPathsFile = parse.GetValue(_serialPathsFile),
            };

            if (settings.Rate is <= 0 or double.NaN or double.PositiveInfinity)
            {
                problems.Add($"--rate: {settings.Rate} must be a number above 0");
            }

            try
            {
                _ = settings.TopicScheme;
            }
            catch (ArgumentException error)
            {
                problems.Add($"--topic-prefix: {error.Message}");
            }

            if (parse.GetValue(_duration) is { } durationText)
            {
                if (Durations.TryParse(durationText, out var duration) && duration > TimeSpan.Zero)
                {
                    settings = settings with { Duration = duration };
                }
                else
                {
                    problems.Add($"--duration: '{durationText}' is not a number of seconds above 0 (or 500ms, 5m, 2h)");
                }
            }

            var format = scenario.Format ?? PayloadFormat.Json;
            var groups = scenario.Devices;
            if (parse.GetValue(_format) is { } formatText)
            {
                if (PayloadFormats.TryParse(formatText, out var parsedFormat))
                {
                    format = parsedFormat;
                    groups = groups?.Select(g => g with { Format = null }).ToList();
                }
                else
                {
                    problems.Add($"--format: '{formatText}' is not json or senml");
                }
            }

            settings = settings with { Format = format, Groups = ResolveGroups(groups, parse.GetValue(_devices), problems) };
            settings = settings with { Faults = ResolveFaults(settings.Faults, parse.GetValue(_faults), problems) };
            settings = settings with { Serial = ResolveSerial(scenario, parse, problems) };
            if (parse.GetValue(_progress) is { } progress)
            {
                if (progress is >= 0 and <= 86_400)
                {
                    settings = settings with { ProgressInterval = TimeSpan.FromSeconds(progress) };
                }
                else
                {
                    problems.Add($"--progress: {progress} must be 0 to 86400 seconds");
                }
            }

            settings = settings with { Mqtt = ResolveMqtt(scenario, parse, problems) };
            settings = settings with
            {
                GpioSocket = parse.GetValue(_gpioSocket),
                Gpio = parse.GetValue(_gpio) is { } gpio ? GpioLineSettings.ParseList(gpio, problems) : [],
                GpioLedgerPath = parse.GetValue(_gpioLedger),
            };
            if ((settings.GpioSocket is null) != (settings.Gpio.Count == 0) || (settings.GpioLedgerPath is not null && settings.GpioSocket is null))
            {
                problems.Add("--gpio-socket PATH and --gpio LIST go together (and --gpio-ledger needs them)");
            }

            if (settings.Mqtt is null && settings.Serial.Count == 0 && settings.Gpio.Count == 0)
            {
                problems.Add("nothing to simulate: give --broker HOST:PORT (MQTT), --serial LIST (pseudo-terminals) and/or --gpio-socket PATH --gpio LIST");
            }

            if (settings.Mqtt is null && (settings.LedgerPath is not null || settings.Rate is not null))
            {
                problems.Add("--ledger and --rate are about MQTT: give --broker too");
            }

            return settings;
        }

        private static IReadOnlyList<DeviceGroup> ResolveGroups(IReadOnlyList<DeviceGroup>? groups, int? devices, List<string> problems)
        {
            if (devices is < 0 or > 1_000_000)
            {
                problems.Add($"--devices: {devices} must be 0 to 1000000");
                devices = null;
            }

            if (groups is { Count: > 0 } && groups.Sum(g => g.Count) > 0)
            {
                return devices is { } count ? FleetBuilder.Resize(groups, count) : groups;
            }

            return FleetBuilder.DefaultGroups(devices ?? SimulatorSettings.DefaultDevices);
        }

        private static FaultSettings ResolveFaults(FaultSettings faults, string? text, List<string> problems)
        {
            if (text is null)
            {
                return faults;
            }

            foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var equals = item.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    problems.Add($"--faults: '{item}' is not KEY=VALUE");
                    continue;
                }

                try
                {
                    faults = faults.With(item[..equals].Trim(), item[(equals + 1)..].Trim());
                }
                catch (FormatException error)
                {
                    problems.Add($"--faults: {error.Message}");
                }
            }

            return faults;
        }

        private IReadOnlyList<SerialPortSettings> ResolveSerial(Scenario scenario, ParseResult parse, List<string> problems)
        {
            var ports = scenario.Serial ?? [];
            if (parse.GetValue(_serial) is { } list)
            {
                var parsed = new List<SerialPortSettings>();
                foreach (var name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (SerialProtocols.TryParse(name, out var protocol))
                    {
                        parsed.Add(new SerialPortSettings { Protocol = protocol });
                    }
                    else
                    {
                        problems.Add($"--serial: '{name}' is not one of {SerialProtocols.NameList}");
                    }
                }

                ports = parsed;
            }

            if (parse.GetValue(_serialInterval) is { } intervalText)
            {
                if (Durations.TryParse(intervalText, out var interval) && interval >= TimeSpan.FromMilliseconds(10))
                {
                    ports = [.. ports.Select(p => p with { Interval = interval })];
                }
                else
                {
                    problems.Add($"--serial-interval: '{intervalText}' is not a duration of at least 10ms");
                }
            }

            // Names are unique: the given name or the protocol's, numbered when it appears more than once.
            var totals = ports.GroupBy(p => p.Name ?? SerialProtocols.Name(p.Protocol)).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            return [.. ports.Select(p =>
            {
                var name = p.Name ?? SerialProtocols.Name(p.Protocol);
                var n = seen[name] = seen.GetValueOrDefault(name) + 1;
                return p with { Name = totals[name] == 1 ? name : $"{name}-{n.ToString(CultureInfo.InvariantCulture)}" };
            })];
        }

        private MqttFleetSettings? ResolveMqtt(Scenario scenario, ParseResult parse, List<string> problems)
        {
            var broker = parse.GetValue(_broker) ?? scenario.Broker;
            if (broker is null)
            {
                return null;
            }

            var caFile = parse.GetValue(_caFile) ?? scenario.CaFile;
            var tls = parse.GetValue(_tls) || (scenario.Tls ?? false) || caFile is not null;
            if (!TryParseBroker(broker, tls ? 8883 : 1883, out var host, out var port))
            {
                problems.Add($"--broker: '{broker}' is not HOST:PORT (port 1 to 65535)");
                return null;
            }

            if (caFile is not null && !File.Exists(caFile))
            {
                problems.Add($"--ca-file: '{caFile}' does not exist");
            }

            var qos = parse.GetValue(_qos) ?? scenario.QoS ?? 1;
            if (qos is < 0 or > 2)
            {
                problems.Add($"--qos: {qos} must be 0, 1 or 2");
            }

            var version = parse.GetValue(_mqttVersion) switch
            {
                null or "5" or "5.0" => MqttProtocolVersion.V500,
                "3.1.1" or "311" => MqttProtocolVersion.V311,
                var other => Problem(problems, $"--mqtt-version: '{other}' is not 5 or 3.1.1", MqttProtocolVersion.V500),
            };
            var connections = parse.GetValue(_connections) ?? scenario.Connections ?? 4;
            if (connections is < 1 or > 100_000)
            {
                problems.Add($"--connections: {connections} must be 1 to 100000");
            }

            var inflight = parse.GetValue(_inflight) ?? 1000;
            if (inflight is < 1 or > ushort.MaxValue)
            {
                problems.Add($"--inflight: {inflight} must be 1 to 65535");
            }

            var username = parse.GetValue(_username) ?? scenario.Username;
            var password = parse.GetValue(_password) ?? Environment.GetEnvironmentVariable("FIRMWARE_SIM_PASSWORD") ?? scenario.Password;
            if (password is not null && username is null && version == MqttProtocolVersion.V311)
            {
                problems.Add("--password: MQTT 3.1.1 needs a --username with a password");
            }

            var connectTimeout = parse.GetValue(_connectTimeout) ?? 30;
            if (connectTimeout is < 0.1 or > 86_400)
            {
                problems.Add($"--connect-timeout: {connectTimeout} must be 0.1 to 86400 seconds");
                connectTimeout = 30;
            }

            var settings = new MqttFleetSettings
            {
                ConnectTimeout = TimeSpan.FromSeconds(connectTimeout),
                Host = host,
                Port = port,
                Tls = tls,
                CaFile = caFile,
                Username = username,
                Password = password,
                ProtocolVersion = version,
                QoS = (MqttQualityOfService)Math.Clamp(qos, 0, 2),
                Connections = Math.Clamp(connections, 1, 100_000),
                ConnectionPerDevice = parse.GetValue(_perDevice) || (scenario.ConnectionPerDevice ?? false),
                Inflight = (ushort)Math.Clamp(inflight, 1, ushort.MaxValue),
            };
            return parse.GetValue(_clientIdPrefix) is { } prefix ? settings with { ClientIdPrefix = prefix } : settings;
        }

        private static T Problem<T>(List<string> problems, string problem, T fallback)
        {
            problems.Add(problem);
            return fallback;
        }

        private static bool TryParseBroker(string text, int defaultPort, out string host, out int port)
        {
            port = defaultPort;
            host = text;
            var colon = text.LastIndexOf(':');
            if (colon > 0 && !text.EndsWith(']'))
            {
                host = text[..colon];
                if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
                {
                    return false;
                }
            }

            host = host.Trim('[', ']');
            return host.Length > 0;
        }
    }
}
