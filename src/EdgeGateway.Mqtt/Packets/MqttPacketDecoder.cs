using System.Buffers;
using EdgeGateway.Mqtt.Topics;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// Decodes MQTT packets from a <see cref="ReadOnlySequence{T}"/>, such as the buffer a
/// <see cref="System.IO.Pipelines.PipeReader"/> returns. It never throws on any input bytes: the outcome is always
/// need-more-data, one packet, or a <see cref="MqttProtocolError"/>.
/// </summary>
/// <remarks>
/// <para>Typical read loop:</para>
/// <code>
/// var result = await reader.ReadAsync(ct).ConfigureAwait(false);
/// var buffer = result.Buffer;
/// while (true)
/// {
///     var decoded = MqttPacketDecoder.Decode(ref buffer, version, maximumPacketSize);
///     if (decoded.IsPacket) { Handle(decoded.Packet); continue; }
///     if (decoded.IsError) { Log(decoded.Error); /* DISCONNECT (5.0) with decoded.Error.DisconnectReasonCode, close, reconnect */ }
///     break;
/// }
/// reader.AdvanceTo(buffer.Start, buffer.End); // consumed what was decoded, examined everything
/// </code>
/// <para>
/// A packet whose declared size exceeds <c>maximumPacketSize</c> is refused as soon as its fixed header is read,
/// without waiting for (or buffering) its body. Everything a packet holds is copied out of the buffer (strings,
/// binary data, the PUBLISH payload), so the packet stays valid after <c>AdvanceTo</c>; the payload is the only
/// per-packet allocation beyond the packet object, its strings and lists. PINGRESP and PINGREQ decode to
/// shared instances.
/// </para>
/// <para>
/// The decoder checks the format rules of both protocol versions, not the session rules: which packets may arrive
/// in which state or direction (a client receiving CONNECT, a PUBACK for an unknown packet identifier, a topic
/// alias to resolve with <see cref="TopicAliasMap"/>) is the client's to check. The payload of a PUBLISH whose
/// Payload Format Indicator says UTF-8 is not checked either (the specification lets receivers choose).
/// </para>
/// </remarks>
public static class MqttPacketDecoder
{
    private static ReadOnlySpan<byte> ProtocolName => "MQTT"u8;

    /// <summary>Decodes at most one packet from the start of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The received bytes; advanced past the packet when one is decoded, unchanged otherwise.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <param name="maximumPacketSize">
    /// The largest packet accepted, fixed header included (the Maximum Packet Size this side announced in MQTT 5.0,
    /// or a memory bound of its own in 3.1.1). Larger packets are a <see cref="MqttProtocolErrorKind.PacketTooLarge"/> error.
    /// </param>
    /// <returns>Need more data, the packet, or the protocol error.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The version is unknown or the maximum packet size is below 2 (never for input bytes).</exception>
    public static MqttDecodeResult Decode(ref ReadOnlySequence<byte> buffer, MqttProtocolVersion version, int maximumPacketSize = MqttLimits.MaximumPacketSize)
    {
        if (version is not (MqttProtocolVersion.V311 or MqttProtocolVersion.V500))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Only MQTT 3.1.1 and 5.0 are supported.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maximumPacketSize, 2);
        if (buffer.IsEmpty)
        {
            return MqttDecodeResult.NeedMoreData;
        }

        // The fixed header is at most 5 bytes: copy them out so a header split across segments reads like any other.
        Span<byte> header = stackalloc byte[1 + VariableByteInteger.MaxSize];
        var headerLength = (int)Math.Min(header.Length, buffer.Length);
        buffer.Slice(0, headerLength).CopyTo(header);

        var type = (MqttPacketType)(header[0] >> 4);
        var flags = header[0] & 0x0F;
        if (CheckFixedHeader(type, flags, version) is { } headerError)
        {
            return MqttDecodeResult.FromError(headerError);
        }

        switch (VariableByteInteger.TryRead(header[1..headerLength], out var remainingLength, out var lengthSize))
        {
            case VariableByteIntegerStatus.NeedMoreData:
                return MqttDecodeResult.NeedMoreData;
            case VariableByteIntegerStatus.Malformed:
                return Error(MqttProtocolErrorKind.MalformedVariableByteInteger, type, "the remaining length has more than 4 bytes");
        }

        var total = 1L + lengthSize + remainingLength;
        if (total > maximumPacketSize)
        {
            return Error(MqttProtocolErrorKind.PacketTooLarge, type,
                $"the packet is {total} bytes, more than the maximum packet size of {maximumPacketSize}");
        }

        if (buffer.Length < total)
        {
            return MqttDecodeResult.NeedMoreData;
        }

        var body = buffer.Slice(1 + lengthSize, remainingLength);
        MqttPacket? packet;
        MqttProtocolError? error;
        if (body.IsSingleSegment)
        {
            packet = Parse(body.FirstSpan, owner: null, type, flags, version, out error);
        }
        else if (type == MqttPacketType.Publish)
        {
            // The payload needs its own array anyway: copy the whole body once and let the payload be a slice of it.
            var owned = body.ToArray();
            packet = Parse(owned, owned, type, flags, version, out error);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent(remainingLength);
            try
            {
                body.CopyTo(rented);
                packet = Parse(rented.AsSpan(0, remainingLength), owner: null, type, flags, version, out error);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        if (packet is null)
        {
            return MqttDecodeResult.FromError(error!);
        }

        buffer = buffer.Slice(total);
        return MqttDecodeResult.FromPacket(packet);
    }

    /// <summary>A received topic name (already a valid MQTT string) is valid when non-empty and free of wildcards.</summary>
    internal static bool IsValidTopicName(string topic) => topic.Length > 0 && !topic.AsSpan().ContainsAny('+', '#');

    private static MqttProtocolError? CheckFixedHeader(MqttPacketType type, int flags, MqttProtocolVersion version)
    {
        if (type == MqttPacketType.Reserved || (type == MqttPacketType.Auth && version == MqttProtocolVersion.V311))
        {
            return new MqttProtocolError(MqttProtocolErrorKind.UnknownPacketType, null,
                $"packet type {(int)type} is reserved in MQTT {(version == MqttProtocolVersion.V311 ? "3.1.1" : "5.0")}");
        }

        switch (type)
        {
            case MqttPacketType.Publish:
                var qos = (flags >> 1) & 0x03;
                if (qos == 3)
                {
                    return new MqttProtocolError(MqttProtocolErrorKind.InvalidQoS, type, "QoS 3 in the fixed header");
                }

                if (qos == 0 && (flags & 0x08) != 0)
                {
                    return new MqttProtocolError(MqttProtocolErrorKind.InvalidFixedHeaderFlags, type, "DUP is set on a QoS 0 message");
                }

                return null;
            case MqttPacketType.PubRel or MqttPacketType.Subscribe or MqttPacketType.Unsubscribe:
                return flags == 0x02 ? null : new MqttProtocolError(MqttProtocolErrorKind.InvalidFixedHeaderFlags, type,
                    $"fixed header flags are 0x{flags:X1}; this packet requires 0x2");
            default:
                return flags == 0 ? null : new MqttProtocolError(MqttProtocolErrorKind.InvalidFixedHeaderFlags, type,
                    $"fixed header flags are 0x{flags:X1}; this packet requires 0x0");
        }
    }

    private static MqttPacket? Parse(ReadOnlySpan<byte> body, byte[]? owner, MqttPacketType type, int flags, MqttProtocolVersion version, out MqttProtocolError? error)
    {
        var r = new PacketReader(body, owner, type);
        var v5 = version == MqttProtocolVersion.V500;
        MqttPacket? packet = type switch
        {
            MqttPacketType.Connect => ParseConnect(ref r, version),
            MqttPacketType.ConnAck => ParseConnAck(ref r, v5),
            MqttPacketType.Publish => ParsePublish(ref r, flags, v5),
            MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp => ParseAcknowledgement(ref r, type, v5),
            MqttPacketType.Subscribe => ParseSubscribe(ref r, v5),
            MqttPacketType.SubAck => ParseSubAck(ref r, v5),
            MqttPacketType.Unsubscribe => ParseUnsubscribe(ref r, v5),
            MqttPacketType.UnsubAck => ParseUnsubAck(ref r, v5),
            MqttPacketType.PingReq => r.ExpectEnd() ? MqttPingReqPacket.Instance : null,
            MqttPacketType.PingResp => r.ExpectEnd() ? MqttPingRespPacket.Instance : null,
            MqttPacketType.Disconnect => ParseDisconnect(ref r, v5),
            MqttPacketType.Auth => ParseAuth(ref r),
            _ => null,
        };

        error = packet is null
            ? r.Error ?? new MqttProtocolError(MqttProtocolErrorKind.UnknownPacketType, null, $"packet type {(int)type}")
            : null;
        return packet;
    }

    private static MqttConnectPacket? ParseConnect(ref PacketReader r, MqttProtocolVersion version)
    {
        if (!r.ReadUInt16(out var nameLength, "protocol name length") || !r.ReadRaw(nameLength, out var name, "protocol name"))
        {
            return null;
        }

        if (!name.SequenceEqual(ProtocolName))
        {
            r.Fail(MqttProtocolErrorKind.UnsupportedProtocol, "the protocol name is not 'MQTT'");
            return null;
        }

        if (!r.ReadByte(out var level, "protocol level") || !r.ReadByte(out var flags, "connect flags") || !r.ReadUInt16(out var keepAlive, "keep alive"))
        {
            return null;
        }

        if (level != (byte)version)
        {
            r.Fail(MqttProtocolErrorKind.UnsupportedProtocol, $"protocol level {level}, expected {(int)version}");
            return null;
        }

        var willFlag = (flags & 0x04) != 0;
        var willQoS = (flags >> 3) & 0x03;
        var willRetain = (flags & 0x20) != 0;
        var passwordFlag = (flags & 0x40) != 0;
        var userNameFlag = (flags & 0x80) != 0;
        if ((flags & 0x01) != 0)
        {
            r.Fail(MqttProtocolErrorKind.InvalidConnectFlags, "the reserved connect flag is set");
            return null;
        }

        if (willQoS == 3)
        {
            r.Fail(MqttProtocolErrorKind.InvalidQoS, "will QoS 3");
            return null;
        }

        if (!willFlag && (willQoS != 0 || willRetain))
        {
            r.Fail(MqttProtocolErrorKind.InvalidConnectFlags, "will QoS or will retain set without the will flag");
            return null;
        }

        var v5 = version == MqttProtocolVersion.V500;
        if (!v5 && passwordFlag && !userNameFlag)
        {
            r.Fail(MqttProtocolErrorKind.InvalidConnectFlags, "password flag without user name flag");
            return null;
        }

        var properties = default(DecodedProperties);
        if (v5 && !MqttPropertyReader.Read(ref r, PropertyContext.Connect, ref properties))
        {
            return null;
        }

        if (!r.ReadString(out var clientId, "client identifier"))
        {
            return null;
        }

        MqttWillMessage? will = null;
        if (willFlag)
        {
            var willProperties = default(DecodedProperties);
            if (v5 && !MqttPropertyReader.Read(ref r, PropertyContext.Will, ref willProperties))
            {
                return null;
            }

            if (!r.ReadString(out var willTopic, "will topic") || !r.ReadBinary(out var willPayload, "will payload"))
            {
                return null;
            }

            if (!IsValidTopicName(willTopic))
            {
                r.Fail(MqttProtocolErrorKind.InvalidTopicName, "the will topic is empty or contains wildcards");
                return null;
            }

            will = new MqttWillMessage
            {
                Topic = willTopic,
                Payload = willPayload,
                QoS = (MqttQualityOfService)willQoS,
                Retain = willRetain,
                WillDelayInterval = willProperties.WillDelayInterval,
                PayloadFormatIndicator = willProperties.PayloadFormatIndicator,
                MessageExpiryInterval = willProperties.MessageExpiryInterval,
                ContentType = willProperties.ContentType,
                ResponseTopic = willProperties.ResponseTopic,
                CorrelationData = willProperties.CorrelationData,
                UserProperties = willProperties.UserPropertyList,
            };
        }

        string? userName = null;
        if (userNameFlag && !r.ReadString(out userName, "user name"))
        {
            return null;
        }

        ReadOnlyMemory<byte>? password = null;
        if (passwordFlag)
        {
            if (!r.ReadBinary(out var passwordBytes, "password"))
            {
                return null;
            }

            password = passwordBytes;
        }

        if (!r.ExpectEnd())
        {
            return null;
        }

        return new MqttConnectPacket
        {
            ClientId = clientId,
            CleanStart = (flags & 0x02) != 0,
            KeepAlive = keepAlive,
            UserName = userName,
            Password = password,
            Will = will,
            SessionExpiryInterval = properties.SessionExpiryInterval,
            ReceiveMaximum = properties.ReceiveMaximum,
            MaximumPacketSize = properties.MaximumPacketSize,
            TopicAliasMaximum = properties.TopicAliasMaximum,
            RequestResponseInformation = properties.RequestResponseInformation,
            RequestProblemInformation = properties.RequestProblemInformation,
            AuthenticationMethod = properties.AuthenticationMethod,
            AuthenticationData = properties.AuthenticationData,
            UserProperties = properties.UserPropertyList,
        };
    }

    private static MqttConnAckPacket? ParseConnAck(ref PacketReader r, bool v5)
    {
        if (!r.ReadByte(out var acknowledgeFlags, "acknowledge flags") || !r.ReadByte(out var code, "reason code"))
        {
            return null;
        }

        if ((acknowledgeFlags & 0xFE) != 0)
        {
            r.Fail(MqttProtocolErrorKind.InvalidConnAckFlags, $"reserved acknowledge flags are set (0x{acknowledgeFlags:X2})");
            return null;
        }

        var sessionPresent = acknowledgeFlags == 1;
        MqttConnectReasonCode reasonCode;
        var properties = default(DecodedProperties);
        if (!v5 || (r.AtEnd && code is >= 1 and <= 5))
        {
            // MQTT 3.1.1 return codes. A 3.1.1-only server answers an MQTT 5.0 CONNECT with the 3.1.1 form
            // (typically return code 1, unacceptable protocol version); read it as such rather than as a
            // truncated 5.0 CONNACK, so the client can report the real reason.
            if (MqttReasonCodes.FromV311ReturnCode(code) is not { } mapped)
            {
                r.Fail(MqttProtocolErrorKind.InvalidReasonCode, $"0x{code:X2} is not an MQTT 3.1.1 CONNACK return code");
                return null;
            }

            reasonCode = mapped;
        }
        else
        {
            reasonCode = (MqttConnectReasonCode)code;
            if (!Enum.IsDefined(reasonCode))
            {
                r.Fail(MqttProtocolErrorKind.InvalidReasonCode, $"0x{code:X2} is not a CONNACK reason code");
                return null;
            }

            if (!MqttPropertyReader.Read(ref r, PropertyContext.ConnAck, ref properties))
            {
                return null;
            }
        }

        if (sessionPresent && reasonCode != MqttConnectReasonCode.Success)
        {
            r.Fail(MqttProtocolErrorKind.InvalidConnAckFlags, $"Session Present is set with the failure reason code {reasonCode}");
            return null;
        }

        if (!r.ExpectEnd())
        {
            return null;
        }

        return new MqttConnAckPacket
        {
            SessionPresent = sessionPresent,
            ReasonCode = reasonCode,
            SessionExpiryInterval = properties.SessionExpiryInterval,
            ReceiveMaximum = properties.ReceiveMaximum,
            MaximumQoS = properties.MaximumQoS,
            RetainAvailable = properties.RetainAvailable,
            MaximumPacketSize = properties.MaximumPacketSize,
            AssignedClientIdentifier = properties.AssignedClientIdentifier,
            TopicAliasMaximum = properties.TopicAliasMaximum,
            ReasonString = properties.ReasonString,
            WildcardSubscriptionAvailable = properties.WildcardSubscriptionAvailable,
            SubscriptionIdentifiersAvailable = properties.SubscriptionIdentifiersAvailable,
            SharedSubscriptionAvailable = properties.SharedSubscriptionAvailable,
            ServerKeepAlive = properties.ServerKeepAlive,
            ResponseInformation = properties.ResponseInformation,
            ServerReference = properties.ServerReference,
            AuthenticationMethod = properties.AuthenticationMethod,
            AuthenticationData = properties.AuthenticationData,
            UserProperties = properties.UserPropertyList,
        };
    }

    private static MqttPublishPacket? ParsePublish(ref PacketReader r, int flags, bool v5)
    {
        var qos = (MqttQualityOfService)((flags >> 1) & 0x03);
        if (!r.ReadString(out var topic, "topic name"))
        {
            return null;
        }

        ushort packetIdentifier = 0;
        if (qos != MqttQualityOfService.AtMostOnce && !ReadPacketIdentifier(ref r, out packetIdentifier))
        {
            return null;
        }

        var properties = default(DecodedProperties);
        if (v5 && !MqttPropertyReader.Read(ref r, PropertyContext.Publish, ref properties))
        {
            return null;
        }

        // An empty topic name is allowed only with a topic alias (MQTT 5.0); TopicAliasMap resolves it.
        if (topic.Length == 0 ? properties.TopicAlias is null : !IsValidTopicName(topic))
        {
            r.Fail(MqttProtocolErrorKind.InvalidTopicName, topic.Length == 0
                ? "the topic name is empty and there is no topic alias"
                : "the topic name contains wildcards");
            return null;
        }

        return new MqttPublishPacket
        {
            TopicName = topic,
            QoS = qos,
            Dup = (flags & 0x08) != 0,
            Retain = (flags & 0x01) != 0,
            PacketIdentifier = packetIdentifier,
            PayloadFormatIndicator = properties.PayloadFormatIndicator,
            MessageExpiryInterval = properties.MessageExpiryInterval,
            TopicAlias = properties.TopicAlias,
            ResponseTopic = properties.ResponseTopic,
            CorrelationData = properties.CorrelationData,
            ContentType = properties.ContentType,
            SubscriptionIdentifiers = properties.SubscriptionIdentifierList,
            UserProperties = properties.UserPropertyList,
            Payload = r.ReadToEnd(),
        };
    }

    private static MqttPacket? ParseAcknowledgement(ref PacketReader r, MqttPacketType type, bool v5)
    {
        if (!ReadPacketIdentifier(ref r, out var packetIdentifier))
        {
            return null;
        }

        byte code = 0;
        var properties = default(DecodedProperties);
        if (v5)
        {
            // MQTT 5.0: remaining length 2 means success without properties; 3 means a reason code without properties.
            if (!r.AtEnd && !r.ReadByte(out code, "reason code"))
            {
                return null;
            }

            var defined = type is MqttPacketType.PubAck or MqttPacketType.PubRec
                ? Enum.IsDefined((MqttPubAckReasonCode)code)
                : Enum.IsDefined((MqttPubRelReasonCode)code);
            if (!defined)
            {
                r.Fail(MqttProtocolErrorKind.InvalidReasonCode, $"0x{code:X2} is not a {type.ToString().ToUpperInvariant()} reason code");
                return null;
            }

            if (!r.AtEnd && !MqttPropertyReader.Read(ref r, PropertyContext.Acknowledgement, ref properties))
            {
                return null;
            }
        }

        if (!r.ExpectEnd())
        {
            return null;
        }

        return type switch
        {
            MqttPacketType.PubAck => new MqttPubAckPacket
            {
                PacketIdentifier = packetIdentifier,
                ReasonCode = (MqttPubAckReasonCode)code,
                ReasonString = properties.ReasonString,
                UserProperties = properties.UserPropertyList,
            },
            MqttPacketType.PubRec => new MqttPubRecPacket
            {
                PacketIdentifier = packetIdentifier,
                ReasonCode = (MqttPubAckReasonCode)code,
                ReasonString = properties.ReasonString,
                UserProperties = properties.UserPropertyList,
            },
            MqttPacketType.PubRel => new MqttPubRelPacket
            {
                PacketIdentifier = packetIdentifier,
                ReasonCode = (MqttPubRelReasonCode)code,
                ReasonString = properties.ReasonString,
                UserProperties = properties.UserPropertyList,
            },
            _ => new MqttPubCompPacket
            {
                PacketIdentifier = packetIdentifier,
                ReasonCode = (MqttPubRelReasonCode)code,
                ReasonString = properties.ReasonString,
                UserProperties = properties.UserPropertyList,
            },
        };
    }

    private static MqttSubscribePacket? ParseSubscribe(ref PacketReader r, bool v5)
    {
        if (!ReadPacketIdentifier(ref r, out var packetIdentifier))
        {
            return null;
        }

        var properties = default(DecodedProperties);
        if (v5 && !MqttPropertyReader.Read(ref r, PropertyContext.Subscribe, ref properties))
        {
            return null;
        }

        var subscriptions = new List<MqttSubscription>();
        while (!r.AtEnd)
        {
            if (!ReadTopicFilter(ref r, out var filter) || !r.ReadByte(out var options, "subscription options"))
            {
                return null;
            }

            var qos = options & 0x03;
            if (qos == 3)
            {
                r.Fail(MqttProtocolErrorKind.InvalidQoS, $"QoS 3 in the options of '{filter}'");
                return null;
            }

            var reservedBits = v5 ? 0xC0 : 0xFC;
            var retainHandling = (options >> 4) & 0x03;
            var noLocal = (options & 0x04) != 0;
            var problem = (options & reservedBits) != 0 ? "reserved bits are set"
                : retainHandling == 3 ? "Retain Handling is 3"
                : noLocal && MqttTopicFilter.IsSharedSubscription(filter) ? "No Local is set on a shared subscription"
                : null;
            if (problem is not null)
            {
                r.Fail(MqttProtocolErrorKind.InvalidSubscriptionOptions, $"{problem} in the options of '{filter}' (0x{options:X2})");
                return null;
            }

            subscriptions.Add(new MqttSubscription(filter, new MqttSubscriptionOptions(
                (MqttQualityOfService)qos, noLocal, (options & 0x08) != 0, (MqttRetainHandling)retainHandling)));
        }

        if (subscriptions.Count == 0)
        {
            r.Fail(MqttProtocolErrorKind.MissingPayload, "SUBSCRIBE without a subscription");
            return null;
        }

        return new MqttSubscribePacket
        {
            PacketIdentifier = packetIdentifier,
            Subscriptions = subscriptions,
            SubscriptionIdentifier = properties.SubscriptionIdentifiers?[0],
            UserProperties = properties.UserPropertyList,
        };
    }

    private static MqttSubAckPacket? ParseSubAck(ref PacketReader r, bool v5)
    {
        if (!ReadPacketIdentifier(ref r, out var packetIdentifier))
        {
            return null;
        }

        var properties = default(DecodedProperties);
        if (v5 && !MqttPropertyReader.Read(ref r, PropertyContext.SubAck, ref properties))
        {
            return null;
        }

        var codes = new List<MqttSubAckReasonCode>(r.Remaining);
        while (!r.AtEnd)
        {
            r.ReadByte(out var code, "reason code");
            var valid = v5 ? Enum.IsDefined((MqttSubAckReasonCode)code) : MqttReasonCodes.IsV311SubAckReturnCode(code);
            if (!valid)
            {
                r.Fail(MqttProtocolErrorKind.InvalidReasonCode, $"0x{code:X2} is not a SUBACK {(v5 ? "reason" : "return")} code");
                return null;
            }

            codes.Add((MqttSubAckReasonCode)code);
        }

        if (codes.Count == 0)
        {
            r.Fail(MqttProtocolErrorKind.MissingPayload, "SUBACK without a reason code");
            return null;
        }

        return new MqttSubAckPacket
        {
            PacketIdentifier = packetIdentifier,
            ReasonCodes = codes,
            ReasonString = properties.ReasonString,
            UserProperties = properties.UserPropertyList,
        };
    }

    private static MqttUnsubscribePacket? ParseUnsubscribe(ref PacketReader r, bool v5)
    {
        if (!ReadPacketIdentifier(ref r, out var packetIdentifier))
        {
            return null;
        }

        var properties = default(DecodedProperties);
        if (v5 && !MqttPropertyReader.Read(ref r, PropertyContext.Unsubscribe, ref properties))
        {
            return null;
        }

        var filters = new List<string>();
        while (!r.AtEnd)
        {
            if (!ReadTopicFilter(ref r, out var filter))
            {
                return null;
            }

            filters.Add(filter);
        }

        if (filters.Count == 0)
        {
            r.Fail(MqttProtocolErrorKind.MissingPayload, "UNSUBSCRIBE without a topic filter");
            return null;
        }

        return new MqttUnsubscribePacket
        {
            PacketIdentifier = packetIdentifier,
            TopicFilters = filters,
            UserProperties = properties.UserPropertyList,
        };
    }

    private static MqttUnsubAckPacket? ParseUnsubAck(ref PacketReader r, bool v5)
    {
        if (!ReadPacketIdentifier(ref r, out var packetIdentifier))
        {
            return null;
        }

        if (!v5)
        {
            return r.ExpectEnd() ? new MqttUnsubAckPacket { PacketIdentifier = packetIdentifier } : null;
        }

        var properties = default(DecodedProperties);
        if (!MqttPropertyReader.Read(ref r, PropertyContext.UnsubAck, ref properties))
        {
            return null;
        }

        var codes = new List<MqttUnsubAckReasonCode>(r.Remaining);
        while (!r.AtEnd)
        {
            r.ReadByte(out var code, "reason code");
            if (!Enum.IsDefined((MqttUnsubAckReasonCode)code))
            {
                r.Fail(MqttProtocolErrorKind.InvalidReasonCode, $"0x{code:X2} is not an UNSUBACK reason code");
                return null;
            }

            codes.Add((MqttUnsubAckReasonCode)code);
        }

        if (codes.Count == 0)
        {
            r.Fail(MqttProtocolErrorKind.MissingPayload, "UNSUBACK without a reason code");
            return null;
        }

        return new MqttUnsubAckPacket
        {
            PacketIdentifier = packetIdentifier,
            ReasonCodes = codes,
            ReasonString = properties.ReasonString,
            UserProperties = properties.UserPropertyList,
        };
    }

    private static MqttDisconnectPacket? ParseDisconnect(ref PacketReader r, bool v5)
    {
        if (!v5 || r.AtEnd)
        {
            // 3.1.1 DISCONNECT has no content; in 5.0 an empty one means normal disconnection without properties.
            return r.ExpectEnd() ? new MqttDisconnectPacket() : null;
        }

        r.ReadByte(out var code, "reason code");
        if (!Enum.IsDefined((MqttDisconnectReasonCode)code))
        {
            r.Fail(MqttProtocolErrorKind.InvalidReasonCode, $"0x{code:X2} is not a DISCONNECT reason code");
            return null;
        }

        var properties = default(DecodedProperties);
        if ((!r.AtEnd && !MqttPropertyReader.Read(ref r, PropertyContext.Disconnect, ref properties)) || !r.ExpectEnd())
        {
            return null;
        }

        return new MqttDisconnectPacket
        {
            ReasonCode = (MqttDisconnectReasonCode)code,
            SessionExpiryInterval = properties.SessionExpiryInterval,
            ReasonString = properties.ReasonString,
            ServerReference = properties.ServerReference,
            UserProperties = properties.UserPropertyList,
        };
    }

    private static MqttAuthPacket? ParseAuth(ref PacketReader r)
    {
        if (r.AtEnd)
        {
            // "The Reason Code and Property Length can be omitted if the Reason Code is 0x00 (Success) and there are no Properties."
            return new MqttAuthPacket();
        }

        r.ReadByte(out var code, "reason code");
        if (!Enum.IsDefined((MqttAuthReasonCode)code))
        {
            r.Fail(MqttProtocolErrorKind.InvalidReasonCode, $"0x{code:X2} is not an AUTH reason code");
            return null;
        }

        var properties = default(DecodedProperties);
        if (!MqttPropertyReader.Read(ref r, PropertyContext.Auth, ref properties) || !r.ExpectEnd())
        {
            return null;
        }

        if (properties.AuthenticationMethod is null)
        {
            r.Fail(MqttProtocolErrorKind.ProtocolViolation, "AUTH without Authentication Method");
            return null;
        }

        return new MqttAuthPacket
        {
            ReasonCode = (MqttAuthReasonCode)code,
            AuthenticationMethod = properties.AuthenticationMethod,
            AuthenticationData = properties.AuthenticationData,
            ReasonString = properties.ReasonString,
            UserProperties = properties.UserPropertyList,
        };
    }

    private static bool ReadPacketIdentifier(ref PacketReader r, out ushort packetIdentifier)
    {
        if (!r.ReadUInt16(out packetIdentifier, "packet identifier"))
        {
            return false;
        }

        return packetIdentifier != 0 || r.Fail(MqttProtocolErrorKind.InvalidPacketIdentifier, "packet identifier 0");
    }

    private static bool ReadTopicFilter(ref PacketReader r, out string filter)
    {
        if (!r.ReadString(out filter, "topic filter"))
        {
            return false;
        }

        return MqttTopicFilter.IsValidFilter(filter)
            || r.Fail(MqttProtocolErrorKind.InvalidTopicFilter, $"'{filter}' is not a valid topic filter");
    }

    private static MqttDecodeResult Error(MqttProtocolErrorKind kind, MqttPacketType type, string message) =>
        MqttDecodeResult.FromError(new MqttProtocolError(kind, type, message));
}
