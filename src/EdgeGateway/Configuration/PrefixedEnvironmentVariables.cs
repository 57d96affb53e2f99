using System.Collections;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Configuration;

/// <summary>
/// Environment overrides: <c>EDGEGW__Section__Key=value</c> sets <c>Section:Key</c>. Like the stock
/// environment provider, but it remembers each variable's real name so errors can point at it.
/// </summary>
internal sealed class PrefixedEnvironmentVariables(string prefix, IDictionary variables) : ConfigurationProvider, IConfigurationSource
{
    private readonly Dictionary<string, string> _variableNames = new(StringComparer.OrdinalIgnoreCase);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    public override void Load()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in variables)
        {
            if (entry.Key is string name && name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && name.Length > prefix.Length)
            {
                var key = name[prefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);
                data[key] = entry.Value as string;
                _variableNames[key] = name;
            }
        }

        Data = data;
    }

    /// <summary>The environment variable that set <paramref name="key"/>, if any.</summary>
    public string? VariableFor(string key) => _variableNames.GetValueOrDefault(key);
}
