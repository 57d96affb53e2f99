using System.ComponentModel.DataAnnotations;

namespace EdgeGateway.Configuration;

/// <summary>Section <c>Gateway</c>: who this gateway is.</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Gateway";

    /// <summary>The status file's name when <see cref="StatusFile"/> is not set.</summary>
    public const string DefaultStatusFileName = "status.json";

    /// <summary>
    /// The gateway's identity, used as the Kafka record key and in every batch. Empty means the host
    /// name, which is unique across a fleet installed from one image. Same alphabet as device ids.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9._:-]{0,128}$", ErrorMessage = "must be 1-128 characters from A-Z a-z 0-9 . _ - :")]
    public string Id { get; set; } = string.Empty;

    /// <summary>A human-readable name shown to operators (e.g. the cabinet's street address).</summary>
    [MaxLength(256)]
    public string? Name { get; set; }

    /// <summary>
    /// Where the gateway writes its status snapshot (read by <c>edge-gateway status</c>). Empty means
    /// <c>status.json</c> in the directory of <c>Buffer:Path</c>; see <see cref="StatusFilePath"/>.
    /// </summary>
    public string? StatusFile { get; set; }

    /// <summary>How often the status snapshot is written (also once more when the gateway stops).</summary>
    [DurationRange("100ms", "1h")]
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The effective id: <see cref="Id"/>, or the host name when it is empty.</summary>
    public string EffectiveId => string.IsNullOrEmpty(Id) ? Environment.MachineName : Id;

    /// <summary>The full path of the status file: <see cref="StatusFile"/>, or <c>status.json</c> next to <paramref name="bufferPath"/>.</summary>
    /// <param name="bufferPath">The buffer's file (<c>Buffer:Path</c>).</param>
    public string StatusFilePath(string bufferPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bufferPath);
        return string.IsNullOrWhiteSpace(StatusFile)
            ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(bufferPath))!, DefaultStatusFileName)
            : Path.GetFullPath(StatusFile);
    }
}
