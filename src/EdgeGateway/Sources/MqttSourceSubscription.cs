using System.ComponentModel.DataAnnotations;
using EdgeGateway.Decoding;

namespace EdgeGateway.Sources;

/// <summary>One MQTT subscription of the gateway: which topics, at which QoS, decoded how.</summary>
public sealed class MqttSourceSubscription : IValidatableObject
{
    /// <summary>
    /// The topic template, e.g. <c>city/{district}/aq/{deviceId}</c>: whole levels in braces are
    /// variables (the subscription filter uses <c>+</c> for them); <c>{deviceId}</c> names the device.
    /// </summary>
    [Required]
    public string Topic { get; set; } = string.Empty;

    /// <summary>The QoS to subscribe with; 1 or 2 for at-least-once (acknowledged after the buffer's commit).</summary>
    [Range(0, 2)]
    public int QoS { get; set; } = 1;

    /// <summary>False: kept in the configuration but not subscribed to (<c>pause_source</c>); messages published meanwhile are not received.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How payloads are decoded.</summary>
    [Required]
    public DecoderOptions Decoder { get; set; } = new();

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TopicTemplate.TryParse(Topic, out var template, out var problem))
        {
            yield return new ValidationResult(problem, [nameof(Topic)]);
            yield break;
        }

        if (!template.HasDeviceId && !Decoder.ReadsDeviceIdFromPayload)
        {
            yield return new ValidationResult("needs a {deviceId} level, or a decoder that reads the device id from the payload", [nameof(Topic)]);
        }
    }
}
