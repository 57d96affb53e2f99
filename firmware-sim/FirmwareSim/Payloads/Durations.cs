using System.Globalization;

namespace FirmwareSim.Payloads;

/// <summary>
/// Durations as people and scenario files write them: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>,
/// <c>1d</c>, or a plain number of seconds (<c>2.5</c>).
/// </summary>
public static class Durations
{
    /// <summary>Parses a duration; false when the text is not one of the forms above or is negative.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.Trim();
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];
        var factor = 1.0;
        foreach (var (suffix, seconds) in units)
        {
            // "ms" is tried before "s" and "m", so "500ms" is never read as minutes or seconds.
            if (span.EndsWith(suffix, StringComparison.Ordinal))
            {
                span = span[..^suffix.Length];
                factor = seconds;
                break;
            }
        }

        if (!double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0)
        {
            return false;
        }

        var total = value * factor;
        if (total > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(total);
        return true;
    }

    /// <summary>Formats a duration in the largest unit that keeps it whole (<c>1500ms</c>, <c>90s</c>, <c>5m</c>).</summary>
    public static string Format(TimeSpan duration)
    {
        var ms = duration.TotalMilliseconds;
        (string Suffix, double Milliseconds)[] units = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)];
        foreach (var (suffix, size) in units)
        {
            if (ms >= size && ms % size == 0)
            {
                return (ms / size).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return ms.ToString(CultureInfo.InvariantCulture) + "ms";
    }
}
