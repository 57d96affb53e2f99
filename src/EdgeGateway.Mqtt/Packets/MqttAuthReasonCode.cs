namespace EdgeGateway.Mqtt.Packets;

/// <summary>AUTH reason codes (MQTT 5.0, section 3.15.2.1). AUTH does not exist in MQTT 3.1.1.</summary>
public enum MqttAuthReasonCode
{
    /// <summary>0x00: authentication is successful.</summary>
    Success = 0x00,

    /// <summary>0x18: continue the authentication with another step.</summary>
    ContinueAuthentication = 0x18,

    /// <summary>0x19: initiate a re-authentication.</summary>
    ReAuthenticate = 0x19,
}
