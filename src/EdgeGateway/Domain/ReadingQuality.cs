namespace EdgeGateway.Domain;

/// <summary>
/// What the gateway knows about the trustworthiness of a reading. Flags annotate; they never drop a
/// reading, so the cloud side decides what to do with doubtful data.
/// </summary>
[Flags]
public enum ReadingQuality
{
    /// <summary>Nothing doubtful is known.</summary>
    None = 0,

    /// <summary>The value lies outside the valid range of the device context.</summary>
    OutOfRange = 1 << 0,

    /// <summary>The device is not in the registry; it was registered with minimal context or accepted without any.</summary>
    UnknownDevice = 1 << 1,

    /// <summary>The metric has no calibration in the device context, so the raw value was kept.</summary>
    Uncalibrated = 1 << 2,

    /// <summary>The device's clock differs from the gateway's by more than the configured tolerance.</summary>
    ClockSkew = 1 << 3,

    /// <summary>The device reported a fault or degraded state together with the value.</summary>
    DeviceFault = 1 << 4,

    /// <summary>The value was derived by the gateway (e.g. a rate from pulse counts) rather than measured.</summary>
    Derived = 1 << 5,
}
