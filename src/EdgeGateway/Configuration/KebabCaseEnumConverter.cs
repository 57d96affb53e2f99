using System.ComponentModel;
using System.Globalization;
using System.Text;

namespace EdgeGateway.Configuration;

/// <summary>
/// Reads enum values written in kebab case (<c>drop-oldest</c> for <c>DropOldest</c>), the form used
/// throughout the configuration file; the member name itself is accepted too, case-insensitively.
/// Put <c>[TypeConverter(typeof(KebabCaseEnumConverter))]</c> on an enum used in options.
/// </summary>
/// <param name="type">The enum type.</param>
public sealed class KebabCaseEnumConverter(Type type) : EnumConverter(type)
{
    /// <summary>The accepted spellings of every value of <paramref name="enumType"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Names(Type enumType) => [.. Enum.GetNames(enumType).Select(ToKebabCase)];

    /// <summary>Parses a value, or returns false.</summary>
    public static bool TryParse(Type enumType, string? text, out object? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        foreach (var name in Enum.GetNames(enumType))
        {
            if (string.Equals(ToKebabCase(name), trimmed, StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                value = Enum.Parse(enumType, name);
                return true;
            }
        }

        return false;
    }

    /// <summary>Turns <c>DropOldest</c> into <c>drop-oldest</c> (and <c>V311</c> into <c>v311</c>).</summary>
    public static string ToKebabCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(name[i - 1]))
            {
                builder.Append('-');
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }

    /// <inheritdoc />
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text
            ? TryParse(EnumType, text, out var parsed)
                ? parsed
                : throw new FormatException($"'{text}' is not one of: {string.Join(", ", Names(EnumType))}.")
            : base.ConvertFrom(context, culture, value);

    /// <inheritdoc />
    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is not null && value.GetType() == EnumType
            ? ToKebabCase(value.ToString()!)
            : base.ConvertTo(context, culture, value, destinationType);
}
