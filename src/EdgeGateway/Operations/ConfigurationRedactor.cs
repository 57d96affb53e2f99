using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Operations;

/// <summary>Turns configuration into JSON with every secret replaced by <c>***</c>.</summary>
public static partial class ConfigurationRedactor
{
    /// <summary>What a secret's value is replaced with.</summary>
    public const string Mask = "***";

    /// <summary>True when a key's last segment names a secret (password, secret, token, key, hash, credential), not a file that holds one.</summary>
    public static bool IsSecret(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var last = key[(key.LastIndexOf(':') + 1)..];

        // A *File key (PasswordFile, KeyPasswordFile) names where a secret is, which an operator needs to see.
        return SecretName().IsMatch(last) && !last.EndsWith("File", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The configuration as a JSON object; redacted keys are added to <paramref name="redacted"/>.</summary>
    public static JsonObject ToJson(IConfiguration configuration, List<string> redacted)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(redacted);
        var root = new JsonObject();
        foreach (var child in configuration.GetChildren())
        {
            root[child.Key] = Node(child, redacted);
        }

        return root;
    }

    private static JsonNode? Node(IConfigurationSection section, List<string> redacted)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            if (section.Value is { Length: > 0 } && IsSecret(section.Path))
            {
                redacted.Add(section.Path);
                return JsonValue.Create(Mask);
            }

            return section.Value is null ? null : JsonValue.Create(section.Value);
        }

        if (children.All(c => int.TryParse(c.Key, out _)))
        {
            var array = new JsonArray();
            foreach (var item in children.OrderBy(c => int.Parse(c.Key, System.Globalization.CultureInfo.InvariantCulture)))
            {
                array.Add(Node(item, redacted));
            }

            return array;
        }

        var obj = new JsonObject();
        foreach (var child in children)
        {
            obj[child.Key] = Node(child, redacted);
        }

        return obj;
    }

    [GeneratedRegex("(password|passphrase|secret|token|apikey|api_key|privatekey|private_key|sha256|credential)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();
}
