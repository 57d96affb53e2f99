using System.Globalization;
using System.Text.Json;
using FirmwareSim.Devices;
using FirmwareSim.Faults;
using FirmwareSim.Fleet;
using FirmwareSim.Payloads;
using FirmwareSim.Serial;

namespace FirmwareSim.Scenarios;

/// <summary>
/// Reads scenario files. Strict: an unknown key, a wrong type or a value out of range is an error that
/// names the file and the JSON path, so a typo never silently leaves a default in place.
/// </summary>
public static class ScenarioLoader
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Reads and checks a scenario file.</summary>
    /// <exception cref="ScenarioException">The file is missing, is not JSON, or has a bad value.</exception>
    public static Scenario Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException($"{path}: cannot read the scenario file: {error.Message}", error);
        }

        try
        {
            return Parse(text);
        }
        catch (ScenarioException error)
        {
            throw new ScenarioException($"{path}: {error.Message}", error);
        }
    }

    /// <summary>Parses scenario JSON.</summary>
    /// <exception cref="ScenarioException">Not JSON, or a bad value (the message names its JSON path).</exception>
    public static Scenario Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException error)
        {
            throw new ScenarioException($"not valid JSON: {error.Message}", error);
        }

        using (document)
        {
            var root = document.RootElement;
            Expect(root, JsonValueKind.Object, "$");
            var scenario = new Scenario();
            foreach (var property in root.EnumerateObject())
            {
                var path = $"$.{property.Name}";
                var value = property.Value;
                scenario = property.Name switch
                {
                    "seed" => scenario with { Seed = Long(value, path) },
                    "format" => scenario with { Format = Format(value, path) },
                    "qos" => scenario with { QoS = Int(value, path, 0, 2) },
                    "rate" => scenario with { Rate = Positive(value, path) },
                    "duration" => scenario with { Duration = Duration(value, path) },
                    "topicPrefix" => scenario with { TopicPrefix = String(value, path) },
                    "broker" => scenario with { Broker = String(value, path) },
                    "connections" => scenario with { Connections = Int(value, path, 1, 100_000) },
                    "connectionPerDevice" => scenario with { ConnectionPerDevice = Bool(value, path) },
                    "tls" => scenario with { Tls = Bool(value, path) },
                    "caFile" => scenario with { CaFile = String(value, path) },
                    "username" => scenario with { Username = String(value, path) },
                    "password" => scenario with { Password = String(value, path) },
                    "city" => scenario with { City = City(value, path) },
                    "devices" => scenario with { Devices = Array(value, path, Group) },
                    "faults" => scenario with { Faults = Faults(value, path) },
                    "serial" => scenario with { Serial = Array(value, path, SerialPort) },
                    _ => throw Unknown(path, "seed, format, qos, rate, duration, topicPrefix, broker, connections, connectionPerDevice, tls, caFile, username, password, city, devices, faults, serial"),
                };
            }

            return scenario;
        }
    }

    private static DeviceGroup Group(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Object, path);
        if (!element.TryGetProperty("model", out var modelElement))
        {
            throw new ScenarioException($"{path}.model: is required (one of {DeviceModels.NameList})");
        }

        var group = new DeviceGroup { Model = Model(modelElement, $"{path}.model") };
        foreach (var property in element.EnumerateObject())
        {
            var at = $"{path}.{property.Name}";
            var value = property.Value;
            group = property.Name switch
            {
                "model" => group,
                "count" => group with { Count = Int(value, at, 0, 1_000_000) },
                "interval" => group with { Interval = Duration(value, at, minimum: TimeSpan.FromMilliseconds(10)) },
                "firmware" => group with { Firmware = String(value, at) },
                "district" => group with { District = TopicLevel(value, at) },
                "format" => group with { Format = Format(value, at) },
                "clockDriftPpm" => group with { ClockDriftPpm = Number(value, at, 0, 10_000) },
                "clockOffset" => group with { ClockOffset = Duration(value, at) },
                "idPrefix" => group with { IdPrefix = TopicLevel(value, at) },
                _ => throw Unknown(at, "model, count, interval, firmware, district, format, clockDriftPpm, clockOffset, idPrefix"),
            };
        }

        return group;
    }

    private static DeviceModel Model(JsonElement element, string path)
    {
        var name = String(element, path);
        return DeviceModels.TryParse(name, out var model)
            ? model
            : throw new ScenarioException($"{path}: '{name}' is not one of {DeviceModels.NameList}");
    }

    private static CitySettings City(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Object, path);
        var city = new CitySettings();
        foreach (var property in element.EnumerateObject())
        {
            var at = $"{path}.{property.Name}";
            var value = property.Value;
            city = property.Name switch
            {
                "latitude" => city with { Latitude = Number(value, at, -89, 89) },
                "longitude" => city with { Longitude = Number(value, at, -180, 180) },
                "radiusKm" => city with { RadiusKm = Number(value, at, 0, 500) },
                "utcOffset" => city with { UtcOffset = Offset(value, at) },
                "districts" => city with { Districts = NonEmpty(Array(value, at, TopicLevel), at) },
                _ => throw Unknown(at, "latitude, longitude, radiusKm, utcOffset, districts"),
            };
        }

        return city;
    }

    private static FaultSettings Faults(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Object, path);
        var faults = FaultSettings.None;
        foreach (var property in element.EnumerateObject())
        {
            var text = property.Value.ValueKind switch
            {
                JsonValueKind.Number => property.Value.GetRawText(),
                JsonValueKind.String => property.Value.GetString()!,
                _ => throw new ScenarioException($"{path}.{property.Name}: expected a number or a string, found {Describe(property.Value)}"),
            };
            try
            {
                faults = faults.With(property.Name, text);
            }
            catch (FormatException error)
            {
                throw new ScenarioException($"{path}.{property.Name}: {error.Message}", error);
            }
        }

        return faults;
    }

    private static SerialPortSettings SerialPort(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.Object, path);
        if (!element.TryGetProperty("protocol", out var protocolElement))
        {
            throw new ScenarioException($"{path}.protocol: is required (one of {SerialProtocols.NameList})");
        }

        var protocolName = String(protocolElement, $"{path}.protocol");
        if (!SerialProtocols.TryParse(protocolName, out var protocol))
        {
            throw new ScenarioException($"{path}.protocol: '{protocolName}' is not one of {SerialProtocols.NameList}");
        }

        var port = new SerialPortSettings { Protocol = protocol };
        foreach (var property in element.EnumerateObject())
        {
            var at = $"{path}.{property.Name}";
            var value = property.Value;
            port = property.Name switch
            {
                "protocol" => port,
                "name" => port with { Name = TopicLevel(value, at) },
                "interval" => port with { Interval = Duration(value, at, minimum: TimeSpan.FromMilliseconds(10)) },
                "slaveId" => port with { SlaveId = (byte)Int(value, at, 1, 247) },
                "deviceId" => port with { DeviceId = TopicLevel(value, at) },
                "model" => port with { Model = Model(value, at) },
                _ => throw Unknown(at, "protocol, name, interval, slaveId, deviceId, model"),
            };
        }

        return port;
    }

    private static List<T> Array<T>(JsonElement element, string path, Func<JsonElement, string, T> item)
    {
        Expect(element, JsonValueKind.Array, path);
        return [.. element.EnumerateArray().Select((e, i) => item(e, $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]"))];
    }

    private static List<T> NonEmpty<T>(List<T> items, string path) =>
        items.Count > 0 ? items : throw new ScenarioException($"{path}: must not be empty");

    private static void Expect(JsonElement element, JsonValueKind kind, string path)
    {
        if (element.ValueKind != kind)
        {
            throw new ScenarioException($"{path}: expected {kind.ToString().ToLowerInvariant()}, found {Describe(element)}");
        }
    }

    private static string String(JsonElement element, string path)
    {
        Expect(element, JsonValueKind.String, path);
        return element.GetString()!;
    }

    private static string TopicLevel(JsonElement element, string path)
    {
        var text = String(element, path);
        return text.Length is > 0 and <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? text
            : throw new ScenarioException($"{path}: '{text}' must be 1 to 64 characters from A-Z a-z 0-9 - _ . (it becomes a topic level)");
    }

    private static bool Bool(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new ScenarioException($"{path}: expected true or false, found {Describe(element)}"),
    };

    private static long Long(JsonElement element, string path) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var value)
            ? value
            : throw new ScenarioException($"{path}: expected a whole number, found {Describe(element)}");

    private static int Int(JsonElement element, string path, int minimum, int maximum) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value) && value >= minimum && value <= maximum
            ? value
            : throw new ScenarioException($"{path}: expected a whole number from {minimum} to {maximum}, found {Describe(element)}");

    private static double Number(JsonElement element, string path, double minimum, double maximum) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var value) && value >= minimum && value <= maximum
            ? value
            : throw new ScenarioException($"{path}: expected a number from {minimum} to {maximum}, found {Describe(element)}");

    private static double Positive(JsonElement element, string path) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var value) && value > 0 && double.IsFinite(value)
            ? value
            : throw new ScenarioException($"{path}: expected a number above 0, found {Describe(element)}");

    private static TimeSpan Duration(JsonElement element, string path, TimeSpan? minimum = null)
    {
        var text = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
        return Durations.TryParse(text, out var duration) && duration >= (minimum ?? TimeSpan.Zero)
            ? duration
            : throw new ScenarioException($"{path}: expected a duration (500ms, 30s, 5m, 2h or seconds){(minimum is { } m ? $" of at least {Durations.Format(m)}" : string.Empty)}, found {Describe(element)}");
    }

    private static TimeSpan Offset(JsonElement element, string path)
    {
        var text = String(element, path);
        var sign = text.StartsWith('-') ? -1 : 1;
        return TimeSpan.TryParseExact(text.TrimStart('+', '-'), @"hh\:mm", CultureInfo.InvariantCulture, out var offset) && offset <= TimeSpan.FromHours(14)
            ? offset * sign
            : throw new ScenarioException($"{path}: expected an offset such as \"+01:00\", found {Describe(element)}");
    }

    private static PayloadFormat Format(JsonElement element, string path)
    {
        var text = String(element, path);
        return PayloadFormats.TryParse(text, out var format)
            ? format
            : throw new ScenarioException($"{path}: '{text}' is not one of json, senml");
    }

    private static ScenarioException Unknown(string path, string known) => new($"{path}: unknown key (known here: {known})");

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"\"{element.GetString()}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => element.GetRawText(),
    };
}
