namespace EdgeGateway.Mqtt.Packets;

/// <summary>The MQTT 5.0 Retain Handling subscription option: when the server sends retained messages.</summary>
public enum MqttRetainHandling
{
    /// <summary>0: send retained messages at the time of the subscribe (the 3.1.1 behaviour).</summary>
    SendAtSubscribe = 0,

    /// <summary>1: send retained messages only if the subscription did not already exist.</summary>
    SendAtSubscribeIfNew = 1,

    /// <summary>2: do not send retained messages at the time of the subscribe.</summary>
    DoNotSend = 2,
}
