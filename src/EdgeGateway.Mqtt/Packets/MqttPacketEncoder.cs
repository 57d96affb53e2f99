using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using EdgeGateway.Mqtt.Topics;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// Encodes MQTT packets into an <see cref="IBufferWriter{T}"/> such as a <see cref="System.IO.Pipelines.PipeWriter"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every packet is validated before a byte is written: on any <see cref="MqttEncodingException"/> (or its
/// <see cref="MqttPacketTooLargeException"/>) the writer is untouched. Refused: invalid strings (U+0000, lone
/// surrogates, more than 65,535 UTF-8 bytes), topic names with wildcards, invalid topic filters, packet
/// identifier 0 where one is required (or one on a QoS 0 PUBLISH), DUP on QoS 0, out-of-range property values
/// (Receive Maximum 0, Topic Alias 0, ...), reason codes the packet type does not define, empty subscription
/// lists, and, for MQTT 3.1.1, anything only MQTT 5.0 can carry (properties, reason codes other than success,
/// subscription options other than QoS, AUTH). Silently dropping such content would change what the peer sees.
/// </para>
/// <para>
/// The fixed and variable headers are written into one span from <see cref="IBufferWriter{T}.GetSpan"/>; a PUBLISH
/// payload is then copied in pieces, so a large payload does not need one contiguous buffer. No other allocation.
/// </para>
/// <para>
/// The encoder does not know which side of the connection it runs on: it encodes any packet type, for example
/// so tests can play the server. Direction rules (a client sends no Subscription Identifier in PUBLISH, no
/// CONNACK...) are the client's to follow.
/// </para>
/// </remarks>
public static class MqttPacketEncoder
{
    // "MQTT" with its two-byte length: the protocol name of CONNECT in both versions.
    private static ReadOnlySpan<byte> ProtocolName => [0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T'];

    /// <summary>Encodes one packet.</summary>
    /// <param name="writer">Where to write, for example the connection's <see cref="System.IO.Pipelines.PipeWriter"/>; the caller flushes.</param>
    /// <param name="packet">The packet.</param>
    /// <param name="version">The protocol version of the connection.</param>
    /// <param name="maximumPacketSize">
    /// The largest packet the peer accepts, fixed header included: in MQTT 5.0 the server's Maximum Packet Size
    /// from CONNACK (clamped to <see cref="MqttLimits.MaximumPacketSize"/>); otherwise the protocol limit.
    /// </param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="MqttPacketTooLargeException">The packet is larger than <paramref name="maximumPacketSize"/> or the protocol allows.</exception>
    /// <exception cref="MqttEncodingException">The packet cannot be encoded for <paramref name="version"/> as given.</exception>
    public static int Encode(IBufferWriter<byte> writer, MqttPacket packet, MqttProtocolVersion version, int maximumPacketSize = MqttLimits.MaximumPacketSize)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(packet);
        CheckVersion(version);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumPacketSize, 2);

        var measure = PacketWriter.Measuring();
        WriteBody(ref measure, packet, version);
        var headersLength = measure.Position;
        var payload = packet is MqttPublishPacket publish ? publish.Payload : ReadOnlyMemory<byte>.Empty;

        var total = ComputeTotalSize(packet.PacketType, headersLength, payload.Length, out var remainingLength);
        if (total > maximumPacketSize)
        {
            throw new MqttPacketTooLargeException(packet.PacketType, total, maximumPacketSize);
        }

        var headPartLength = 1 + VariableByteInteger.GetSize(remainingLength) + headersLength;
        var span = writer.GetSpan(headPartLength)[..headPartLength];
        var output = PacketWriter.Into(span);
        output.WriteByte(FirstByte(packet));
        output.WriteVariableByteInteger(remainingLength);
        WriteBody(ref output, packet, version);
        Debug.Assert(output.Position == headPartLength, "The write pass wrote what the measuring pass counted.");
        writer.Advance(headPartLength);

        if (!payload.IsEmpty)
        {
            writer.Write(payload.Span);
        }

        return (int)total;
    }

    /// <summary>The size of a packet once encoded, fixed header included, after validating it as <see cref="Encode"/> does.</summary>
    /// <param name="packet">The packet.</param>
    /// <param name="version">The protocol version.</param>
    /// <returns>The size in bytes.</returns>
    /// <exception cref="MqttPacketTooLargeException">The packet is larger than the protocol allows.</exception>
    /// <exception cref="MqttEncodingException">The packet cannot be encoded for <paramref name="version"/> as given.</exception>
    public static int GetEncodedSize(MqttPacket packet, MqttProtocolVersion version)
    {
        ArgumentNullException.ThrowIfNull(packet);
        CheckVersion(version);
        var measure = PacketWriter.Measuring();
        WriteBody(ref measure, packet, version);
        var payloadLength = packet is MqttPublishPacket publish ? publish.Payload.Length : 0;
        return (int)ComputeTotalSize(packet.PacketType, measure.Position, payloadLength, out _);
    }

    private static long ComputeTotalSize(MqttPacketType type, int headersLength, int payloadLength, out int remainingLength)
    {
        var remaining = (long)headersLength + payloadLength;
        if (remaining > MqttLimits.MaximumRemainingLength)
        {
            throw new MqttPacketTooLargeException(type, 1 + VariableByteInteger.MaxSize + remaining, MqttLimits.MaximumPacketSize);
        }

        remainingLength = (int)remaining;
        return 1 + VariableByteInteger.GetSize(remainingLength) + remaining;
    }

    private static void CheckVersion(MqttProtocolVersion version)
    {
        if (version is not (MqttProtocolVersion.V311 or MqttProtocolVersion.V500))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Only MQTT 3.1.1 and 5.0 are supported.");
        }
    }

    private static byte FirstByte(MqttPacket packet)
    {
        var flags = packet switch
        {
            MqttPublishPacket p => (p.Dup ? 0x08 : 0) | ((int)p.QoS << 1) | (p.Retain ? 0x01 : 0),
            MqttPubRelPacket or MqttSubscribePacket or MqttUnsubscribePacket => 0x02,
            _ => 0,
        };
        return (byte)(((int)packet.PacketType << 4) | flags);
    }

    private static void WriteBody(ref PacketWriter w, MqttPacket packet, MqttProtocolVersion version)
    {
        var v5 = version == MqttProtocolVersion.V500;
        switch (packet)
        {
            case MqttConnectPacket p:
                WriteConnect(ref w, p, version);
                break;
            case MqttConnAckPacket p:
                WriteConnAck(ref w, p, v5);
                break;
            case MqttPublishPacket p:
                WritePublish(ref w, p, v5);
                break;
            case MqttPubAckPacket p:
                WriteAck(ref w, MqttPacketType.PubAck, p.PacketIdentifier, (byte)p.ReasonCode, Enum.IsDefined(p.ReasonCode), p.ReasonString, p.UserProperties, v5);
                break;
            case MqttPubRecPacket p:
                WriteAck(ref w, MqttPacketType.PubRec, p.PacketIdentifier, (byte)p.ReasonCode, Enum.IsDefined(p.ReasonCode), p.ReasonString, p.UserProperties, v5);
                break;
            case MqttPubRelPacket p:
                WriteAck(ref w, MqttPacketType.PubRel, p.PacketIdentifier, (byte)p.ReasonCode, Enum.IsDefined(p.ReasonCode), p.ReasonString, p.UserProperties, v5);
                break;
            case MqttPubCompPacket p:
                WriteAck(ref w, MqttPacketType.PubComp, p.PacketIdentifier, (byte)p.ReasonCode, Enum.IsDefined(p.ReasonCode), p.ReasonString, p.UserProperties, v5);
                break;
            case MqttSubscribePacket p:
                WriteSubscribe(ref w, p, v5);
                break;
            case MqttSubAckPacket p:
                WriteSubAck(ref w, p, v5);
                break;
            case MqttUnsubscribePacket p:
                WriteUnsubscribe(ref w, p, v5);
                break;
            case MqttUnsubAckPacket p:
                WriteUnsubAck(ref w, p, v5);
                break;
            case MqttPingReqPacket or MqttPingRespPacket:
                break;
            case MqttDisconnectPacket p:
                WriteDisconnect(ref w, p, v5);
                break;
            case MqttAuthPacket p:
                WriteAuth(ref w, p, v5);
                break;
            default:
                // MqttPacket's constructor is private to this assembly, so this is unreachable.
                throw new MqttEncodingException($"Unknown packet class {packet.GetType().Name}.");
        }
    }

    private static void WriteConnect(ref PacketWriter w, MqttConnectPacket p, MqttProtocolVersion version)
    {
        var v5 = version == MqttProtocolVersion.V500;
        var will = p.Will;
        if (!v5)
        {
            RequireV5(p.SessionExpiryInterval is not null || p.ReceiveMaximum is not null || p.MaximumPacketSize is not null
                || p.TopicAliasMaximum is not null || p.RequestResponseInformation is not null || p.RequestProblemInformation is not null
                || p.AuthenticationMethod is not null || p.AuthenticationData is not null || p.UserProperties.Count > 0,
                "CONNECT properties");
            if (p.Password is not null && p.UserName is null)
            {
                throw new MqttEncodingException("MQTT 3.1.1 CONNECT cannot carry a password without a user name [MQTT-3.1.2-22].");
            }

            if (p.ClientId.Length == 0 && !p.CleanStart)
            {
                throw new MqttEncodingException("MQTT 3.1.1 CONNECT with an empty client identifier must set Clean Session [MQTT-3.1.3-7].");
            }

            if (will is not null)
            {
                RequireV5(will.WillDelayInterval is not null || will.PayloadFormatIndicator is not null || will.MessageExpiryInterval is not null
                    || will.ContentType is not null || will.ResponseTopic is not null || will.CorrelationData is not null
                    || will.UserProperties.Count > 0, "Will properties");
            }
        }

        var flags = 0;
        if (p.CleanStart)
        {
            flags |= 0x02;
        }

        if (will is not null)
        {
            CheckQoS(will.QoS, "Will QoS");
            CheckTopicName(will.Topic, "Will topic");
            flags |= 0x04 | ((int)will.QoS << 3) | (will.Retain ? 0x20 : 0);
        }

        if (p.Password is not null)
        {
            flags |= 0x40;
        }

        if (p.UserName is not null)
        {
            flags |= 0x80;
        }

        w.WriteRaw(ProtocolName);
        w.WriteByte((byte)version);
        w.WriteByte((byte)flags);
        w.WriteUInt16(p.KeepAlive);

        if (v5)
        {
            CheckNotZero(p.ReceiveMaximum, "Receive Maximum");
            CheckNotZero(p.MaximumPacketSize, "Maximum Packet Size");
            CheckAuthentication(p.AuthenticationMethod, p.AuthenticationData);
            WriteProperties(ref w, p, static (ref PacketWriter x, MqttConnectPacket s) =>
            {
                x.WriteUInt32Property(MqttPropertyId.SessionExpiryInterval, s.SessionExpiryInterval);
                x.WriteUInt16Property(MqttPropertyId.ReceiveMaximum, s.ReceiveMaximum);
                x.WriteUInt32Property(MqttPropertyId.MaximumPacketSize, s.MaximumPacketSize);
                x.WriteUInt16Property(MqttPropertyId.TopicAliasMaximum, s.TopicAliasMaximum);
                x.WriteFlagProperty(MqttPropertyId.RequestResponseInformation, s.RequestResponseInformation);
                x.WriteFlagProperty(MqttPropertyId.RequestProblemInformation, s.RequestProblemInformation);
                x.WriteStringProperty(MqttPropertyId.AuthenticationMethod, s.AuthenticationMethod);
                x.WriteBinaryProperty(MqttPropertyId.AuthenticationData, s.AuthenticationData);
                x.WriteUserProperties(s.UserProperties);
            });
        }

        w.WriteString(p.ClientId, "Client identifier");
        if (will is not null)
        {
            if (v5)
            {
                if (will.PayloadFormatIndicator is { } format)
                {
                    CheckDefined(format, "Will Payload Format Indicator");
                }

                CheckResponseTopic(will.ResponseTopic);
                WriteProperties(ref w, will, static (ref PacketWriter x, MqttWillMessage s) =>
                {
                    x.WriteUInt32Property(MqttPropertyId.WillDelayInterval, s.WillDelayInterval);
                    x.WriteByteProperty(MqttPropertyId.PayloadFormatIndicator, (byte?)s.PayloadFormatIndicator);
                    x.WriteUInt32Property(MqttPropertyId.MessageExpiryInterval, s.MessageExpiryInterval);
                    x.WriteStringProperty(MqttPropertyId.ContentType, s.ContentType);
                    x.WriteStringProperty(MqttPropertyId.ResponseTopic, s.ResponseTopic);
                    x.WriteBinaryProperty(MqttPropertyId.CorrelationData, s.CorrelationData);
                    x.WriteUserProperties(s.UserProperties);
                });
            }

            w.WriteString(will.Topic, "Will topic");
            w.WriteBinary(will.Payload.Span, "Will payload");
        }

        if (p.UserName is not null)
        {
            w.WriteString(p.UserName, "User name");
        }

        if (p.Password is { } password)
        {
            w.WriteBinary(password.Span, "Password");
        }
    }

    private static void WriteConnAck(ref PacketWriter w, MqttConnAckPacket p, bool v5)
    {
        if (p.SessionPresent && p.ReasonCode != MqttConnectReasonCode.Success)
        {
            throw new MqttEncodingException("CONNACK with a failure reason code must not set Session Present [MQTT-3.2.2-6].");
        }

        w.WriteByte(p.SessionPresent ? (byte)1 : (byte)0);
        if (!v5)
        {
            RequireV5(p.SessionExpiryInterval is not null || p.ReceiveMaximum is not null || p.MaximumQoS is not null
                || p.RetainAvailable is not null || p.MaximumPacketSize is not null || p.AssignedClientIdentifier is not null
                || p.TopicAliasMaximum is not null || p.ReasonString is not null || p.WildcardSubscriptionAvailable is not null
                || p.SubscriptionIdentifiersAvailable is not null || p.SharedSubscriptionAvailable is not null || p.ServerKeepAlive is not null
                || p.ResponseInformation is not null || p.ServerReference is not null || p.AuthenticationMethod is not null
                || p.AuthenticationData is not null || p.UserProperties.Count > 0, "CONNACK properties");
            w.WriteByte(MqttReasonCodes.ToV311ReturnCode(p.ReasonCode)
                ?? throw new MqttEncodingException($"CONNACK reason code {p.ReasonCode} has no MQTT 3.1.1 return code."));
            return;
        }

        CheckDefined(p.ReasonCode, "CONNACK reason code");
        CheckNotZero(p.ReceiveMaximum, "Receive Maximum");
        CheckNotZero(p.MaximumPacketSize, "Maximum Packet Size");
        if (p.MaximumQoS is { } maximumQoS && maximumQoS is not (MqttQualityOfService.AtMostOnce or MqttQualityOfService.AtLeastOnce))
        {
            throw new MqttEncodingException($"Maximum QoS must be 0 or 1 (absent means 2), not {(int)maximumQoS}.");
        }

        CheckAuthentication(p.AuthenticationMethod, p.AuthenticationData);
        w.WriteByte((byte)p.ReasonCode);
        WriteProperties(ref w, p, static (ref PacketWriter x, MqttConnAckPacket s) =>
        {
            x.WriteUInt32Property(MqttPropertyId.SessionExpiryInterval, s.SessionExpiryInterval);
            x.WriteUInt16Property(MqttPropertyId.ReceiveMaximum, s.ReceiveMaximum);
            x.WriteByteProperty(MqttPropertyId.MaximumQoS, (byte?)s.MaximumQoS);
            x.WriteFlagProperty(MqttPropertyId.RetainAvailable, s.RetainAvailable);
            x.WriteUInt32Property(MqttPropertyId.MaximumPacketSize, s.MaximumPacketSize);
            x.WriteStringProperty(MqttPropertyId.AssignedClientIdentifier, s.AssignedClientIdentifier);
            x.WriteUInt16Property(MqttPropertyId.TopicAliasMaximum, s.TopicAliasMaximum);
            x.WriteStringProperty(MqttPropertyId.ReasonString, s.ReasonString);
            x.WriteFlagProperty(MqttPropertyId.WildcardSubscriptionAvailable, s.WildcardSubscriptionAvailable);
            x.WriteFlagProperty(MqttPropertyId.SubscriptionIdentifiersAvailable, s.SubscriptionIdentifiersAvailable);
            x.WriteFlagProperty(MqttPropertyId.SharedSubscriptionAvailable, s.SharedSubscriptionAvailable);
            x.WriteUInt16Property(MqttPropertyId.ServerKeepAlive, s.ServerKeepAlive);
            x.WriteStringProperty(MqttPropertyId.ResponseInformation, s.ResponseInformation);
            x.WriteStringProperty(MqttPropertyId.ServerReference, s.ServerReference);
            x.WriteStringProperty(MqttPropertyId.AuthenticationMethod, s.AuthenticationMethod);
            x.WriteBinaryProperty(MqttPropertyId.AuthenticationData, s.AuthenticationData);
            x.WriteUserProperties(s.UserProperties);
        });
    }

    private static void WritePublish(ref PacketWriter w, MqttPublishPacket p, bool v5)
    {
        CheckQoS(p.QoS, "PUBLISH QoS");
        if (p.QoS == MqttQualityOfService.AtMostOnce)
        {
            if (p.Dup)
            {
                throw new MqttEncodingException("A QoS 0 PUBLISH must not set DUP [MQTT-3.3.1-2].");
            }

            if (p.PacketIdentifier != 0)
            {
                throw new MqttEncodingException("A QoS 0 PUBLISH has no packet identifier; leave it 0.");
            }
        }
        else
        {
            CheckPacketIdentifier(p.PacketIdentifier, MqttPacketType.Publish);
        }

        if (p.TopicName is null)
        {
            throw new MqttEncodingException("PUBLISH topic name is null.");
        }

        if (p.TopicName.Length == 0)
        {
            if (!v5 || p.TopicAlias is null)
            {
                throw new MqttEncodingException("PUBLISH topic name is empty; only an MQTT 5.0 PUBLISH with a topic alias may omit it.");
            }
        }
        else
        {
            CheckTopicName(p.TopicName, "PUBLISH topic name");
        }

        if (!v5)
        {
            RequireV5(p.PayloadFormatIndicator is not null || p.MessageExpiryInterval is not null || p.TopicAlias is not null
                || p.ResponseTopic is not null || p.CorrelationData is not null || p.ContentType is not null
                || p.SubscriptionIdentifiers.Count > 0 || p.UserProperties.Count > 0, "PUBLISH properties");
        }

        w.WriteString(p.TopicName, "PUBLISH topic name");
        if (p.QoS != MqttQualityOfService.AtMostOnce)
        {
            w.WriteUInt16(p.PacketIdentifier);
        }

        if (v5)
        {
            if (p.PayloadFormatIndicator is { } format)
            {
                CheckDefined(format, "Payload Format Indicator");
            }

            CheckNotZero(p.TopicAlias, "Topic Alias");
            CheckResponseTopic(p.ResponseTopic);
            for (var i = 0; i < p.SubscriptionIdentifiers.Count; i++)
            {
                var identifier = p.SubscriptionIdentifiers[i];
                CheckSubscriptionIdentifier(identifier);
            }

            WriteProperties(ref w, p, static (ref PacketWriter x, MqttPublishPacket s) =>
            {
                x.WriteByteProperty(MqttPropertyId.PayloadFormatIndicator, (byte?)s.PayloadFormatIndicator);
                x.WriteUInt32Property(MqttPropertyId.MessageExpiryInterval, s.MessageExpiryInterval);
                x.WriteUInt16Property(MqttPropertyId.TopicAlias, s.TopicAlias);
                x.WriteStringProperty(MqttPropertyId.ResponseTopic, s.ResponseTopic);
                x.WriteBinaryProperty(MqttPropertyId.CorrelationData, s.CorrelationData);
                for (var i = 0; i < s.SubscriptionIdentifiers.Count; i++)
                {
                    var identifier = s.SubscriptionIdentifiers[i];
                    x.WriteVariableByteIntegerProperty(MqttPropertyId.SubscriptionIdentifier, identifier);
                }

                x.WriteStringProperty(MqttPropertyId.ContentType, s.ContentType);
                x.WriteUserProperties(s.UserProperties);
            });
        }

        // The payload is not written here: Encode copies it after the headers, in pieces if it is large.
    }

    private static void WriteAck(ref PacketWriter w, MqttPacketType type, ushort packetIdentifier, byte reasonCode, bool reasonCodeDefined,
        string? reasonString, IReadOnlyList<MqttUserProperty> userProperties, bool v5)
    {
        CheckPacketIdentifier(packetIdentifier, type);
        if (!reasonCodeDefined)
        {
            throw new MqttEncodingException(string.Create(CultureInfo.InvariantCulture,
                $"Reason code 0x{reasonCode:X2} is not defined for {type.ToString().ToUpperInvariant()}."));
        }

        w.WriteUInt16(packetIdentifier);
        if (!v5)
        {
            // Checked before building the message: an interpolated string would allocate on every call.
            if (reasonCode != 0 || reasonString is not null || userProperties.Count > 0)
            {
                RequireV5(true, $"{type.ToString().ToUpperInvariant()} reason codes and properties");
            }

            return;
        }

        var hasProperties = reasonString is not null || userProperties.Count > 0;
        if (reasonCode == 0 && !hasProperties)
        {
            // MQTT 5.0: "The Reason Code and Property Length can be omitted if the Reason Code is 0x00 and there are no Properties."
            return;
        }

        w.WriteByte(reasonCode);
        if (!hasProperties)
        {
            return;
        }

        WriteProperties(ref w, (reasonString, userProperties), static (ref PacketWriter x, (string? ReasonString, IReadOnlyList<MqttUserProperty> UserProperties) s) =>
        {
            x.WriteStringProperty(MqttPropertyId.ReasonString, s.ReasonString);
            x.WriteUserProperties(s.UserProperties);
        });
    }

    private static void WriteSubscribe(ref PacketWriter w, MqttSubscribePacket p, bool v5)
    {
        CheckPacketIdentifier(p.PacketIdentifier, MqttPacketType.Subscribe);
        if (p.Subscriptions is null || p.Subscriptions.Count == 0)
        {
            throw new MqttEncodingException("SUBSCRIBE needs at least one subscription [MQTT-3.8.3-2].");
        }

        if (!v5)
        {
            RequireV5(p.SubscriptionIdentifier is not null || p.UserProperties.Count > 0, "SUBSCRIBE properties");
        }

        w.WriteUInt16(p.PacketIdentifier);
        if (v5)
        {
            if (p.SubscriptionIdentifier is { } identifier)
            {
                CheckSubscriptionIdentifier(identifier);
            }

            WriteProperties(ref w, p, static (ref PacketWriter x, MqttSubscribePacket s) =>
            {
                if (s.SubscriptionIdentifier is { } id)
                {
                    x.WriteVariableByteIntegerProperty(MqttPropertyId.SubscriptionIdentifier, id);
                }

                x.WriteUserProperties(s.UserProperties);
            });
        }

        for (var i = 0; i < p.Subscriptions.Count; i++)
        {
            var subscription = p.Subscriptions[i];
            if (subscription is null)
            {
                throw new MqttEncodingException("SUBSCRIBE contains a null subscription.");
            }

            var filter = subscription.TopicFilter ?? throw new MqttEncodingException("SUBSCRIBE topic filter is null.");
            if (!MqttTopicFilter.IsValidFilter(filter))
            {
                throw new MqttEncodingException($"'{filter}' is not a valid topic filter.");
            }

            var options = subscription.Options;
            CheckQoS(options.MaximumQoS, "Subscription maximum QoS");
            CheckDefined(options.RetainHandling, "Retain Handling");
            if (!v5)
            {
                RequireV5(options.NoLocal || options.RetainAsPublished || options.RetainHandling != MqttRetainHandling.SendAtSubscribe,
                    "Subscription options other than QoS");
            }
            else if (options.NoLocal && MqttTopicFilter.IsSharedSubscription(filter))
            {
                throw new MqttEncodingException($"No Local cannot be set on the shared subscription '{filter}' [MQTT-3.8.3-4].");
            }

            w.WriteString(filter, "SUBSCRIBE topic filter");
            w.WriteByte((byte)((int)options.MaximumQoS
                | (options.NoLocal ? 0x04 : 0)
                | (options.RetainAsPublished ? 0x08 : 0)
                | ((int)options.RetainHandling << 4)));
        }
    }

    private static void WriteSubAck(ref PacketWriter w, MqttSubAckPacket p, bool v5)
    {
        CheckPacketIdentifier(p.PacketIdentifier, MqttPacketType.SubAck);
        if (p.ReasonCodes is null || p.ReasonCodes.Count == 0)
        {
            throw new MqttEncodingException("SUBACK needs one reason code per subscription of the SUBSCRIBE.");
        }

        w.WriteUInt16(p.PacketIdentifier);
        if (v5)
        {
            WriteProperties(ref w, p, static (ref PacketWriter x, MqttSubAckPacket s) =>
            {
                x.WriteStringProperty(MqttPropertyId.ReasonString, s.ReasonString);
                x.WriteUserProperties(s.UserProperties);
            });
        }
        else
        {
            RequireV5(p.ReasonString is not null || p.UserProperties.Count > 0, "SUBACK properties");
        }

        for (var i = 0; i < p.ReasonCodes.Count; i++)
        {
            var code = p.ReasonCodes[i];
            var valid = v5 ? Enum.IsDefined(code) : MqttReasonCodes.IsV311SubAckReturnCode((byte)code);
            if (!valid)
            {
                throw new MqttEncodingException($"SUBACK reason code {code} is not valid for MQTT {(v5 ? "5.0" : "3.1.1")}.");
            }

            w.WriteByte((byte)code);
        }
    }

    private static void WriteUnsubscribe(ref PacketWriter w, MqttUnsubscribePacket p, bool v5)
    {
        CheckPacketIdentifier(p.PacketIdentifier, MqttPacketType.Unsubscribe);
        if (p.TopicFilters is null || p.TopicFilters.Count == 0)
        {
            throw new MqttEncodingException("UNSUBSCRIBE needs at least one topic filter [MQTT-3.10.3-2].");
        }

        w.WriteUInt16(p.PacketIdentifier);
        if (v5)
        {
            WriteProperties(ref w, p, static (ref PacketWriter x, MqttUnsubscribePacket s) =>
            {
                x.WriteUserProperties(s.UserProperties);
            });
        }
        else
        {
            RequireV5(p.UserProperties.Count > 0, "UNSUBSCRIBE properties");
        }

        for (var i = 0; i < p.TopicFilters.Count; i++)
        {
            var filter = p.TopicFilters[i];
            if (filter is null || !MqttTopicFilter.IsValidFilter(filter))
            {
                throw new MqttEncodingException($"'{filter}' is not a valid topic filter.");
            }

            w.WriteString(filter, "UNSUBSCRIBE topic filter");
        }
    }

    private static void WriteUnsubAck(ref PacketWriter w, MqttUnsubAckPacket p, bool v5)
    {
        CheckPacketIdentifier(p.PacketIdentifier, MqttPacketType.UnsubAck);
        w.WriteUInt16(p.PacketIdentifier);
        if (!v5)
        {
            RequireV5(p.ReasonCodes.Count > 0, "UNSUBACK reason codes");
            RequireV5(p.ReasonString is not null || p.UserProperties.Count > 0, "UNSUBACK properties");
            return;
        }

        if (p.ReasonCodes.Count == 0)
        {
            throw new MqttEncodingException("An MQTT 5.0 UNSUBACK needs one reason code per topic filter of the UNSUBSCRIBE.");
        }

        WriteProperties(ref w, p, static (ref PacketWriter x, MqttUnsubAckPacket s) =>
        {
            x.WriteStringProperty(MqttPropertyId.ReasonString, s.ReasonString);
            x.WriteUserProperties(s.UserProperties);
        });

        for (var i = 0; i < p.ReasonCodes.Count; i++)
        {
            var code = p.ReasonCodes[i];
            CheckDefined(code, "UNSUBACK reason code");
            w.WriteByte((byte)code);
        }
    }

    private static void WriteDisconnect(ref PacketWriter w, MqttDisconnectPacket p, bool v5)
    {
        var hasProperties = p.SessionExpiryInterval is not null || p.ReasonString is not null || p.ServerReference is not null || p.UserProperties.Count > 0;
        if (!v5)
        {
            RequireV5(p.ReasonCode != MqttDisconnectReasonCode.NormalDisconnection, "DISCONNECT reason code");
            RequireV5(hasProperties, "DISCONNECT properties");
            return;
        }

        CheckDefined(p.ReasonCode, "DISCONNECT reason code");
        if (p.ReasonCode == MqttDisconnectReasonCode.NormalDisconnection && !hasProperties)
        {
            return;
        }

        w.WriteByte((byte)p.ReasonCode);
        if (!hasProperties)
        {
            return;
        }

        WriteProperties(ref w, p, static (ref PacketWriter x, MqttDisconnectPacket s) =>
        {
            x.WriteUInt32Property(MqttPropertyId.SessionExpiryInterval, s.SessionExpiryInterval);
            x.WriteStringProperty(MqttPropertyId.ReasonString, s.ReasonString);
            x.WriteStringProperty(MqttPropertyId.ServerReference, s.ServerReference);
            x.WriteUserProperties(s.UserProperties);
        });
    }

    private static void WriteAuth(ref PacketWriter w, MqttAuthPacket p, bool v5)
    {
        if (!v5)
        {
            throw new MqttEncodingException("AUTH exists only in MQTT 5.0.");
        }

        CheckDefined(p.ReasonCode, "AUTH reason code");
        var hasProperties = p.AuthenticationMethod is not null || p.AuthenticationData is not null || p.ReasonString is not null || p.UserProperties.Count > 0;
        if (p.ReasonCode == MqttAuthReasonCode.Success && !hasProperties)
        {
            return;
        }

        if (p.AuthenticationMethod is null)
        {
            throw new MqttEncodingException("AUTH needs an Authentication Method (only an empty success AUTH may omit it).");
        }

        w.WriteByte((byte)p.ReasonCode);
        WriteProperties(ref w, p, static (ref PacketWriter x, MqttAuthPacket s) =>
        {
            x.WriteStringProperty(MqttPropertyId.AuthenticationMethod, s.AuthenticationMethod);
            x.WriteBinaryProperty(MqttPropertyId.AuthenticationData, s.AuthenticationData);
            x.WriteStringProperty(MqttPropertyId.ReasonString, s.ReasonString);
            x.WriteUserProperties(s.UserProperties);
        });
    }

    private static void RequireV5(bool present, string what)
    {
        if (present)
        {
            throw new MqttEncodingException($"{what} exist only in MQTT 5.0 and cannot be encoded for MQTT 3.1.1.");
        }
    }

    private static void CheckPacketIdentifier(ushort packetIdentifier, MqttPacketType type)
    {
        if (packetIdentifier == 0)
        {
            throw new MqttEncodingException($"{type.ToString().ToUpperInvariant()} needs a packet identifier from 1 to 65535, not 0.");
        }
    }

    private static void CheckQoS(MqttQualityOfService qos, string what)
    {
        if (qos is not (MqttQualityOfService.AtMostOnce or MqttQualityOfService.AtLeastOnce or MqttQualityOfService.ExactlyOnce))
        {
            throw new MqttEncodingException(string.Create(CultureInfo.InvariantCulture, $"{what} must be 0, 1 or 2, not {(int)qos}."));
        }
    }

    private static void CheckTopicName(string? topic, string what)
    {
        if (topic is null || !MqttTopicFilter.IsValidTopicName(topic))
        {
            throw new MqttEncodingException($"{what} '{topic}' is not a valid topic name (empty, wildcards, U+0000 or too long).");
        }
    }

    private static void CheckResponseTopic(string? topic)
    {
        if (topic is not null)
        {
            CheckTopicName(topic, "Response Topic");
        }
    }

    private static void CheckNotZero<T>(T? value, string what)
        where T : struct, IEquatable<T>
    {
        if (value is { } v && v.Equals(default))
        {
            throw new MqttEncodingException($"{what} must not be 0 (leave it absent instead).");
        }
    }

    private static void CheckSubscriptionIdentifier(uint identifier)
    {
        if (identifier is 0 or > MqttLimits.MaximumSubscriptionIdentifier)
        {
            throw new MqttEncodingException(string.Create(CultureInfo.InvariantCulture,
                $"Subscription Identifier must be from 1 to {MqttLimits.MaximumSubscriptionIdentifier}, not {identifier}."));
        }
    }

    private static void CheckDefined<TEnum>(TEnum value, string what)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new MqttEncodingException($"{what} {value} is not defined.");
        }
    }

    private static void CheckAuthentication(string? method, ReadOnlyMemory<byte>? data)
    {
        if (data is not null && method is null)
        {
            throw new MqttEncodingException("Authentication Data needs an Authentication Method.");
        }
    }

    // Lists are walked with for loops, not foreach: foreach over an IReadOnlyList<T> allocates an enumerator,
    // and encoding is meant to allocate nothing.

    /// <summary>Writes the properties of one property block (called twice: measuring, then writing).</summary>
    private delegate void PropertyBlockWriter<in TState>(ref PacketWriter writer, TState state);

    /// <summary>Writes one property block: its length (a variable byte integer, counted by a measuring pass), then the properties.</summary>
    private static void WriteProperties<TState>(ref PacketWriter w, TState state, PropertyBlockWriter<TState> write)
    {
        var measure = PacketWriter.Measuring();
        write(ref measure, state);
        w.WriteVariableByteInteger(measure.Position);
        write(ref w, state);
    }
}
