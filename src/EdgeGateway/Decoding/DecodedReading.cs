using EdgeGateway.Domain;

namespace EdgeGateway.Decoding;

/// <summary>
/// One value a decoder found in a raw message: what the context stage turns into a domain
/// <see cref="Reading"/> (adding the receive time, the buffer sequence and the device's context).
/// </summary>
/// <remarks>
/// The decoders in this namespace only produce values that <see cref="Reading"/> accepts: a set device
/// id, a metric of 1 to <see cref="Reading.MaxMetricLength"/> characters without whitespace, a finite
/// value, a unit of 1 to 32 characters (or null) and a UTC event time (or null).
/// </remarks>
/// <param name="DeviceId">The device that measured the value.</param>
/// <param name="Metric">What was measured (e.g. <c>pm25</c>, <c>temperature</c>).</param>
/// <param name="Value">The value, finite, after the mapping's scale (if any).</param>
/// <param name="Unit">The unit the payload or the mapping states, or null when unknown.</param>
/// <param name="EventTime">When the device measured it, by the device's clock (UTC), or null when the payload carries no time.</param>
/// <param name="DeviceSequence">The device's own message counter when the payload carries one, or null.</param>
public readonly record struct DecodedReading(
    DeviceId DeviceId,
    string Metric,
    double Value,
    string? Unit,
    DateTimeOffset? EventTime,
    long? DeviceSequence);
