namespace EdgeGateway.Decoding;

/// <summary>
/// Why a raw message could not be decoded. The message goes to the dead-letter store with this reason,
/// the detail and its raw bytes; the reason is also what failures are counted and logged by (once per
/// cause, not once per message).
/// </summary>
public enum DecodeFailureReason
{
    /// <summary>The payload is empty (or, for the text formats, only whitespace).</summary>
    EmptyPayload,

    /// <summary>
    /// The payload is larger than the decoder (or the source, see <see cref="Domain.RawMessage.MaxPayloadBytes"/>) accepts.
    /// </summary>
    PayloadTooLarge,

    /// <summary>The payload is not valid UTF-8.</summary>
    InvalidUtf8,

    /// <summary>The payload is not well-formed JSON (the detail gives the position).</summary>
    MalformedJson,

    /// <summary>The JSON is valid but not an object, or not an array of objects, where the decoder expects one.</summary>
    NotAnObject,

    /// <summary>Neither the topic nor the payload names the device.</summary>
    MissingDeviceId,

    /// <summary>The device id found is not a valid <see cref="Domain.DeviceId"/> (or a device id field holds something other than a string or a number).</summary>
    InvalidDeviceId,

    /// <summary>The topic and the payload name different devices.</summary>
    DeviceIdMismatch,

    /// <summary>The message holds no value to take (none of the mapped fields, an empty batch or SenML pack).</summary>
    NoMetrics,

    /// <summary>A metric field holds something that is not a number (or a boolean, or a string holding a number).</summary>
    NonNumericValue,

    /// <summary>A value is NaN or infinite, as written or after scaling.</summary>
    NonFiniteValue,

    /// <summary>A metric name taken from the payload is empty, too long or holds whitespace.</summary>
    InvalidMetric,

    /// <summary>A unit taken from the payload is blank or longer than 32 characters.</summary>
    InvalidUnit,

    /// <summary>A time field is not an epoch number or an ISO 8601 string with a UTC offset, or is out of range.</summary>
    InvalidTime,

    /// <summary>The device's sequence field is not a whole number of zero or more.</summary>
    InvalidSequence,

    /// <summary>A field the decoder reads appears twice in one object.</summary>
    DuplicateField,

    /// <summary>The payload breaks a rule of SenML (RFC 8428) other than those with a reason of their own.</summary>
    InvalidSenml,

    /// <summary>The message holds more readings than <see cref="PayloadDecoders.MaxReadingsPerMessage"/>.</summary>
    TooManyReadings,

    /// <summary>The topic does not match the subscription's topic template.</summary>
    TopicMismatch,

    /// <summary>A frame from a serial device fails its checksum (PMS5003 sum, SDS011 sum, NMEA XOR, Modbus CRC).</summary>
    ChecksumMismatch,

    /// <summary>A frame from a serial device has the wrong length, start or end bytes, or fields it cannot hold.</summary>
    MalformedFrame,
}
