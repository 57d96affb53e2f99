using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeGateway.StreamProcessor.Ingest;

/// <summary>
/// Checks JSON against a JSON Schema, for the keywords the project's schemas use: type, required,
/// properties, additionalProperties, items, enum, const, minimum, maximum, minItems, pattern, oneOf and
/// local $ref (#/$defs/...). No JSON Schema library restores from the project's package mirror;
/// an unknown keyword makes the validator throw rather than pass silently.
/// </summary>
internal sealed class JsonSchemaValidator
{
    private static readonly HashSet<string> Known =
    [
        "$schema", "$id", "$defs", "$ref", "title", "description", "type", "required", "properties",
        "additionalProperties", "items", "enum", "const", "minimum", "maximum", "minItems", "pattern", "oneOf",
    ];

    private readonly JsonElement _root;

    /// <summary>Loads a schema.</summary>
    public JsonSchemaValidator(string schemaJson) => _root = JsonDocument.Parse(schemaJson).RootElement.Clone();

    /// <summary>Every violation, as <c>path: problem</c>; empty when valid.</summary>
    public IReadOnlyList<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Check(_root, instance, "$", errors);
        return errors;
    }

    private void Check(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        foreach (var keyword in schema.EnumerateObject())
        {
            if (!Known.Contains(keyword.Name))
            {
                throw new NotSupportedException($"Schema keyword '{keyword.Name}' is not supported by this validator.");
            }
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            Check(Resolve(reference.GetString()!), value, path, errors);
            return;
        }

        if (schema.TryGetProperty("type", out var type) && !HasType(value, type.GetString()!))
        {
            errors.Add($"{path}: expected {type.GetString()}, got {value.ValueKind}");
            return;
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            errors.Add($"{path}: expected {constant.GetRawText()}");
        }

        if (schema.TryGetProperty("enum", out var allowed) && !allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
        {
            errors.Add($"{path}: {value.GetRawText()} is not one of {allowed.GetRawText()}");
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            if (schema.TryGetProperty("minimum", out var minimum) && value.GetDouble() < minimum.GetDouble())
            {
                errors.Add($"{path}: {value.GetDouble().ToString(CultureInfo.InvariantCulture)} is below {minimum.GetRawText()}");
            }

            if (schema.TryGetProperty("maximum", out var maximum) && value.GetDouble() > maximum.GetDouble())
            {
                errors.Add($"{path}: {value.GetDouble().ToString(CultureInfo.InvariantCulture)} is above {maximum.GetRawText()}");
            }
        }

        if (value.ValueKind == JsonValueKind.String && schema.TryGetProperty("pattern", out var pattern)
            && !Regex.IsMatch(value.GetString()!, pattern.GetString()!, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            errors.Add($"{path}: '{value.GetString()}' does not match {pattern.GetString()}");
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            if (schema.TryGetProperty("minItems", out var minItems) && value.GetArrayLength() < minItems.GetInt32())
            {
                errors.Add($"{path}: fewer than {minItems.GetInt32()} items");
            }

            if (schema.TryGetProperty("items", out var items))
            {
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Check(items, item, $"{path}[{index++}]", errors);
                }
            }
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            CheckObject(schema, value, path, errors);
        }

        if (schema.TryGetProperty("oneOf", out var alternatives))
        {
            CheckOneOf(alternatives, value, path, errors);
        }
    }

    private void CheckOneOf(JsonElement alternatives, JsonElement value, string path, List<string> errors)
    {
        var failures = new List<string>();
        var matched = 0;
        foreach (var alternative in alternatives.EnumerateArray())
        {
            var problems = new List<string>();
            Check(alternative, value, path, problems);
            if (problems.Count == 0)
            {
                matched++;
            }
            else
            {
                failures.Add(problems[0].StartsWith(path + ": ", StringComparison.Ordinal) ? problems[0][(path.Length + 2)..] : problems[0]);
            }
        }

        if (matched == 0)
        {
            errors.Add($"{path}: matches none of oneOf ({string.Join(" | ", failures)})");
        }
        else if (matched > 1)
        {
            errors.Add($"{path}: matches {matched} of oneOf, expected exactly one");
        }
    }

    private void CheckObject(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                if (!value.TryGetProperty(name, out _))
                {
                    errors.Add($"{path}: missing required '{name}'");
                }
            }
        }

        var hasProperties = schema.TryGetProperty("properties", out var properties);
        var hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var property in value.EnumerateObject())
        {
            var childPath = $"{path}.{property.Name}";
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(propertySchema, property.Value, childPath, errors);
            }
            else if (hasAdditional && additional.ValueKind == JsonValueKind.False)
            {
                errors.Add($"{childPath}: is not allowed");
            }
            else if (hasAdditional && additional.ValueKind == JsonValueKind.Object)
            {
                Check(additional, property.Value, childPath, errors);
            }
        }
    }

    private JsonElement Resolve(string reference)
    {
        const string Prefix = "#/$defs/";
        if (!reference.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new NotSupportedException($"Only local #/$defs references are supported, not '{reference}'.");
        }

        return _root.GetProperty("$defs").GetProperty(reference[Prefix.Length..]);
    }

    private static bool HasType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => throw new NotSupportedException($"Unknown type '{type}'."),
    };
}
