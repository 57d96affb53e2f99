using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Reflection;

namespace EdgeGateway.Configuration;

/// <summary>
/// Validates a bound options object (and the objects and lists inside it) with its data annotations
/// and <see cref="IValidatableObject"/> rules, reporting each problem against its configuration key.
/// </summary>
public static class OptionsValidator
{
    /// <summary>Returns every problem in <paramref name="options"/>; keys start with <paramref name="path"/>.</summary>
    public static IReadOnlyList<(string Key, string Problem)> Validate(object options, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<(string Key, string Problem)>();
        ValidateObject(options, path, errors);
        return errors;
    }

    private static void ValidateObject(object instance, string path, List<(string Key, string Problem)> errors)
    {
        var type = instance.GetType();
        var before = errors.Count;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            var attributes = property.GetCustomAttributes<ValidationAttribute>(inherit: true).ToList();
            if (attributes.Count == 0 && !IsNested(property.PropertyType))
            {
                continue;
            }

            var value = property.GetValue(instance);
            var key = $"{path}:{property.Name}";
            foreach (var attribute in attributes)
            {
                if (!attribute.IsValid(value))
                {
                    errors.Add((key, Message(attribute, value)));
                    break;
                }
            }

            switch (value)
            {
                case null or string:
                    break;
                case IDictionary dictionary:
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        if (entry.Value is not null && IsNested(entry.Value.GetType()))
                        {
                            ValidateObject(entry.Value, $"{key}:{entry.Key}", errors);
                        }
                    }

                    break;
                case IEnumerable items:
                    var index = 0;
                    foreach (var item in items)
                    {
                        if (item is not null && IsNested(item.GetType()))
                        {
                            ValidateObject(item, $"{key}:{index}", errors);
                        }

                        index++;
                    }

                    break;
                default:
                    if (IsNested(value.GetType()))
                    {
                        ValidateObject(value, key, errors);
                    }

                    break;
            }
        }

        // Cross-field rules only make sense once every field is valid on its own.
        if (errors.Count == before && instance is IValidatableObject validatable)
        {
            foreach (var result in validatable.Validate(new ValidationContext(instance)))
            {
                var member = result.MemberNames.FirstOrDefault();
                errors.Add((member is null ? path : $"{path}:{member}", result.ErrorMessage ?? "is invalid"));
            }
        }
    }

    private static bool IsNested(Type type) =>
        type.IsClass && type != typeof(string) && !type.IsArray && type.Namespace?.StartsWith("System", StringComparison.Ordinal) != true
        || typeof(IEnumerable).IsAssignableFrom(type) && type != typeof(string);

    private static string Message(ValidationAttribute attribute, object? value) => attribute switch
    {
        RequiredAttribute => "is required",
        RangeAttribute range => $"{ConfigurationChecker.FormatValue(value)} is out of range (allowed: {range.Minimum} to {range.Maximum})",
        MaxLengthAttribute maxLength => $"must be at most {maxLength.Length} characters",
        DurationRangeAttribute or SizeRangeAttribute => $"{ConfigurationChecker.FormatValue(value)} is out of range ({attribute.FormatErrorMessage(string.Empty)})",
        _ when attribute.ErrorMessage is not null => $"'{ConfigurationChecker.FormatValue(value)}' {attribute.ErrorMessage}",
        _ => attribute.FormatErrorMessage("value"),
    };
}
