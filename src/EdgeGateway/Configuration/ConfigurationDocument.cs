using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Configuration;

/// <summary>
/// JSON operations behind configuration versions: a version is an overlay (a JSON Merge Patch, RFC 7386)
/// over the configuration file, where objects merge key by key (case-insensitively, like configuration
/// keys), <c>null</c> removes a key, and anything else (lists included) replaces the value whole. Lists
/// are replaced rather than merged by index, so a version can remove a subscription from the list.
/// </summary>
public static class ConfigurationDocument
{
    private static readonly JsonDocumentOptions ReadOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Reads a JSON object (comments and trailing commas allowed, as in the configuration file).</summary>
    /// <exception cref="JsonException">The text is not a JSON object.</exception>
    public static JsonObject Parse(string json) =>
        JsonNode.Parse(json, documentOptions: ReadOptions) as JsonObject ?? throw new JsonException("expected a JSON object");

    /// <summary>Reads the configuration file as a JSON object.</summary>
    public static JsonObject ReadFile(string path) => Parse(File.ReadAllText(path));

    /// <summary>A deep copy of <paramref name="document"/> with <paramref name="patch"/> applied (nulls remove keys).</summary>
    public static JsonObject Apply(JsonObject document, JsonObject? patch)
    {
        ArgumentNullException.ThrowIfNull(document);
        var result = (JsonObject)document.DeepClone();
        if (patch is not null)
        {
            Merge(result, patch, keepNulls: false);
        }

        return result;
    }

    /// <summary>One patch with the effect of <paramref name="first"/> then <paramref name="second"/> (nulls are kept: they still remove keys of the file).</summary>
    public static JsonObject Compose(JsonObject? first, JsonObject second)
    {
        ArgumentNullException.ThrowIfNull(second);
        var result = first is null ? [] : (JsonObject)first.DeepClone();
        Merge(result, second, keepNulls: true);
        return result;
    }

    /// <summary>The patch that turns <paramref name="from"/> into <paramref name="to"/> (empty when they are equal).</summary>
    public static JsonObject Diff(JsonObject from, JsonObject to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var patch = new JsonObject();
        foreach (var (key, value) in to)
        {
            var existing = Find(from, key);
            if (existing is { } old && old.Value is JsonObject oldObject && value is JsonObject newObject)
            {
                var inner = Diff(oldObject, newObject);
                if (inner.Count > 0)
                {
                    patch[old.Key] = inner;
                }
            }
            else if (existing is null || !Equivalent(existing.Value.Value, value))
            {
                patch[existing?.Key ?? key] = value?.DeepClone();
            }
        }

        foreach (var (key, _) in from)
        {
            if (Find(to, key) is null)
            {
                patch[key] = null;
            }
        }

        return patch;
    }

    /// <summary>
    /// The configuration keys (<c>Section:Key</c>, list items as <c>Section:List:0:Key</c>) whose values differ
    /// between two configurations, ordered.
    /// </summary>
    public static IReadOnlyList<string> ChangedKeys(IConfiguration before, IConfiguration after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var old = Flatten(before);
        var now = Flatten(after);
        return [.. old.Keys.Union(now.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(k => !string.Equals(old.GetValueOrDefault(k), now.GetValueOrDefault(k), StringComparison.Ordinal))
            .Order(StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>Every key with a value, as a dictionary (keys case-insensitive).</summary>
    public static Dictionary<string, string?> Flatten(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.AsEnumerable()
            .Where(p => p.Value is not null)
            .GroupBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The value at a <c>Section:Key</c> path, or null.</summary>
    public static JsonNode? Get(JsonObject document, string path)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(path);
        JsonNode? node = document;
        foreach (var part in path.Split(':'))
        {
            node = node switch
            {
                JsonObject obj => Find(obj, part)?.Value,
                JsonArray array when int.TryParse(part, out var i) && i >= 0 && i < array.Count => array[i],
                _ => null,
            };
        }

        return node;
    }

    /// <summary>Sets the value at a <c>Section:Key</c> path, creating objects on the way (existing keys keep their spelling).</summary>
    public static void Set(JsonObject document, string path, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(path);
        var parts = path.Split(':');
        var current = document;
        foreach (var part in parts[..^1])
        {
            if (Find(current, part) is { Value: JsonObject next })
            {
                current = next;
            }
            else
            {
                var created = new JsonObject();
                current[Find(current, part)?.Key ?? part] = created;
                current = created;
            }
        }

        current[Find(current, parts[^1])?.Key ?? parts[^1]] = value;
    }

    /// <summary>A copy with every secret value (see <see cref="Operations.ConfigurationRedactor.IsSecret"/>) replaced by the mask.</summary>
    public static JsonNode? Redact(JsonNode? node, string path, List<string>? redacted = null)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    copy[key] = Redact(value, path.Length == 0 ? key : $"{path}:{key}", redacted);
                }

                return copy;
            case JsonArray array:
                var items = new JsonArray();
                for (var i = 0; i < array.Count; i++)
                {
                    items.Add(Redact(array[i], $"{path}:{i}", redacted));
                }

                return items;
            case JsonValue value when Operations.ConfigurationRedactor.IsSecret(path) && !(value.GetValueKind() is JsonValueKind.String && value.GetValue<string>().Length == 0):
                redacted?.Add(path);
                return JsonValue.Create(Operations.ConfigurationRedactor.Mask);
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>
    /// Puts back the current value wherever <paramref name="proposed"/> has the mask at a secret key, so a
    /// document read with <c>get_config</c> (secrets masked) can be edited and sent back.
    /// </summary>
    public static void RestoreMasked(JsonObject proposed, JsonObject current, string path = "")
    {
        ArgumentNullException.ThrowIfNull(proposed);
        ArgumentNullException.ThrowIfNull(current);
        foreach (var (key, value) in proposed.ToList())
        {
            var keyPath = path.Length == 0 ? key : $"{path}:{key}";
            var existing = Find(current, key)?.Value;
            switch (value)
            {
                case JsonObject inner when existing is JsonObject innerCurrent:
                    RestoreMasked(inner, innerCurrent, keyPath);
                    break;
                case JsonArray items when existing is JsonArray currentItems:
                    // Items by position, as get_config lists them (e.g. Mcp:Tokens:0:Sha256).
                    for (var i = 0; i < items.Count && i < currentItems.Count; i++)
                    {
                        if (items[i] is JsonObject item && currentItems[i] is JsonObject currentItem)
                        {
                            RestoreMasked(item, currentItem, $"{keyPath}:{i}");
                        }
                    }

                    break;
                case JsonValue masked when masked.GetValueKind() == JsonValueKind.String
                                           && masked.GetValue<string>() == Operations.ConfigurationRedactor.Mask
                                           && Operations.ConfigurationRedactor.IsSecret(keyPath):
                    proposed[key] = existing?.DeepClone();
                    break;
            }
        }
    }

    private static void Merge(JsonObject target, JsonObject patch, bool keepNulls)
    {
        foreach (var (key, value) in patch)
        {
            var existing = Find(target, key);
            var name = existing?.Key ?? key;
            if (value is null)
            {
                if (keepNulls)
                {
                    target[name] = null;
                }
                else
                {
                    target.Remove(name);
                }
            }
            else if (value is JsonObject patchObject && existing?.Value is JsonObject targetObject)
            {
                Merge(targetObject, patchObject, keepNulls);
            }
            else if (value is JsonObject newObject && !keepNulls)
            {
                // A patch object over a missing or non-object value: its nulls mean nothing there.
                var fresh = new JsonObject();
                Merge(fresh, newObject, keepNulls: false);
                target[name] = fresh;
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }

    /// <summary>
    /// Equal as configuration sees them: scalars by their text (1 and "1" are the same value, true and "True"
    /// too), objects key by key (case-insensitively), lists item by item. get_config shows every value as
    /// text, so a document edited from it differs from the file only where it was edited.
    /// </summary>
    public static bool Equivalent(JsonNode? a, JsonNode? b) => (a, b) switch
    {
        (null, null) => true,
        (JsonObject x, JsonObject y) => x.Count == y.Count && x.All(p => Find(y, p.Key) is { } q && Equivalent(p.Value, q.Value)),
        (JsonArray x, JsonArray y) => x.Count == y.Count && x.Zip(y).All(p => Equivalent(p.First, p.Second)),
        (JsonValue x, JsonValue y) => string.Equals(Text(x), Text(y), StringComparison.Ordinal),
        _ => false,
    };

    private static string Text(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.True => bool.TrueString,
        JsonValueKind.False => bool.FalseString,
        _ => value.ToJsonString(),
    };

    private static KeyValuePair<string, JsonNode?>? Find(JsonObject obj, string key)
    {
        foreach (var pair in obj)
        {
            if (string.Equals(pair.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return pair;
            }
        }

        return null;
    }
}
