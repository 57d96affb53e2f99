using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace EdgeGateway.Configuration;

/// <summary>
/// Checks raw configuration against the options classes before binding: unknown keys, values that do
/// not convert to the property's type, objects where a value is expected. The binder's own messages
/// are terse; these name the key, show the value and say what is expected.
/// </summary>
internal static class ConfigurationChecker
{
    /// <summary>Adds every problem of a section's raw values to <paramref name="errors"/>.</summary>
    /// <param name="configuration">The raw section.</param>
    /// <param name="optionsType">The options class it binds to.</param>
    /// <param name="path">The section's key.</param>
    /// <param name="errors">Where problems are added.</param>
    /// <param name="skipUnknownKeys">Keys the class lacks belong to someone else (section <c>Logging</c>): not errors.</param>
    public static void Check(IConfiguration configuration, Type optionsType, string path, List<(string Key, string Problem)> errors, bool skipUnknownKeys = false)
    {
        foreach (var child in configuration.GetChildren())
        {
            var childPath = $"{path}:{child.Key}";
            var property = FindProperty(optionsType, child.Key);
            if (property is null)
            {
                if (!skipUnknownKeys)
                {
                    errors.Add((childPath, UnknownKeyMessage(optionsType, child.Key)));
                }

                continue;
            }

            CheckValue(child, property.PropertyType, childPath, errors);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, string path, List<(string Key, string Problem)> errors)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        var hasChildren = section.GetChildren().Any();
        if (IsScalar(target))
        {
            if (hasChildren)
            {
                errors.Add((path, $"expected {Describe(target)}, found an object or a list"));
            }
            else if (section.Value is { Length: > 0 } value && TryConvert(target, value) is { } problem)
            {
                errors.Add((path, problem));
            }

            return;
        }

        if (ElementType(target) is { } element)
        {
            if (section.Value is { Length: > 0 })
            {
                errors.Add((path, "expected a list"));
                return;
            }

            foreach (var item in section.GetChildren())
            {
                CheckValue(item, element, $"{path}:{item.Key}", errors);
            }

            return;
        }

        if (section.Value is { Length: > 0 })
        {
            errors.Add((path, "expected an object"));
            return;
        }

        Check(section, target, path, errors);
    }

    private static string? TryConvert(Type type, string value)
    {
        if (type == typeof(string))
        {
            return null;
        }

        if (type.IsEnum)
        {
            return KebabCaseEnumConverter.TryParse(type, value, out _)
                ? null
                : $"'{value}' is not one of: {string.Join(", ", KebabCaseEnumConverter.Names(type))}";
        }

        if (type == typeof(TimeSpan))
        {
            return DurationConverter.TryParse(value, out _) ? null : $"'{value}' is not {DurationConverter.Expected}";
        }

        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return null;
        }
        catch (Exception error) when (error is FormatException or ArgumentException or NotSupportedException or OverflowException
                                      || error.InnerException is FormatException or OverflowException)
        {
            return $"'{value}' is not {Describe(type)}";
        }
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "a whole number",
        _ when type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(byte) => "a whole number of zero or more",
        _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
        _ when type == typeof(TimeSpan) => DurationConverter.Expected,
        _ when type == typeof(ByteSize) => ByteSize.Expected,
        _ when type.IsEnum => $"one of: {string.Join(", ", KebabCaseEnumConverter.Names(type))}",
        _ => $"a {type.Name} value",
    };

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal)
        || type == typeof(TimeSpan) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri)
        || type == typeof(ByteSize);

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>)
                || definition == typeof(ICollection<>) || definition == typeof(IEnumerable<>)))
        {
            return type.GetGenericArguments()[0];
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() is var map
            && (map == typeof(Dictionary<,>) || map == typeof(IDictionary<,>) || map == typeof(IReadOnlyDictionary<,>)))
        {
            return type.GetGenericArguments()[1];
        }

        return typeof(IEnumerable).IsAssignableFrom(type) && type != typeof(string) ? typeof(object) : null;
    }

    private static PropertyInfo? FindProperty(Type type, string key) =>
        Bindable(type).FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<PropertyInfo> Bindable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } || (p.CanRead && ElementType(p.PropertyType) is not null));

    private static string UnknownKeyMessage(Type type, string key)
    {
        var known = Bindable(type).Select(p => p.Name).ToList();
        var suggestion = known
            .Select(name => (Name: name, Distance: EditDistance(name.ToLowerInvariant(), key.ToLowerInvariant())))
            .Where(c => c.Distance <= Math.Max(2, key.Length / 4))
            .OrderBy(c => c.Distance)
            .Select(c => c.Name)
            .FirstOrDefault();
        return suggestion is not null
            ? $"unknown key; did you mean '{suggestion}'?"
            : $"unknown key; known keys here: {string.Join(", ", known)}";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    internal static string FormatValue(object? value) => value switch
    {
        null => "nothing",
        TimeSpan duration => DurationConverter.Format(duration),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
