namespace EdgeGateway.Mqtt.Packets;

/// <summary>Where a property block sits: each allows its own set of properties (MQTT 5.0, table 2-4).</summary>
internal enum PropertyContext
{
    Connect,
    Will,
    ConnAck,
    Publish,
    Acknowledgement,
    Subscribe,
    SubAck,
    Unsubscribe,
    UnsubAck,
    Disconnect,
    Auth,
}

/// <summary>The properties read from one block; fields stay null when absent.</summary>
internal struct DecodedProperties
{
    public MqttPayloadFormatIndicator? PayloadFormatIndicator;
    public uint? MessageExpiryInterval;
    public string? ContentType;
    public string? ResponseTopic;
    public ReadOnlyMemory<byte>? CorrelationData;
    public List<uint>? SubscriptionIdentifiers;
    public uint? SessionExpiryInterval;
    public string? AssignedClientIdentifier;
    public ushort? ServerKeepAlive;
    public string? AuthenticationMethod;
    public ReadOnlyMemory<byte>? AuthenticationData;
    public bool? RequestProblemInformation;
    public uint? WillDelayInterval;
    public bool? RequestResponseInformation;
    public string? ResponseInformation;
    public string? ServerReference;
    public string? ReasonString;
    public ushort? ReceiveMaximum;
    public ushort? TopicAliasMaximum;
    public ushort? TopicAlias;
    public MqttQualityOfService? MaximumQoS;
    public bool? RetainAvailable;
    public List<MqttUserProperty>? UserProperties;
    public uint? MaximumPacketSize;
    public bool? WildcardSubscriptionAvailable;
    public bool? SubscriptionIdentifiersAvailable;
    public bool? SharedSubscriptionAvailable;

    // The empty case is Array.Empty (typed as IReadOnlyList on purpose: "List ?? []" would allocate a new list).
    public readonly IReadOnlyList<MqttUserProperty> UserPropertyList => (IReadOnlyList<MqttUserProperty>?)UserProperties ?? [];

    public readonly IReadOnlyList<uint> SubscriptionIdentifierList => (IReadOnlyList<uint>?)SubscriptionIdentifiers ?? [];
}

/// <summary>Reads an MQTT 5.0 property block: the property length, then properties checked against the block's context.</summary>
internal static class MqttPropertyReader
{
    private static readonly ulong AllKnown = Mask(Enum.GetValues<MqttPropertyId>());

    private static readonly ulong ConnectAllowed = Mask(
        MqttPropertyId.SessionExpiryInterval, MqttPropertyId.ReceiveMaximum, MqttPropertyId.MaximumPacketSize,
        MqttPropertyId.TopicAliasMaximum, MqttPropertyId.RequestResponseInformation, MqttPropertyId.RequestProblemInformation,
        MqttPropertyId.UserProperty, MqttPropertyId.AuthenticationMethod, MqttPropertyId.AuthenticationData);

    private static readonly ulong WillAllowed = Mask(
        MqttPropertyId.WillDelayInterval, MqttPropertyId.PayloadFormatIndicator, MqttPropertyId.MessageExpiryInterval,
        MqttPropertyId.ContentType, MqttPropertyId.ResponseTopic, MqttPropertyId.CorrelationData, MqttPropertyId.UserProperty);

    private static readonly ulong ConnAckAllowed = Mask(
        MqttPropertyId.SessionExpiryInterval, MqttPropertyId.ReceiveMaximum, MqttPropertyId.MaximumQoS,
        MqttPropertyId.RetainAvailable, MqttPropertyId.MaximumPacketSize, MqttPropertyId.AssignedClientIdentifier,
        MqttPropertyId.TopicAliasMaximum, MqttPropertyId.ReasonString, MqttPropertyId.UserProperty,
        MqttPropertyId.WildcardSubscriptionAvailable, MqttPropertyId.SubscriptionIdentifiersAvailable,
        MqttPropertyId.SharedSubscriptionAvailable, MqttPropertyId.ServerKeepAlive, MqttPropertyId.ResponseInformation,
        MqttPropertyId.ServerReference, MqttPropertyId.AuthenticationMethod, MqttPropertyId.AuthenticationData);

    private static readonly ulong PublishAllowed = Mask(
        MqttPropertyId.PayloadFormatIndicator, MqttPropertyId.MessageExpiryInterval, MqttPropertyId.TopicAlias,
        MqttPropertyId.ResponseTopic, MqttPropertyId.CorrelationData, MqttPropertyId.UserProperty,
        MqttPropertyId.SubscriptionIdentifier, MqttPropertyId.ContentType);

    private static readonly ulong AcknowledgementAllowed = Mask(MqttPropertyId.ReasonString, MqttPropertyId.UserProperty);

    private static readonly ulong SubscribeAllowed = Mask(MqttPropertyId.SubscriptionIdentifier, MqttPropertyId.UserProperty);

    private static readonly ulong UnsubscribeAllowed = Mask(MqttPropertyId.UserProperty);

    private static readonly ulong DisconnectAllowed = Mask(
        MqttPropertyId.SessionExpiryInterval, MqttPropertyId.ReasonString, MqttPropertyId.UserProperty, MqttPropertyId.ServerReference);

    private static readonly ulong AuthAllowed = Mask(
        MqttPropertyId.AuthenticationMethod, MqttPropertyId.AuthenticationData, MqttPropertyId.ReasonString, MqttPropertyId.UserProperty);

    /// <summary>Reads a property block at the reader's position into <paramref name="properties"/>.</summary>
    /// <returns><see langword="false"/> with <see cref="PacketReader.Error"/> set on any protocol error.</returns>
    public static bool Read(ref PacketReader r, PropertyContext context, ref DecodedProperties properties)
    {
        if (!r.ReadVariableByteInteger(out var length, "property length"))
        {
            return false;
        }

        if (length > r.Remaining)
        {
            return r.Fail(MqttProtocolErrorKind.TruncatedPacket, $"the property length is {length} but only {r.Remaining} byte(s) are left");
        }

        var packetEnd = r.End;
        r.End = r.Position + length;
        var allowed = Allowed(context);
        ulong seen = 0;
        while (!r.AtEnd)
        {
            if (!r.ReadVariableByteInteger(out var id, "property identifier"))
            {
                return false;
            }

            var bit = id < 64 ? 1UL << id : 0;
            if ((AllKnown & bit) == 0)
            {
                return r.Fail(MqttProtocolErrorKind.InvalidPropertyId, $"0x{id:X2} is not an MQTT 5.0 property identifier");
            }

            var property = (MqttPropertyId)id;
            if ((allowed & bit) == 0)
            {
                return r.Fail(MqttProtocolErrorKind.PropertyNotAllowed, $"property {property} (0x{id:X2}) is not allowed in {Describe(context)}");
            }

            var repeatable = property == MqttPropertyId.UserProperty
                || (property == MqttPropertyId.SubscriptionIdentifier && context == PropertyContext.Publish);
            if ((seen & bit) != 0 && !repeatable)
            {
                return r.Fail(MqttProtocolErrorKind.DuplicateProperty, $"property {property} (0x{id:X2}) appears more than once");
            }

            seen |= bit;
            if (!ReadValue(ref r, property, ref properties))
            {
                return false;
            }
        }

        r.End = packetEnd;
        if (properties.AuthenticationData is not null && properties.AuthenticationMethod is null)
        {
            return r.Fail(MqttProtocolErrorKind.ProtocolViolation, "Authentication Data without Authentication Method");
        }

        return true;
    }

    private static bool ReadValue(ref PacketReader r, MqttPropertyId property, ref DecodedProperties p)
    {
        var name = property.ToString();
        switch (property)
        {
            case MqttPropertyId.PayloadFormatIndicator:
                {
                    if (!ReadFlagValue(ref r, name, out var value))
                    {
                        return false;
                    }

                    p.PayloadFormatIndicator = value ? MqttPayloadFormatIndicator.Utf8 : MqttPayloadFormatIndicator.Unspecified;
                    return true;
                }

            case MqttPropertyId.MessageExpiryInterval:
                return ReadUInt32(ref r, name, out p.MessageExpiryInterval);
            case MqttPropertyId.ContentType:
                return ReadString(ref r, name, out p.ContentType);
            case MqttPropertyId.ResponseTopic:
                {
                    if (!ReadString(ref r, name, out p.ResponseTopic))
                    {
                        return false;
                    }

                    return MqttPacketDecoder.IsValidTopicName(p.ResponseTopic!)
                        || r.Fail(MqttProtocolErrorKind.InvalidPropertyValue, "Response Topic is empty or contains wildcards");
                }

            case MqttPropertyId.CorrelationData:
                return ReadBinary(ref r, name, out p.CorrelationData);
            case MqttPropertyId.SubscriptionIdentifier:
                {
                    if (!r.ReadVariableByteInteger(out var value, name))
                    {
                        return false;
                    }

                    if (value == 0)
                    {
                        return r.Fail(MqttProtocolErrorKind.InvalidPropertyValue, "Subscription Identifier 0");
                    }

                    (p.SubscriptionIdentifiers ??= []).Add((uint)value);
                    return true;
                }

            case MqttPropertyId.SessionExpiryInterval:
                return ReadUInt32(ref r, name, out p.SessionExpiryInterval);
            case MqttPropertyId.AssignedClientIdentifier:
                return ReadString(ref r, name, out p.AssignedClientIdentifier);
            case MqttPropertyId.ServerKeepAlive:
                return ReadUInt16(ref r, name, out p.ServerKeepAlive, allowZero: true);
            case MqttPropertyId.AuthenticationMethod:
                return ReadString(ref r, name, out p.AuthenticationMethod);
            case MqttPropertyId.AuthenticationData:
                return ReadBinary(ref r, name, out p.AuthenticationData);
            case MqttPropertyId.RequestProblemInformation:
                return ReadFlag(ref r, name, out p.RequestProblemInformation);
            case MqttPropertyId.WillDelayInterval:
                return ReadUInt32(ref r, name, out p.WillDelayInterval);
            case MqttPropertyId.RequestResponseInformation:
                return ReadFlag(ref r, name, out p.RequestResponseInformation);
            case MqttPropertyId.ResponseInformation:
                return ReadString(ref r, name, out p.ResponseInformation);
            case MqttPropertyId.ServerReference:
                return ReadString(ref r, name, out p.ServerReference);
            case MqttPropertyId.ReasonString:
                return ReadString(ref r, name, out p.ReasonString);
            case MqttPropertyId.ReceiveMaximum:
                return ReadUInt16(ref r, name, out p.ReceiveMaximum, allowZero: false);
            case MqttPropertyId.TopicAliasMaximum:
                return ReadUInt16(ref r, name, out p.TopicAliasMaximum, allowZero: true);
            case MqttPropertyId.TopicAlias:
                return ReadUInt16(ref r, name, out p.TopicAlias, allowZero: false);
            case MqttPropertyId.MaximumQoS:
                {
                    if (!ReadFlagValue(ref r, name, out var value))
                    {
                        return false;
                    }

                    p.MaximumQoS = value ? MqttQualityOfService.AtLeastOnce : MqttQualityOfService.AtMostOnce;
                    return true;
                }

            case MqttPropertyId.RetainAvailable:
                return ReadFlag(ref r, name, out p.RetainAvailable);
            case MqttPropertyId.UserProperty:
                {
                    if (!r.ReadString(out var key, "User Property name") || !r.ReadString(out var value, "User Property value"))
                    {
                        return false;
                    }

                    (p.UserProperties ??= []).Add(new MqttUserProperty(key, value));
                    return true;
                }

            case MqttPropertyId.MaximumPacketSize:
                {
                    if (!ReadUInt32(ref r, name, out p.MaximumPacketSize))
                    {
                        return false;
                    }

                    return p.MaximumPacketSize != 0 || r.Fail(MqttProtocolErrorKind.InvalidPropertyValue, "Maximum Packet Size 0");
                }

            case MqttPropertyId.WildcardSubscriptionAvailable:
                return ReadFlag(ref r, name, out p.WildcardSubscriptionAvailable);
            case MqttPropertyId.SubscriptionIdentifiersAvailable:
                return ReadFlag(ref r, name, out p.SubscriptionIdentifiersAvailable);
            case MqttPropertyId.SharedSubscriptionAvailable:
                return ReadFlag(ref r, name, out p.SharedSubscriptionAvailable);
            default:
                // Unreachable: unknown identifiers were refused before.
                return r.Fail(MqttProtocolErrorKind.InvalidPropertyId, $"0x{(int)property:X2} is not an MQTT 5.0 property identifier");
        }
    }

    /// <summary>A byte property that must be 0 or 1.</summary>
    private static bool ReadFlag(ref PacketReader r, string name, out bool? value)
    {
        value = null;
        if (!r.ReadByte(out var raw, name))
        {
            return false;
        }

        if (raw > 1)
        {
            return r.Fail(MqttProtocolErrorKind.InvalidPropertyValue, $"{name} is {raw}; only 0 and 1 are allowed");
        }

        value = raw == 1;
        return true;
    }

    private static bool ReadFlagValue(ref PacketReader r, string name, out bool value)
    {
        var ok = ReadFlag(ref r, name, out bool? flag);
        value = flag == true;
        return ok;
    }

    private static bool ReadUInt16(ref PacketReader r, string name, out ushort? value, bool allowZero)
    {
        value = null;
        if (!r.ReadUInt16(out var raw, name))
        {
            return false;
        }

        if (raw == 0 && !allowZero)
        {
            return r.Fail(MqttProtocolErrorKind.InvalidPropertyValue, $"{name} 0");
        }

        value = raw;
        return true;
    }

    private static bool ReadUInt32(ref PacketReader r, string name, out uint? value)
    {
        value = null;
        if (!r.ReadUInt32(out var raw, name))
        {
            return false;
        }

        value = raw;
        return true;
    }

    private static bool ReadString(ref PacketReader r, string name, out string? value)
    {
        value = null;
        if (!r.ReadString(out var raw, name))
        {
            return false;
        }

        value = raw;
        return true;
    }

    private static bool ReadBinary(ref PacketReader r, string name, out ReadOnlyMemory<byte>? value)
    {
        value = null;
        if (!r.ReadBinary(out var raw, name))
        {
            return false;
        }

        value = raw;
        return true;
    }

    private static ulong Allowed(PropertyContext context) => context switch
    {
        PropertyContext.Connect => ConnectAllowed,
        PropertyContext.Will => WillAllowed,
        PropertyContext.ConnAck => ConnAckAllowed,
        PropertyContext.Publish => PublishAllowed,
        PropertyContext.Acknowledgement or PropertyContext.SubAck or PropertyContext.UnsubAck => AcknowledgementAllowed,
        PropertyContext.Subscribe => SubscribeAllowed,
        PropertyContext.Unsubscribe => UnsubscribeAllowed,
        PropertyContext.Disconnect => DisconnectAllowed,
        PropertyContext.Auth => AuthAllowed,
        _ => 0,
    };

    private static string Describe(PropertyContext context) =>
        context == PropertyContext.Will ? "the will properties" : "this packet";

    private static ulong Mask(params ReadOnlySpan<MqttPropertyId> ids)
    {
        ulong mask = 0;
        foreach (var id in ids)
        {
            mask |= 1UL << (int)id;
        }

        return mask;
    }
}
