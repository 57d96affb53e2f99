using EdgeGateway.Decoding;
using EdgeGateway.Domain;

namespace EdgeGateway.Sources.Serial.Modbus;

/// <summary>Turns a slave's response to the read of one configured register into its reading, scaled.</summary>
public sealed class ModbusRegisterDecoder(ModbusRegisterOptions register) : IPayloadDecoder
{
    private readonly DeviceId _deviceId = new(register.DeviceId);

    /// <inheritdoc />
    public DecoderKind Kind => DecoderKind.Modbus;

    /// <inheritdoc />
    public DecodeResult Decode(RawMessage message, DeviceId? deviceIdFromTopic)
    {
        ArgumentNullException.ThrowIfNull(message);
        ushort[] values;
        try
        {
            values = ModbusRtu.ParseReadResponse(message.Payload.Span, (byte)register.UnitId, (byte)register.Function, (ushort)register.RegisterCount);
        }
        catch (ModbusException error)
        {
            return DecodeResult.Fail(error.Reason == "checksum-mismatch" ? DecodeFailureReason.ChecksumMismatch : DecodeFailureReason.MalformedFrame, error.Message);
        }

        var value = ModbusRtu.Value(values, register);
        return double.IsFinite(value)
            ? DecodeResult.Success([new DecodedReading(_deviceId, register.Metric, value, register.Unit, null, null)])
            : DecodeResult.Fail(DecodeFailureReason.NonFiniteValue, $"register {register.Address} of unit {register.UnitId} holds a value that is not finite", register.Metric);
    }
}
