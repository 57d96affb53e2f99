namespace EdgeGateway.Domain;

/// <summary>
/// One measured value of one metric of one device: the unit of everything after decoding.
/// </summary>
public sealed class Reading
{
    /// <summary>The longest metric name accepted.</summary>
    public const int MaxMetricLength = 64;

    /// <summary>Creates a reading; every argument is checked.</summary>
    /// <param name="deviceId">The device that measured it.</param>
    /// <param name="metric">What was measured (e.g. <c>pm2_5</c>, <c>temperature</c>): 1-64 characters, no whitespace.</param>
    /// <param name="value">The value, finite.</param>
    /// <param name="unit">The unit as stated by the device or the context (e.g. <c>ug/m3</c>), or null when unknown.</param>
    /// <param name="eventTime">When the device measured it (its own clock), or null when the device sends no time.</param>
    /// <param name="receivedAt">When the gateway received it.</param>
    /// <param name="sequence">The per-device sequence number, zero or more, increasing in the order of measurement.</param>
    /// <param name="quality">What is known about its trustworthiness.</param>
    /// <param name="contextRevision">The revision of the device context applied to it, or null when none was.</param>
    /// <exception cref="ArgumentException">An argument breaks one of the rules above.</exception>
    public Reading(
        DeviceId deviceId,
        string metric,
        double value,
        string? unit,
        DateTimeOffset? eventTime,
        DateTimeOffset receivedAt,
        long sequence,
        ReadingQuality quality = ReadingQuality.None,
        long? contextRevision = null)
    {
        DeviceId = DomainGuard.Set(deviceId);
        Metric = DomainGuard.NotBlank(metric, MaxMetricLength);
        if (metric.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"metric '{metric}' must not contain whitespace.", nameof(metric));
        }

        Value = DomainGuard.Finite(value);
        Unit = DomainGuard.OptionalText(unit, 32);
        EventTime = eventTime is { } time ? DomainGuard.Utc(time, nameof(eventTime)) : null;
        ReceivedAt = DomainGuard.Utc(receivedAt);
        Sequence = sequence >= 0 ? sequence : throw new ArgumentOutOfRangeException(nameof(sequence), sequence, "sequence must not be negative.");
        if ((quality & ~AllQualityFlags) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(quality), quality, "Unknown quality flag.");
        }

        Quality = quality;
        ContextRevision = contextRevision is null or >= 1
            ? contextRevision
            : throw new ArgumentOutOfRangeException(nameof(contextRevision), contextRevision, "A context revision starts at 1.");
    }

    /// <summary>The device that measured it.</summary>
    public DeviceId DeviceId { get; }

    /// <summary>What was measured.</summary>
    public string Metric { get; }

    /// <summary>The value.</summary>
    public double Value { get; }

    /// <summary>The unit, or null when unknown.</summary>
    public string? Unit { get; }

    /// <summary>When the device measured it (device clock, UTC), or null.</summary>
    public DateTimeOffset? EventTime { get; }

    /// <summary>When the gateway received it (UTC).</summary>
    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The per-device sequence number.</summary>
    public long Sequence { get; }

    /// <summary>Quality flags.</summary>
    public ReadingQuality Quality { get; }

    /// <summary>The revision of the device context applied, or null.</summary>
    public long? ContextRevision { get; }

    /// <summary>
    /// A copy with the device context applied: the calibrated value, the context's unit, the added
    /// flags and the context's revision. Context application is the only sanctioned change to a reading.
    /// </summary>
    public Reading WithContext(double value, string? unit, ReadingQuality addedQuality, long contextRevision) =>
        new(DeviceId, Metric, value, unit, EventTime, ReceivedAt, Sequence, Quality | addedQuality, contextRevision);

    private const ReadingQuality AllQualityFlags =
        ReadingQuality.OutOfRange | ReadingQuality.UnknownDevice | ReadingQuality.Uncalibrated
        | ReadingQuality.ClockSkew | ReadingQuality.DeviceFault | ReadingQuality.Derived;
}
