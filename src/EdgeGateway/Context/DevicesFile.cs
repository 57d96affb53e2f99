using System.Text.Json;

namespace EdgeGateway.Context;

/// <summary>
/// The devices file loaded at start: <c>{ "devices": [ { "id": ..., "type": ..., ... } ] }</c>.
/// Every device is checked; all problems are reported together, each naming the device and field.
/// </summary>
public static class DevicesFile
{
    /// <summary>Reads and checks a devices file.</summary>
    /// <exception cref="DevicesFileException">The file is missing, not JSON, or has invalid devices.</exception>
    public static IReadOnlyList<DeviceDocument> Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        DevicesFileDocument? file;
        try
        {
            using var stream = File.OpenRead(path);
            file = JsonSerializer.Deserialize(stream, ContextJsonContext.Default.DevicesFileDocument);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DevicesFileException(path, [$"the file does not exist"]);
        }
        catch (JsonException error)
        {
            throw new DevicesFileException(path, [$"not valid JSON: {error.Message}"]);
        }

        var devices = file?.Devices ?? throw new DevicesFileException(path, ["expected an object with a \"devices\" list"]);
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < devices.Count; i++)
        {
            var device = devices[i];
            if (device is null)
            {
                problems.Add($"devices[{i}]: is null");
                continue;
            }

            try
            {
                DeviceDocumentMapper.ToContext(device, 1, DateTimeOffset.UnixEpoch.AddSeconds(1));
            }
            catch (DeviceDocumentException error)
            {
                problems.Add($"devices[{i}]: {error.Message}");
                continue;
            }

            if (!seen.Add(device.Id!))
            {
                problems.Add($"devices[{i}]: device '{device.Id}' appears more than once");
            }
        }

        return problems.Count == 0 ? devices : throw new DevicesFileException(path, problems);
    }
}

/// <summary>The devices file cannot be used; <see cref="Problems"/> lists why.</summary>
public sealed class DevicesFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DevicesFileException(string path, IReadOnlyList<string> problems)
        : base($"The devices file '{path}' is invalid:{string.Concat(problems.Select(p => $"{Environment.NewLine}  {p}"))}")
    {
        Path = path;
        Problems = problems;
    }

    /// <summary>Creates the exception.</summary>
    public DevicesFileException()
        : this(string.Empty, [])
    {
    }

    /// <summary>Creates the exception.</summary>
    public DevicesFileException(string message)
        : base(message) => Problems = [];

    /// <summary>Creates the exception.</summary>
    public DevicesFileException(string message, Exception innerException)
        : base(message, innerException) => Problems = [];

    /// <summary>The file.</summary>
    public string? Path { get; }

    /// <summary>One line per problem.</summary>
    public IReadOnlyList<string> Problems { get; }
}
