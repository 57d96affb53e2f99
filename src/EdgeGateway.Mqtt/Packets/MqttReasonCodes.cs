namespace EdgeGateway.Mqtt.Packets;

/// <summary>Mapping between MQTT 3.1.1 return codes and the MQTT 5.0 reason code enums.</summary>
internal static class MqttReasonCodes
{
    /// <summary>The MQTT 5.0 reason code for a 3.1.1 CONNACK return code (0-5), or null for any other byte.</summary>
    public static MqttConnectReasonCode? FromV311ReturnCode(byte returnCode) => returnCode switch
    {
        0 => MqttConnectReasonCode.Success,
        1 => MqttConnectReasonCode.UnsupportedProtocolVersion,
        2 => MqttConnectReasonCode.ClientIdentifierNotValid,
        3 => MqttConnectReasonCode.ServerUnavailable,
        4 => MqttConnectReasonCode.BadUserNameOrPassword,
        5 => MqttConnectReasonCode.NotAuthorized,
        _ => null,
    };

    /// <summary>The 3.1.1 CONNACK return code for a reason code, or null when 3.1.1 has no equivalent.</summary>
    public static byte? ToV311ReturnCode(MqttConnectReasonCode reasonCode) => reasonCode switch
    {
        MqttConnectReasonCode.Success => 0,
        MqttConnectReasonCode.UnsupportedProtocolVersion => 1,
        MqttConnectReasonCode.ClientIdentifierNotValid => 2,
        MqttConnectReasonCode.ServerUnavailable => 3,
        MqttConnectReasonCode.BadUserNameOrPassword => 4,
        MqttConnectReasonCode.NotAuthorized => 5,
        _ => null,
    };

    /// <summary>Whether a byte is a 3.1.1 SUBACK return code: 0, 1, 2 (granted QoS) or 0x80 (failure).</summary>
    public static bool IsV311SubAckReturnCode(byte code) => code is 0x00 or 0x01 or 0x02 or 0x80;
}
