using System.ComponentModel;
using System.Globalization;

namespace EdgeGateway.Configuration;

/// <summary>
/// Reads durations the way operators write them: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>,
/// <c>7d</c> (decimals allowed: <c>1.5h</c>), as well as .NET's <c>00:00:30</c>. Registered for
/// <see cref="TimeSpan"/> by <see cref="GatewayConfiguration"/> so the configuration binder uses it.
/// </summary>
public sealed class DurationConverter : TypeConverter
{
    /// <summary>The accepted forms, for error messages.</summary>
    public const string Expected = "a duration such as 500ms, 30s, 5m, 2h, 7d or 00:00:30";

    /// <inheritdoc />
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    /// <inheritdoc />
    public override bool CanConvertTo(ITypeDescriptorContext? context, Type? destinationType) =>
        destinationType == typeof(string) || base.CanConvertTo(context, destinationType);

    /// <inheritdoc />
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text
            ? TryParse(text, out var duration) ? duration : throw new FormatException($"'{text}' is not {Expected}.")
            : base.ConvertFrom(context, culture, value);

    /// <inheritdoc />
    public override object? ConvertTo(ITypeDescriptorContext? context, CultureInfo? culture, object? value, Type destinationType) =>
        destinationType == typeof(string) && value is TimeSpan duration
            ? Format(duration)
            : base.ConvertTo(context, culture, value, destinationType);

    /// <summary>Parses a duration in any accepted form.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        if (trimmed.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out duration);
        }

        var (number, unit) = SplitUnit(trimmed);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        double? milliseconds = unit switch
        {
            "ms" => amount,
            "s" => amount * 1000,
            "m" or "min" => amount * 60_000,
            "h" => amount * 3_600_000,
            "d" => amount * 86_400_000,
            _ => null,
        };
        if (milliseconds is not { } ms || ms > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    /// <summary>Formats a duration in the shortest operator form that is exact (e.g. <c>5ms</c>, <c>30s</c>, <c>7d</c>).</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }

        if (duration.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            return duration.ToString("c", CultureInfo.InvariantCulture);
        }

        var ms = (long)duration.TotalMilliseconds;
        return ms switch
        {
            _ when ms % 86_400_000 == 0 => $"{ms / 86_400_000}d",
            _ when ms % 3_600_000 == 0 => $"{ms / 3_600_000}h",
            _ when ms % 60_000 == 0 => $"{ms / 60_000}m",
            _ when ms % 1000 == 0 => $"{ms / 1000}s",
            _ => $"{ms}ms",
        };
    }

    private static (string Number, string Unit) SplitUnit(string text)
    {
        var split = text.Length;
        while (split > 0 && char.IsAsciiLetter(text[split - 1]))
        {
            split--;
        }

        return (text[..split].TrimEnd(), text[split..].ToLowerInvariant());
    }
}
