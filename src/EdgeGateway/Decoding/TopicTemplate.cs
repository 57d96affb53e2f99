using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using EdgeGateway.Domain;

namespace EdgeGateway.Decoding;

/// <summary>
/// An MQTT topic pattern with named variables, such as <c>city/{district}/aq/{deviceId}</c>: it gives the
/// subscription filter (<c>city/+/aq/+</c>) and, for each topic received, the values of its variables.
/// The variable <c>{deviceId}</c> names the device.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Levels are separated by <c>/</c>. A level is literal text, a variable <c>{name}</c>, or the MQTT wildcards <c>+</c>
/// (one level, not captured) and <c>#</c> (the rest, not captured). Variables and wildcards are whole levels:
/// <c>aq-{deviceId}</c> is refused.</item>
/// <item>Variable names are letters, digits and <c>_</c>, not starting with a digit, each used once.</item>
/// <item><c>{name...}</c>, last only, captures the rest of the topic like <c>#</c> (levels joined by <c>/</c>; empty when
/// the topic ends at the parent level, which <c>#</c> also matches). <c>{deviceId...}</c> is refused: a device id is one level.</item>
/// <item>Matching follows MQTT: exact, case-sensitive text; a captured level may be empty (<c>a//b</c>); topics starting
/// with <c>$</c> are not matched when the first level is a variable or wildcard.</item>
/// <item>Write the topic pattern itself: a shared subscription (<c>$share/group/...</c>) is a property of the subscription.</item>
/// </list>
/// </remarks>
public sealed class TopicTemplate
{
    /// <summary>The variable that names the device.</summary>
    public const string DeviceIdVariable = "deviceId";

    /// <summary>The most variables a template may have.</summary>
    public const int MaxVariables = 16;

    private readonly Level[] _levels;
    private readonly int _deviceIdIndex;

    private TopicTemplate(string template, Level[] levels, string[] variableNames, string filter)
    {
        Template = template;
        _levels = levels;
        VariableNames = variableNames;
        SubscriptionFilter = filter;
        _deviceIdIndex = Array.IndexOf(variableNames, DeviceIdVariable);
    }

    /// <summary>The template as written.</summary>
    public string Template { get; }

    /// <summary>The MQTT topic filter to subscribe with: each variable becomes <c>+</c>, a trailing <c>{rest...}</c> becomes <c>#</c>.</summary>
    public string SubscriptionFilter { get; }

    /// <summary>The variable names, in the order they appear.</summary>
    public IReadOnlyList<string> VariableNames { get; }

    /// <summary>Whether the template has a <c>{deviceId}</c> variable.</summary>
    public bool HasDeviceId => _deviceIdIndex >= 0;

    /// <summary>Parses a template.</summary>
    /// <param name="template">The template.</param>
    /// <returns>The parsed template.</returns>
    /// <exception cref="FormatException">The template is invalid; the message says where and why.</exception>
    public static TopicTemplate Parse(string template) =>
        TryParse(template, out var parsed, out var error)
            ? parsed
            : throw new FormatException($"Invalid topic template '{template}': {error}.");

    /// <summary>Parses a template without throwing.</summary>
    /// <param name="template">The template.</param>
    /// <param name="result">The parsed template.</param>
    /// <param name="error">What is wrong with it, naming the level, for a configuration error message.</param>
    /// <returns>Whether the template is valid.</returns>
    public static bool TryParse(
        [NotNullWhen(true)] string? template, [NotNullWhen(true)] out TopicTemplate? result, [NotNullWhen(false)] out string? error)
    {
        result = null;
        if (string.IsNullOrEmpty(template))
        {
            error = "it is empty";
            return false;
        }

        if (template.StartsWith("$share/", StringComparison.Ordinal))
        {
            error = "write the topic pattern without '$share/group/'; a shared subscription is set on the subscription";
            return false;
        }

        if (template.Contains('\0', StringComparison.Ordinal))
        {
            error = "it holds a NUL character, which MQTT topics may not";
            return false;
        }

        var texts = template.Split('/');
        var levels = new Level[texts.Length];
        var names = new List<string>();
        var filter = new string[texts.Length];
        for (var i = 0; i < texts.Length; i++)
        {
            var text = texts[i];
            var isLast = i == texts.Length - 1;
            var where = $"level {i + 1} '{text}'";
            if (text == "+")
            {
                levels[i] = new Level(LevelKind.SingleWildcard, null, -1);
            }
            else if (text == "#")
            {
                if (!isLast)
                {
                    error = $"{where}: '#' must be the last level";
                    return false;
                }

                levels[i] = new Level(LevelKind.Rest, null, -1);
            }
            else if (text.StartsWith('{') && text.EndsWith('}') && text.Length >= 2)
            {
                var name = text[1..^1];
                var rest = name.EndsWith("...", StringComparison.Ordinal);
                if (rest)
                {
                    name = name[..^3];
                }

                if (!IsVariableName(name))
                {
                    error = $"{where}: '{name}' is not a variable name (letters, digits and '_', not starting with a digit)";
                    return false;
                }

                if (names.Contains(name))
                {
                    error = $"{where}: variable '{name}' appears more than once";
                    return false;
                }

                if (rest && !isLast)
                {
                    error = $"{where}: '{{{name}...}}' takes the rest of the topic, so it must be the last level";
                    return false;
                }

                if (rest && name == DeviceIdVariable)
                {
                    error = $"{where}: a device id is one level; write '{{{DeviceIdVariable}}}'";
                    return false;
                }

                if (names.Count == MaxVariables)
                {
                    error = $"it has more than {MaxVariables} variables";
                    return false;
                }

                levels[i] = new Level(rest ? LevelKind.Rest : LevelKind.Variable, null, names.Count);
                names.Add(name);
            }
            else if (text.AsSpan().IndexOfAny("{}+#") is var bad and >= 0)
            {
                error = text[bad] is '{' or '}'
                    ? $"{where}: a variable must be a whole level, like 'a/{{name}}/b' (and braces are not allowed in literal text)"
                    : $"{where}: the wildcard '{text[bad]}' must be a whole level";
                return false;
            }
            else
            {
                levels[i] = new Level(LevelKind.Literal, text, -1);
            }

            filter[i] = levels[i].Kind switch
            {
                LevelKind.Literal => text,
                LevelKind.Rest => "#",
                _ => "+",
            };
        }

        error = null;
        result = new TopicTemplate(template, levels, [.. names], string.Join('/', filter));
        return true;
    }

    /// <summary>
    /// Matches a topic and gives where in it each variable's value is, without allocating. Positions are
    /// in <see cref="VariableNames"/> order.
    /// </summary>
    /// <param name="topic">The topic a message arrived on.</param>
    /// <param name="values">Receives the range of each variable's value in <paramref name="topic"/>; at least <see cref="VariableNames"/>.Count long.</param>
    /// <returns>Whether the topic matches.</returns>
    /// <exception cref="ArgumentException"><paramref name="values"/> is too short.</exception>
    public bool TryMatch(string topic, Span<Range> values)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (values.Length < VariableNames.Count)
        {
            throw new ArgumentException($"Room for {VariableNames.Count} values is needed.", nameof(values));
        }

        if (topic.Length == 0 || (topic[0] == '$' && _levels[0].Kind != LevelKind.Literal))
        {
            return false;
        }

        // position is where the next level starts; topic.Length + 1 once the last level has been consumed.
        var position = 0;
        foreach (var level in _levels)
        {
            if (level.Kind == LevelKind.Rest)
            {
                var from = Math.Min(position, topic.Length);
                if (level.Variable >= 0)
                {
                    values[level.Variable] = from..topic.Length;
                }

                return true;
            }

            if (position > topic.Length)
            {
                return false; // the topic has fewer levels than the template
            }

            var end = topic.IndexOf('/', position);
            if (end < 0)
            {
                end = topic.Length;
            }

            switch (level.Kind)
            {
                case LevelKind.Literal when !topic.AsSpan(position, end - position).SequenceEqual(level.Text):
                    return false;
                case LevelKind.Variable:
                    values[level.Variable] = position..end;
                    break;
            }

            position = end + 1;
        }

        return position == topic.Length + 1; // and not more levels than the template
    }

    /// <summary>Matches a topic and gives its variables by name (for the context stage: e.g. the district).</summary>
    /// <param name="topic">The topic a message arrived on.</param>
    /// <param name="variables">The value of each variable, by name.</param>
    /// <returns>Whether the topic matches.</returns>
    public bool TryMatch(string topic, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? variables)
    {
        Span<Range> values = stackalloc Range[MaxVariables];
        if (!TryMatch(topic, values))
        {
            variables = null;
            return false;
        }

        var result = new Dictionary<string, string>(VariableNames.Count, StringComparer.Ordinal);
        for (var i = 0; i < VariableNames.Count; i++)
        {
            result[VariableNames[i]] = topic[values[i]];
        }

        variables = result.ToFrozenDictionary(StringComparer.Ordinal);
        return true;
    }

    /// <summary>
    /// What a source needs before decoding: the device id the topic gives, or why the message must be
    /// dead-lettered (<see cref="DecodeFailureReason.TopicMismatch"/>, <see cref="DecodeFailureReason.InvalidDeviceId"/>).
    /// Allocates nothing for a device seen before.
    /// </summary>
    /// <param name="topic">The topic a message arrived on.</param>
    /// <param name="deviceId">The device id; null when the template has no <c>{deviceId}</c> (the payload must then name the device).</param>
    /// <param name="failure">Why the topic gives no usable device id.</param>
    /// <returns>Whether the topic matches and any device id in it is valid.</returns>
    public bool TryGetDeviceId(string topic, out DeviceId? deviceId, [NotNullWhen(false)] out DecodeFailure? failure)
    {
        deviceId = null;
        failure = null;
        Span<Range> values = stackalloc Range[MaxVariables];
        if (!TryMatch(topic, values))
        {
            failure = new DecodeFailure(
                DecodeFailureReason.TopicMismatch, $"topic '{PayloadText.Excerpt(topic)}' does not match the template '{Template}'", "topic");
            return false;
        }

        if (_deviceIdIndex < 0)
        {
            return true;
        }

        var text = topic.AsSpan()[values[_deviceIdIndex]];
        if (!DeviceIdCache.TryGet(text, out var id, out var problem))
        {
            failure = new DecodeFailure(
                DecodeFailureReason.InvalidDeviceId,
                $"the topic level {{{DeviceIdVariable}}} is '{PayloadText.Excerpt(text)}', not a valid device id: {problem}",
                "topic");
            return false;
        }

        deviceId = id;
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Template;

    private static bool IsVariableName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private enum LevelKind
    {
        Literal,
        Variable,
        SingleWildcard,
        Rest,
    }

    /// <summary>One level: its kind, its text when literal, and its variable's index when it captures (else -1).</summary>
    private readonly record struct Level(LevelKind Kind, string? Text, int Variable);
}
