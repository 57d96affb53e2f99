using EdgeGateway.Mqtt.Packets;
using static EdgeGateway.Tests.Mqtt.MqttTestSupport;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>
/// Valid packets of every type for each protocol version: minimal ones and ones using every field the version has.
/// The round-trip, split-buffer and fuzz tests start from these.
/// </summary>
internal static class MqttSamplePackets
{
    private static readonly MqttUserProperty[] UserProperties =
    [
        new("site", "cabinet-17"),
        new("site", "duplicate names are allowed"),
        new("ünïcödé ✓", "𝄞 and 中文"),
        new("", ""),
    ];

    public static IReadOnlyDictionary<string, MqttPacket> For(MqttProtocolVersion version) =>
        version == MqttProtocolVersion.V500 ? V500 : V311;

    public static IEnumerable<string> Names(MqttProtocolVersion version) => For(version).Keys;

    public static readonly IReadOnlyDictionary<string, MqttPacket> V311 = new Dictionary<string, MqttPacket>
    {
        ["connect-minimal"] = new MqttConnectPacket { ClientId = "c1" },
        ["connect-empty-client-id"] = new MqttConnectPacket { ClientId = "", CleanStart = true, KeepAlive = 0 },
        ["connect-full"] = new MqttConnectPacket
        {
            ClientId = "edge-gateway-gw-1",
            CleanStart = false,
            KeepAlive = 30,
            UserName = "gateway",
            Password = Bytes("s3cret"),
            Will = new MqttWillMessage { Topic = "gateways/gw-1/status", Payload = Bytes("offline"), QoS = MqttQualityOfService.AtLeastOnce, Retain = true },
        },
        ["connect-will-qos2-empty-payload"] = new MqttConnectPacket
        {
            ClientId = "c",
            Will = new MqttWillMessage { Topic = "w", QoS = MqttQualityOfService.ExactlyOnce },
            UserName = "",
            Password = ReadOnlyMemory<byte>.Empty,
        },
        ["connack-accepted"] = new MqttConnAckPacket { SessionPresent = true },
        ["connack-refused"] = new MqttConnAckPacket { ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword },
        ["publish-qos0"] = new MqttPublishPacket { TopicName = "sensors/aq-1/pm2_5", Payload = Bytes("{\"v\":12.5}") },
        ["publish-qos0-empty-payload"] = new MqttPublishPacket { TopicName = "a", Retain = true },
        ["publish-qos1-dup"] = new MqttPublishPacket
        {
            TopicName = "sensors/ünï/$x",
            QoS = MqttQualityOfService.AtLeastOnce,
            PacketIdentifier = 1,
            Dup = true,
            Payload = new byte[] { 0, 1, 2, 255 },
        },
        ["publish-qos2-large"] = new MqttPublishPacket
        {
            TopicName = "$SYS/big",
            QoS = MqttQualityOfService.ExactlyOnce,
            PacketIdentifier = 65535,
            Payload = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31)).ToArray(),
        },
        ["puback"] = new MqttPubAckPacket { PacketIdentifier = 7 },
        ["pubrec"] = new MqttPubRecPacket { PacketIdentifier = 8 },
        ["pubrel"] = new MqttPubRelPacket { PacketIdentifier = 9 },
        ["pubcomp"] = new MqttPubCompPacket { PacketIdentifier = 10 },
        ["subscribe"] = new MqttSubscribePacket
        {
            PacketIdentifier = 11,
            Subscriptions =
            [
                new("sensors/+/pm2_5", new(MqttQualityOfService.AtLeastOnce)),
                new("#", new(MqttQualityOfService.AtMostOnce)),
                new("a//b/+/#", new(MqttQualityOfService.ExactlyOnce)),
            ],
        },
        ["suback"] = new MqttSubAckPacket
        {
            PacketIdentifier = 11,
            ReasonCodes = [MqttSubAckReasonCode.GrantedQoS1, MqttSubAckReasonCode.GrantedQoS0, MqttSubAckReasonCode.GrantedQoS2, MqttSubAckReasonCode.UnspecifiedError],
        },
        ["unsubscribe"] = new MqttUnsubscribePacket { PacketIdentifier = 12, TopicFilters = ["sensors/+/pm2_5", "#"] },
        ["unsuback"] = new MqttUnsubAckPacket { PacketIdentifier = 12 },
        ["pingreq"] = MqttPingReqPacket.Instance,
        ["pingresp"] = MqttPingRespPacket.Instance,
        ["disconnect"] = new MqttDisconnectPacket(),
    };

    public static readonly IReadOnlyDictionary<string, MqttPacket> V500 = new Dictionary<string, MqttPacket>
    {
        ["connect-minimal"] = new MqttConnectPacket { ClientId = "c1" },
        ["connect-password-without-user-name"] = new MqttConnectPacket { ClientId = "", CleanStart = false, Password = Bytes("token") },
        ["connect-full"] = new MqttConnectPacket
        {
            ClientId = "edge-gateway-gw-1",
            CleanStart = false,
            KeepAlive = 65535,
            UserName = "gateway",
            Password = Bytes("s3cret"),
            SessionExpiryInterval = uint.MaxValue,
            ReceiveMaximum = 100,
            MaximumPacketSize = 1_048_576,
            TopicAliasMaximum = 10,
            RequestResponseInformation = true,
            RequestProblemInformation = false,
            AuthenticationMethod = "SCRAM-SHA-256",
            AuthenticationData = new byte[] { 1, 2, 3 },
            UserProperties = UserProperties,
            Will = new MqttWillMessage
            {
                Topic = "gateways/gw-1/status",
                Payload = Bytes("offline"),
                QoS = MqttQualityOfService.ExactlyOnce,
                Retain = true,
                WillDelayInterval = 5,
                PayloadFormatIndicator = MqttPayloadFormatIndicator.Utf8,
                MessageExpiryInterval = 3600,
                ContentType = "text/plain",
                ResponseTopic = "gateways/gw-1/replies",
                CorrelationData = new byte[] { 0xCA, 0xFE },
                UserProperties = UserProperties,
            },
        },
        ["connack-minimal"] = new MqttConnAckPacket(),
        ["connack-refused"] = new MqttConnAckPacket { ReasonCode = MqttConnectReasonCode.QuotaExceeded, ReasonString = "too many connections" },
        ["connack-full"] = new MqttConnAckPacket
        {
            SessionPresent = true,
            SessionExpiryInterval = 0,
            ReceiveMaximum = 20,
            MaximumQoS = MqttQualityOfService.AtLeastOnce,
            RetainAvailable = false,
            MaximumPacketSize = 268_435_460,
            AssignedClientIdentifier = "auto-1234",
            TopicAliasMaximum = 0,
            ReasonString = "welcome",
            WildcardSubscriptionAvailable = true,
            SubscriptionIdentifiersAvailable = false,
            SharedSubscriptionAvailable = true,
            ServerKeepAlive = 60,
            ResponseInformation = "responses/",
            ServerReference = "other.example:1883",
            AuthenticationMethod = "SCRAM-SHA-256",
            AuthenticationData = ReadOnlyMemory<byte>.Empty,
            UserProperties = UserProperties,
        },
        ["publish-qos0"] = new MqttPublishPacket { TopicName = "sensors/aq-1/pm2_5", Payload = Bytes("{\"v\":12.5}") },
        ["publish-alias-set"] = new MqttPublishPacket { TopicName = "sensors/aq-1/pm10", TopicAlias = 1, Payload = Bytes("1") },
        ["publish-alias-only"] = new MqttPublishPacket { TopicName = "", TopicAlias = 1, QoS = MqttQualityOfService.AtLeastOnce, PacketIdentifier = 2, Payload = Bytes("2") },
        ["publish-full"] = new MqttPublishPacket
        {
            TopicName = "sensors/aq-1/pm2_5",
            QoS = MqttQualityOfService.ExactlyOnce,
            PacketIdentifier = 300,
            Retain = true,
            Dup = true,
            Payload = Bytes("{\"v\":12.5}"),
            PayloadFormatIndicator = MqttPayloadFormatIndicator.Utf8,
            MessageExpiryInterval = 120,
            TopicAlias = 65535,
            ResponseTopic = "replies/gw-1",
            CorrelationData = new byte[] { 9, 8, 7 },
            ContentType = "application/json",
            SubscriptionIdentifiers = [1, 127, 128, 16_384, 268_435_455],
            UserProperties = UserProperties,
        },
        ["publish-qos1-large"] = new MqttPublishPacket
        {
            TopicName = "big",
            QoS = MqttQualityOfService.AtLeastOnce,
            PacketIdentifier = 1,
            Payload = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7)).ToArray(),
        },
        ["puback-minimal"] = new MqttPubAckPacket { PacketIdentifier = 7 },
        ["puback-reason"] = new MqttPubAckPacket { PacketIdentifier = 7, ReasonCode = MqttPubAckReasonCode.NoMatchingSubscribers },
        ["puback-full"] = new MqttPubAckPacket { PacketIdentifier = 7, ReasonCode = MqttPubAckReasonCode.QuotaExceeded, ReasonString = "buffer full", UserProperties = UserProperties },
        ["puback-success-with-properties"] = new MqttPubAckPacket { PacketIdentifier = 7, ReasonString = "ok" },
        ["pubrec-minimal"] = new MqttPubRecPacket { PacketIdentifier = 8 },
        ["pubrec-full"] = new MqttPubRecPacket { PacketIdentifier = 8, ReasonCode = MqttPubAckReasonCode.PacketIdentifierInUse, ReasonString = "in use", UserProperties = UserProperties },
        ["pubrel-minimal"] = new MqttPubRelPacket { PacketIdentifier = 9 },
        ["pubrel-reason"] = new MqttPubRelPacket { PacketIdentifier = 9, ReasonCode = MqttPubRelReasonCode.PacketIdentifierNotFound },
        ["pubcomp-minimal"] = new MqttPubCompPacket { PacketIdentifier = 10 },
        ["pubcomp-full"] = new MqttPubCompPacket { PacketIdentifier = 10, ReasonCode = MqttPubRelReasonCode.PacketIdentifierNotFound, ReasonString = "gone", UserProperties = UserProperties },
        ["subscribe-minimal"] = new MqttSubscribePacket { PacketIdentifier = 11, Subscriptions = [new("a", new(MqttQualityOfService.AtMostOnce))] },
        ["subscribe-full"] = new MqttSubscribePacket
        {
            PacketIdentifier = 11,
            SubscriptionIdentifier = 268_435_455,
            UserProperties = UserProperties,
            Subscriptions =
            [
                new("sensors/+/pm2_5", new(MqttQualityOfService.AtLeastOnce, NoLocal: true, RetainAsPublished: true, MqttRetainHandling.DoNotSend)),
                new("$share/gateways/sensors/#", new(MqttQualityOfService.ExactlyOnce, RetainAsPublished: true, RetainHandling: MqttRetainHandling.SendAtSubscribeIfNew)),
                new("+", new(MqttQualityOfService.AtMostOnce)),
            ],
        },
        ["suback-full"] = new MqttSubAckPacket
        {
            PacketIdentifier = 11,
            ReasonCodes = [MqttSubAckReasonCode.GrantedQoS1, MqttSubAckReasonCode.SharedSubscriptionsNotSupported, MqttSubAckReasonCode.WildcardSubscriptionsNotSupported],
            ReasonString = "partly",
            UserProperties = UserProperties,
        },
        ["unsubscribe"] = new MqttUnsubscribePacket { PacketIdentifier = 12, TopicFilters = ["sensors/+/pm2_5", "$share/g/#"], UserProperties = UserProperties },
        ["unsuback"] = new MqttUnsubAckPacket
        {
            PacketIdentifier = 12,
            ReasonCodes = [MqttUnsubAckReasonCode.Success, MqttUnsubAckReasonCode.NoSubscriptionExisted],
            ReasonString = "done",
            UserProperties = UserProperties,
        },
        ["pingreq"] = MqttPingReqPacket.Instance,
        ["pingresp"] = MqttPingRespPacket.Instance,
        ["disconnect-minimal"] = new MqttDisconnectPacket(),
        ["disconnect-reason"] = new MqttDisconnectPacket { ReasonCode = MqttDisconnectReasonCode.DisconnectWithWillMessage },
        ["disconnect-full"] = new MqttDisconnectPacket
        {
            ReasonCode = MqttDisconnectReasonCode.ServerMoved,
            SessionExpiryInterval = 10,
            ReasonString = "moved",
            ServerReference = "new.example",
            UserProperties = UserProperties,
        },
        ["auth-minimal"] = new MqttAuthPacket(),
        ["auth-full"] = new MqttAuthPacket
        {
            ReasonCode = MqttAuthReasonCode.ContinueAuthentication,
            AuthenticationMethod = "SCRAM-SHA-256",
            AuthenticationData = new byte[] { 1, 2, 3, 4 },
            ReasonString = "step 2",
            UserProperties = UserProperties,
        },
    };
}
