using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Context;

/// <summary>
/// The context stage: joins a decoded reading to its device's record, applies the calibration,
/// flags values outside the valid range or with a skewed clock (flags, never drops), and applies the
/// unknown-device policy.
/// </summary>
public sealed class ContextEnricher
{
    private readonly DeviceRegistry _registry;
    private volatile ContextOptions _options;

    /// <summary>Creates the stage over <paramref name="registry"/>.</summary>
    public ContextEnricher(DeviceRegistry registry, IOptions<ContextOptions> options)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        _registry = registry;
        _options = options.Value;
    }

    /// <summary>The unknown-device policy in force.</summary>
    public UnknownDevicePolicy UnknownDevices => _options.UnknownDevices;

    /// <summary>Takes a new unknown-device policy and clock-skew tolerance (from the next reading on).</summary>
    public void Apply(ContextOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>
    /// Enriches one reading. <paramref name="sequence"/> is the per-device sequence number (the
    /// device's own counter when it sends one, otherwise the gateway's).
    /// </summary>
    public async ValueTask<EnrichResult> EnrichAsync(DecodedReading decoded, DateTimeOffset receivedAt, long sequence, CancellationToken cancellationToken = default)
    {
        var options = _options;
        var quality = ReadingQuality.None;
        var context = _registry.Find(decoded.DeviceId);
        if (context is null)
        {
            switch (options.UnknownDevices)
            {
                case UnknownDevicePolicy.Reject:
                    return EnrichResult.Rejected($"device '{decoded.DeviceId}' is not in the registry (Context:UnknownDevices is reject)");
                case UnknownDevicePolicy.Register:
                    context = await _registry.RegisterProvisionalAsync(decoded.DeviceId, cancellationToken);
                    break;
            }

            quality |= ReadingQuality.UnknownDevice;
        }
        else if (context.IsProvisional)
        {
            quality |= ReadingQuality.UnknownDevice;
        }

        if (decoded.EventTime is { } eventTime && (eventTime - receivedAt).Duration() > options.ClockSkewTolerance)
        {
            quality |= ReadingQuality.ClockSkew;
        }

        var value = decoded.Value;
        var unit = decoded.Unit;
        if (context is not null && !context.IsProvisional)
        {
            if (context.Metrics.TryGetValue(decoded.Metric, out var metric))
            {
                if (metric.Calibration is { } calibration)
                {
                    value = calibration.Apply(value);
                    if (!double.IsFinite(value))
                    {
                        return EnrichResult.Rejected($"calibration of {decoded.Metric} = {decoded.Value} overflows");
                    }
                }

                unit = metric.Unit ?? unit;
                if (metric.ValidRange is { } range && !range.Contains(value))
                {
                    quality |= ReadingQuality.OutOfRange;
                }
            }
            else
            {
                // The record does not describe this metric: no calibration or range could be applied.
                quality |= ReadingQuality.Uncalibrated;
            }
        }

        return EnrichResult.Enriched(
            new Reading(decoded.DeviceId, decoded.Metric, value, unit, decoded.EventTime, receivedAt, sequence, quality, context?.Revision),
            context?.DeviceType);
    }
}

/// <summary>The outcome of the context stage for one reading.</summary>
public readonly record struct EnrichResult
{
    private EnrichResult(Reading? reading, string? rejection, string? deviceType = null)
    {
        Reading = reading;
        Rejection = rejection;
        DeviceType = deviceType;
    }

    /// <summary>The enriched reading, or null when rejected.</summary>
    public Reading? Reading { get; }

    /// <summary>Why the reading goes to the dead letters, or null.</summary>
    public string? Rejection { get; }

    /// <summary>The type of the device in its record (for metrics), or null when it has none.</summary>
    public string? DeviceType { get; }

    /// <summary>An enriched reading, with its device's type when known.</summary>
    public static EnrichResult Enriched(Reading reading, string? deviceType = null) => new(reading, null, deviceType);

    /// <summary>A reading to dead-letter, with the reason.</summary>
    public static EnrichResult Rejected(string reason) => new(null, reason);
}
