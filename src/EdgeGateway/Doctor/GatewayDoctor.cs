using System.Net.Sockets;
using System.Runtime.InteropServices;
using EdgeGateway.Configuration;
using EdgeGateway.Hardware;
using EdgeGateway.Hardware.Gpio;
using EdgeGateway.Kafka.Native;
using EdgeGateway.Kafka.Probing;
using EdgeGateway.Observability;
using EdgeGateway.Sources.Serial;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Doctor;

/// <summary>
/// The checks behind <c>edge-gateway doctor</c>: everything outside the configuration file itself that
/// keeps a gateway from working on a device — native libraries, the state directory and its free disk,
/// access to the configured devices, whether the MQTT broker and the Kafka brokers answer, and whether a
/// gateway already running with this configuration says it is ready (<c>/readyz</c>). Each
/// check returns a finding with what to fix; none changes anything on the device.
/// </summary>
public sealed class GatewayDoctor(GatewayConfiguration configuration, TimeSpan timeout)
{
    // The library LibGpiodChip binds; loading it here tells a missing libgpiod2 from a missing chip.
    private const string LibGpiodLibraryName = "libgpiod.so.2";

    /// <summary>Runs every check, in the order an operator would fix them.</summary>
    public async Task<IReadOnlyList<DoctorFinding>> RunAsync(CancellationToken cancellationToken)
    {
        var findings = new List<DoctorFinding>
        {
            DoctorFinding.Ok("config", $"{configuration.FilePath} is valid (gateway '{configuration.Gateway.EffectiveId}')"),
            CheckLibRdKafka(),
            CheckSqlite(),
        };
        findings.AddRange(CheckStateDirectories());
        findings.Add(CheckFreeDisk());
        findings.AddRange(CheckSerialPorts());
        findings.AddRange(CheckGpioChip());
        findings.Add(await CheckMqttAsync(cancellationToken));
        findings.Add(await Task.Run(CheckKafka, cancellationToken));
        findings.Add(await CheckReadinessAsync(cancellationToken));
        return findings;
    }

    private static DoctorFinding CheckLibRdKafka()
    {
        try
        {
            return DoctorFinding.Ok("librdkafka", $"{LibRdKafka.SystemLibraryName} {LibRdKafka.Version}");
        }
        catch (DllNotFoundException)
        {
            return DoctorFinding.Failure("librdkafka", $"{LibRdKafka.SystemLibraryName} cannot be loaded", "apt-get install librdkafka1");
        }
    }

    private static DoctorFinding CheckSqlite()
    {
        try
        {
            using var connection = new SqliteConnection("Data Source=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT sqlite_version()";
            return DoctorFinding.Ok("sqlite", $"SQLite {command.ExecuteScalar()} ({RuntimeInformation.ProcessArchitecture})");
        }
        catch (Exception error) when (error is DllNotFoundException or TypeInitializationException or SqliteException)
        {
            return DoctorFinding.Failure("sqlite", $"the bundled SQLite library cannot be loaded: {error.GetBaseException().Message}", "reinstall the package for this architecture (dpkg --print-architecture)");
        }
    }

    private IEnumerable<DoctorFinding> CheckStateDirectories()
    {
        var files = new (string Check, string Key, string Path)[]
        {
            ("buffer", "Buffer:Path", configuration.Buffer.Path),
            ("registry", "Context:RegistryPath", configuration.Context.RegistryPath),
        };
        foreach (var (check, key, path) in files)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!Directory.Exists(directory))
            {
                yield return DoctorFinding.Failure(check, $"directory {directory} ({key}) does not exist", $"create it, owned by the service user: install -d -o edgegw -g edgegw {directory}");
                continue;
            }

            yield return DeviceAccess.Check(directory) == DeviceAccessResult.ReadWrite
                ? DoctorFinding.Ok(check, $"{directory} is writable ({key})")
                : DoctorFinding.Failure(check, $"{directory} ({key}) is not writable by {Environment.UserName}", $"chown edgegw:edgegw {directory}, or run the doctor as the service user: sudo -u edgegw edge-gateway doctor");
        }

        if (configuration.Context.DevicesFile is { } devicesFile)
        {
            yield return File.Exists(devicesFile)
                ? DoctorFinding.Ok("devices", $"devices file {devicesFile}")
                : DoctorFinding.Failure("devices", $"devices file {devicesFile} (Context:DevicesFile) does not exist", "create it (an example: /usr/share/doc/edge-gateway/examples/devices.json) or remove the key");
        }
    }

    private DoctorFinding CheckFreeDisk()
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(configuration.Buffer.Path))!;
        while (!Directory.Exists(directory))
        {
            directory = Path.GetDirectoryName(directory) ?? "/";
        }

        var free = new DriveInfo(directory).AvailableFreeSpace;
        var guard = configuration.Buffer.MinFreeDisk.Bytes;
        var wanted = guard + configuration.Buffer.MaxSize.Bytes;
        var detail = $"{Mib(free)} MiB free at {directory}; the buffer may use {Mib(configuration.Buffer.MaxSize.Bytes)} MiB and stops at {Mib(guard)} MiB free";
        if (free <= guard)
        {
            return DoctorFinding.Failure("disk", detail, "free disk space, or lower Buffer:MinFreeDisk: the gateway refuses new readings below it");
        }

        return free < wanted
            ? DoctorFinding.Warning("disk", detail, "a full backlog would reach the free-disk guard before Buffer:MaxSize; lower Buffer:MaxSize or free space")
            : DoctorFinding.Ok("disk", detail);
    }

    private IEnumerable<DoctorFinding> CheckSerialPorts()
    {
        var serial = configuration.Root.GetSection(SerialOptions.SectionName).Get<SerialOptions>() ?? new SerialOptions();
        foreach (var port in serial.Ports)
        {
            yield return DeviceAccess.Check(port.Path) switch
            {
                DeviceAccessResult.ReadWrite => DoctorFinding.Ok("serial", $"{port.Path} can be opened for reading and writing"),
                DeviceAccessResult.Missing => DoctorFinding.Failure("serial", $"{port.Path} does not exist", "plug the sensor in, or check the name: ls -l /dev/serial/by-id/"),
                _ => DoctorFinding.Failure("serial", $"{port.Path} is not readable and writable by {Environment.UserName}", "add the service user to the device's group: usermod -aG dialout edgegw"),
            };
        }
    }

    private IEnumerable<DoctorFinding> CheckGpioChip()
    {
        var gpio = configuration.Gpio;
        if (gpio.Lines.Count == 0)
        {
            yield break;
        }

        if (gpio.Chip.StartsWith(SocketGpioChip.Prefix, StringComparison.Ordinal))
        {
            var socket = gpio.Chip[SocketGpioChip.Prefix.Length..];
            yield return File.Exists(socket)
                ? DoctorFinding.Ok("gpio", $"simulated chip {socket} exists ({gpio.Lines.Count} lines)")
                : DoctorFinding.Failure("gpio", $"simulated chip {socket} does not exist", "start firmware-sim with --gpio-socket first, or point Gpio:Chip at /dev/gpiochipN");
            yield break;
        }

        if (!NativeLibrary.TryLoad(LibGpiodLibraryName, out var handle))
        {
            yield return DoctorFinding.Failure("gpio", $"{LibGpiodLibraryName} cannot be loaded", "apt-get install libgpiod2");
            yield break;
        }

        NativeLibrary.Free(handle);
        var path = gpio.Chip.StartsWith('/') ? gpio.Chip : "/dev/" + gpio.Chip;
        yield return DeviceAccess.Check(path) switch
        {
            DeviceAccessResult.ReadWrite => DoctorFinding.Ok("gpio", $"{path} can be opened for reading and writing ({gpio.Lines.Count} lines)"),
            DeviceAccessResult.Missing => DoctorFinding.Failure("gpio", $"{path} does not exist", "check the chip's name with gpiodetect (on a Raspberry Pi 5 the header is gpiochip4)"),
            _ => DoctorFinding.Failure("gpio", $"{path} is not readable and writable by {Environment.UserName}", "add the service user to the chip's group: usermod -aG gpio edgegw"),
        };
    }

    private async Task<DoctorFinding> CheckMqttAsync(CancellationToken cancellationToken)
    {
        var mqtt = configuration.Mqtt;
        var endpoint = $"{mqtt.Host}:{mqtt.Port}";
        if (mqtt.Subscriptions.Count == 0)
        {
            return DoctorFinding.Ok("mqtt", $"no subscriptions configured; broker {endpoint} not needed");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(mqtt.Host, mqtt.Port, deadline.Token);
            return DoctorFinding.Ok("mqtt", $"broker {endpoint} accepts connections");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DoctorFinding.Failure("mqtt", $"broker {endpoint} did not answer within {timeout.TotalSeconds:0.#} s", "check Mqtt:Host/Port and the firewall");
        }
        catch (SocketException error)
        {
            return DoctorFinding.Failure("mqtt", $"broker {endpoint}: {error.Message}", "start the broker (systemctl status mosquitto) or fix Mqtt:Host/Port");
        }
    }

    private DoctorFinding CheckKafka()
    {
        var kafka = configuration.Kafka;
        if (string.IsNullOrWhiteSpace(kafka.BootstrapServers))
        {
            return DoctorFinding.Warning("kafka", "Kafka:BootstrapServers is not set: readings go to an embedded in-memory mock cluster", "set Kafka:BootstrapServers to your cluster; the embedded one is for try-outs and loses records");
        }

        try
        {
            var result = KafkaClusterProbe.Probe(kafka.BootstrapServers, kafka.Topic, timeout, kafka.ToClientSecurity());
            return result.TopicExists == true
                ? DoctorFinding.Ok("kafka", $"{kafka.BootstrapServers}: {result.Brokers} broker(s), topic {kafka.Topic} exists")
                : DoctorFinding.Warning("kafka", $"{kafka.BootstrapServers}: {result.Brokers} broker(s), but topic {kafka.Topic} does not exist", "create the topic, or make sure the cluster auto-creates topics");
        }
        catch (Confluent.Kafka.KafkaException error)
        {
            return DoctorFinding.Failure("kafka", $"{kafka.BootstrapServers} did not answer within {timeout.TotalSeconds:0.#} s ({error.Error.Reason})", "check Kafka:BootstrapServers, DNS and the firewall, and Kafka:SecurityProtocol with its Ssl and Sasl settings");
        }
        catch (DllNotFoundException)
        {
            return DoctorFinding.Failure("kafka", "cannot probe the brokers without librdkafka", "apt-get install librdkafka1");
        }
    }

    /// <summary>
    /// Asks a gateway already running with this configuration whether it is ready (<c>/readyz</c>). None
    /// running is no problem for the doctor: it is often run before the service is started.
    /// </summary>
    private async Task<DoctorFinding> CheckReadinessAsync(CancellationToken cancellationToken)
    {
        var http = configuration.Observability.Http;
        if (!http.Enabled)
        {
            return DoctorFinding.Ok("readiness", "Observability:Http is disabled; a running gateway's readiness cannot be asked");
        }

        var uri = http.ListenUri;
        if (uri.Port == 0)
        {
            return DoctorFinding.Ok("readiness", "Observability:Http:Url has port 0 (any free port); a running gateway's readiness is not asked");
        }

        // A gateway listening on every address still answers on loopback.
        var host = uri.Host is "0.0.0.0" or "[::]" ? "127.0.0.1" : uri.Host;
        var ready = new UriBuilder(uri) { Host = host, Path = ObservabilityHttpServer.ReadyPath }.Uri;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var client = new HttpClient();
        try
        {
            using var response = await client.GetAsync(ready, deadline.Token);
            var body = await response.Content.ReadAsStringAsync(deadline.Token);
            if (response.IsSuccessStatusCode)
            {
                return DoctorFinding.Ok("readiness", $"the gateway running at {ready} is ready");
            }

            return DoctorFinding.Warning(
                "readiness",
                $"the gateway running at {ready} is not ready ({(int)response.StatusCode}): {FailedChecks(body)}",
                "fix what the failed checks name; edge-gateway status shows the gateway's counters");
        }
        catch (HttpRequestException error) when (error.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return DoctorFinding.Ok("readiness", $"no gateway is running at {ready} (nothing to ask)");
        }
        catch (Exception error) when (error is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return DoctorFinding.Warning("readiness", $"{ready} did not answer as a gateway: {error.Message}", "check that Observability:Http:Url is this gateway's and that nothing else uses the port");
        }
    }

    private static string FailedChecks(string body)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            var failed = json.RootElement.GetProperty("checks").EnumerateArray()
                .Where(c => !c.GetProperty("ok").GetBoolean())
                .Select(c => c.TryGetProperty("detail", out var detail) ? $"{c.GetProperty("name").GetString()}: {detail.GetString()}" : c.GetProperty("name").GetString());
            return string.Join("; ", failed);
        }
        catch (Exception error) when (error is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }

    private static long Mib(long bytes) => bytes / (1024 * 1024);
}
