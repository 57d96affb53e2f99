using System.ComponentModel.DataAnnotations;

namespace EdgeGateway.Configuration;

/// <summary>Section <c>Gateway</c>: who this gateway is.</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Gateway";

    /// <summary>
    /// The gateway's identity, used as the Kafka record key and in every batch. Empty means the host
    /// name, which is unique across a fleet installed from one image. Same alphabet as device ids.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9._:-]{0,128}$", ErrorMessage = "must be 1-128 characters from A-Z a-z 0-9 . _ - :")]
    public string Id { get; set; } = string.Empty;

    /// <summary>A human-readable name shown to operators (e.g. the cabinet's street address).</summary>
    [MaxLength(256)]
    public string? Name { get; set; }

    /// <summary>The effective id: <see cref="Id"/>, or the host name when it is empty.</summary>
    public string EffectiveId => string.IsNullOrEmpty(Id) ? Environment.MachineName : Id;
}
