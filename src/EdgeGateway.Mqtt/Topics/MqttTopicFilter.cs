using System.Diagnostics.CodeAnalysis;
using EdgeGateway.Mqtt.Packets;

namespace EdgeGateway.Mqtt.Topics;

/// <summary>
/// MQTT topic names and topic filters (MQTT 5.0 section 4.7, 3.1.1 section 4.7): validity and matching.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Levels are separated by <c>/</c>; empty levels are levels (<c>a//b</c> has three).</item>
/// <item><c>+</c> matches exactly one level, empty included, and must be a whole level (<c>a/+/c</c>, not <c>a/b+</c>).</item>
/// <item><c>#</c> matches any number of levels, zero included, so <c>a/#</c> matches <c>a</c> too; it must be the last, whole level.</item>
/// <item>Topic names starting with <c>$</c> (such as <c>$SYS/...</c>) are not matched by a filter whose first level is a wildcard.</item>
/// <item>A shared subscription <c>$share/{group}/{filter}</c> matches as its filter part; the group has no <c>/</c>, <c>+</c> or <c>#</c>.</item>
/// <item>Matching is by exact characters: case-sensitive, no normalisation.</item>
/// </list>
/// </remarks>
public static class MqttTopicFilter
{
    /// <summary>The prefix of a shared subscription filter (MQTT 5.0, section 4.8.2).</summary>
    public const string SharedSubscriptionPrefix = "$share/";

    /// <summary>
    /// Whether <paramref name="topicName"/> is a valid topic name for PUBLISH: at least one character, no wildcard,
    /// a valid MQTT string (no U+0000, no lone surrogate, at most 65,535 UTF-8 bytes).
    /// </summary>
    /// <param name="topicName">The topic name.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public static bool IsValidTopicName(string topicName)
    {
        ArgumentNullException.ThrowIfNull(topicName);
        return topicName.Length > 0 && !topicName.AsSpan().ContainsAny('+', '#') && MqttStrings.IsValid(topicName);
    }

    /// <summary>
    /// Whether <paramref name="topicFilter"/> is a valid topic filter for SUBSCRIBE or UNSUBSCRIBE: at least one
    /// character, wildcards only as whole levels and <c>#</c> only last, a valid MQTT string, and for a shared
    /// subscription a non-empty group followed by a valid filter.
    /// </summary>
    /// <param name="topicFilter">The topic filter.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public static bool IsValidFilter(string topicFilter)
    {
        ArgumentNullException.ThrowIfNull(topicFilter);
        if (!MqttStrings.IsValid(topicFilter))
        {
            return false;
        }

        if (IsSharedSubscription(topicFilter))
        {
            return TrySplitShared(topicFilter, out _, out var filter) && IsValidPlainFilter(filter);
        }

        return IsValidPlainFilter(topicFilter);
    }

    /// <summary>Whether the filter is a shared subscription, that is, it starts with <c>$share/</c>.</summary>
    /// <param name="topicFilter">The topic filter.</param>
    /// <returns><see langword="true"/> for a shared subscription filter (valid or not).</returns>
    public static bool IsSharedSubscription(string topicFilter)
    {
        ArgumentNullException.ThrowIfNull(topicFilter);
        return topicFilter.StartsWith(SharedSubscriptionPrefix, StringComparison.Ordinal);
    }

    /// <summary>Splits a valid shared subscription <c>$share/{group}/{filter}</c> into its group and filter.</summary>
    /// <param name="topicFilter">The topic filter.</param>
    /// <param name="shareName">The share group name.</param>
    /// <param name="filter">The topic filter the group subscribes to.</param>
    /// <returns><see langword="false"/> when the filter is not a valid shared subscription.</returns>
    public static bool TryParseSharedSubscription(string topicFilter, [NotNullWhen(true)] out string? shareName, [NotNullWhen(true)] out string? filter)
    {
        shareName = null;
        filter = null;
        if (!IsSharedSubscription(topicFilter) || !IsValidFilter(topicFilter))
        {
            return false;
        }

        TrySplitShared(topicFilter, out var group, out var rest);
        shareName = group.ToString();
        filter = rest.ToString();
        return true;
    }

    /// <summary>Whether the filter contains a wildcard (<c>+</c> or <c>#</c>), in its filter part for a shared subscription.</summary>
    /// <param name="topicFilter">The topic filter.</param>
    /// <returns><see langword="true"/> when it has a wildcard.</returns>
    public static bool HasWildcards(string topicFilter)
    {
        ArgumentNullException.ThrowIfNull(topicFilter);
        var filter = TrySplitShared(topicFilter, out _, out var rest) ? rest : topicFilter.AsSpan();
        return filter.ContainsAny('+', '#');
    }

    /// <summary>Whether the topic name matches the topic filter. An invalid filter or topic name matches nothing.</summary>
    /// <param name="topicFilter">The topic filter (plain or shared).</param>
    /// <param name="topicName">The topic name of a message.</param>
    /// <returns><see langword="true"/> when it matches.</returns>
    public static bool Matches(string topicFilter, string topicName)
    {
        if (!IsValidFilter(topicFilter) || !IsValidTopicName(topicName))
        {
            return false;
        }

        var filter = TrySplitShared(topicFilter, out _, out var rest) ? rest : topicFilter.AsSpan();
        ReadOnlySpan<char> topic = topicName;

        // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match topic names beginning with '$'.
        if (topic[0] == '$' && filter[0] is ('+' or '#'))
        {
            return false;
        }

        while (true)
        {
            var filterSlash = filter.IndexOf('/');
            var filterLevel = filterSlash < 0 ? filter : filter[..filterSlash];
            if (filterLevel is "#")
            {
                // '#' is last (the filter is valid) and matches the remaining levels, none included.
                return true;
            }

            var topicSlash = topic.IndexOf('/');
            var topicLevel = topicSlash < 0 ? topic : topic[..topicSlash];
            if (filterLevel is not "+" && !filterLevel.SequenceEqual(topicLevel))
            {
                return false;
            }

            if (filterSlash < 0 || topicSlash < 0)
            {
                if (filterSlash < 0 && topicSlash < 0)
                {
                    return true;
                }

                // The filter ended first: the topic has more levels. The topic ended first: only a final "#"
                // (the parent-level rule, "a/#" matches "a") can still match.
                return filterSlash >= 0 && filter[(filterSlash + 1)..] is "#";
            }

            filter = filter[(filterSlash + 1)..];
            topic = topic[(topicSlash + 1)..];
        }
    }

    private static bool IsValidPlainFilter(ReadOnlySpan<char> filter)
    {
        if (filter.IsEmpty)
        {
            return false;
        }

        while (true)
        {
            var slash = filter.IndexOf('/');
            var level = slash < 0 ? filter : filter[..slash];
            if (level.ContainsAny('+', '#'))
            {
                var wholeLevelWildcard = level is "+" || (level is "#" && slash < 0);
                if (!wholeLevelWildcard)
                {
                    return false;
                }
            }

            if (slash < 0)
            {
                return true;
            }

            filter = filter[(slash + 1)..];
        }
    }

    /// <summary>Splits <c>$share/{group}/{filter}</c>; false when the text is not shared or the group is empty, has wildcards, or has no '/' after it.</summary>
    private static bool TrySplitShared(string topicFilter, out ReadOnlySpan<char> shareName, out ReadOnlySpan<char> filter)
    {
        shareName = default;
        filter = default;
        if (!topicFilter.StartsWith(SharedSubscriptionPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = topicFilter.AsSpan(SharedSubscriptionPrefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || rest[..slash].ContainsAny('+', '#'))
        {
            return false;
        }

        shareName = rest[..slash];
        filter = rest[(slash + 1)..];
        return true;
    }
}
