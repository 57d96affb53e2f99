using System.Diagnostics.CodeAnalysis;

namespace EdgeGateway.Mqtt.Packets;

/// <summary>
/// The inbound topic aliases of one MQTT 5.0 connection (section 3.3.2.3.4): resolves the topic of each received
/// PUBLISH. A PUBLISH with a topic name and an alias sets (or replaces) the alias; one with an empty topic name
/// and an alias uses it. Aliases live as long as the network connection: create a new map (or
/// <see cref="Clear"/>) for every connection. Not thread-safe: use it from the connection's read loop.
/// </summary>
/// <remarks>One slot per possible alias is allocated up front (8 bytes each): lookups never allocate.</remarks>
public sealed class TopicAliasMap
{
    private readonly string?[] _topics;

    /// <summary>Creates an empty map.</summary>
    /// <param name="topicAliasMaximum">
    /// The Topic Alias Maximum this client sent in CONNECT (0, or absent, means the server may use no alias).
    /// </param>
    public TopicAliasMap(ushort topicAliasMaximum)
    {
        TopicAliasMaximum = topicAliasMaximum;
        _topics = new string?[topicAliasMaximum + 1];
    }

    /// <summary>The highest alias the server may use.</summary>
    public ushort TopicAliasMaximum { get; }

    /// <summary>The number of aliases currently set.</summary>
    public int Count { get; private set; }

    /// <summary>Resolves the topic name of a received PUBLISH, recording a new alias when the packet sets one.</summary>
    /// <param name="packet">The received PUBLISH.</param>
    /// <param name="topicName">The topic name the message was published to.</param>
    /// <param name="error">
    /// A <see cref="MqttProtocolErrorKind.TopicAliasInvalid"/> error when the alias is 0, above
    /// <see cref="TopicAliasMaximum"/> or unknown; <see cref="MqttProtocolErrorKind.InvalidTopicName"/> when there is
    /// neither a topic name nor an alias. The connection must then be closed (DISCONNECT 0x94 / 0x82).
    /// </param>
    /// <returns><see langword="true"/> when the topic name is known.</returns>
    public bool TryResolve(MqttPublishPacket packet, [NotNullWhen(true)] out string? topicName, [NotNullWhen(false)] out MqttProtocolError? error)
    {
        ArgumentNullException.ThrowIfNull(packet);
        topicName = null;
        error = null;
        if (packet.TopicAlias is not { } alias)
        {
            if (packet.TopicName.Length == 0)
            {
                error = new MqttProtocolError(MqttProtocolErrorKind.InvalidTopicName, MqttPacketType.Publish, "the topic name is empty and there is no topic alias");
                return false;
            }

            topicName = packet.TopicName;
            return true;
        }

        if (alias == 0 || alias > TopicAliasMaximum)
        {
            error = new MqttProtocolError(MqttProtocolErrorKind.TopicAliasInvalid, MqttPacketType.Publish,
                alias == 0 ? "topic alias 0" : $"topic alias {alias} is above the Topic Alias Maximum of {TopicAliasMaximum}");
            return false;
        }

        if (packet.TopicName.Length > 0)
        {
            if (_topics[alias] is null)
            {
                Count++;
            }

            _topics[alias] = packet.TopicName;
            topicName = packet.TopicName;
            return true;
        }

        if (_topics[alias] is not { } known)
        {
            error = new MqttProtocolError(MqttProtocolErrorKind.TopicAliasInvalid, MqttPacketType.Publish, $"topic alias {alias} has not been set on this connection");
            return false;
        }

        topicName = known;
        return true;
    }

    /// <summary>Forgets every alias (for a new network connection).</summary>
    public void Clear()
    {
        Array.Clear(_topics);
        Count = 0;
    }
}
