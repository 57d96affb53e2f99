using System.Diagnostics.CodeAnalysis;
using EdgeGateway.Domain;

namespace EdgeGateway.Decoding;

/// <summary>What a metric name must be, as <see cref="Reading"/> requires: 1 to 64 characters, no whitespace or control characters.</summary>
internal static class MetricName
{
    public static bool IsValid([NotNullWhen(true)] string? name, [NotNullWhen(false)] out string? problem) =>
        IsValid(name.AsSpan(), out problem) && name is not null;

    public static bool IsValid(ReadOnlySpan<char> name, [NotNullWhen(false)] out string? problem)
    {
        if (name.IsEmpty)
        {
            problem = "it is empty";
            return false;
        }

        if (name.Length > Reading.MaxMetricLength)
        {
            problem = $"it is longer than {Reading.MaxMetricLength} characters";
            return false;
        }

        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                problem = "it holds whitespace or a control character";
                return false;
            }
        }

        problem = null;
        return true;
    }
}

/// <summary>What a unit must be, as <see cref="Reading"/> requires: 1 to 32 characters, not blank.</summary>
internal static class UnitName
{
    public const int MaxLength = 32;

    public static bool IsValid(ReadOnlySpan<char> unit, [NotNullWhen(false)] out string? problem)
    {
        if (unit.IsWhiteSpace())
        {
            problem = "is not a valid unit: it is blank";
            return false;
        }

        if (unit.Length > MaxLength)
        {
            problem = $"is not a valid unit: it is longer than {MaxLength} characters";
            return false;
        }

        problem = null;
        return true;
    }
}

/// <summary>Dotted field paths of the JSON mapping (<c>pm.pm25</c>).</summary>
internal static class FieldPath
{
    public static bool IsValid(string path, [NotNullWhen(false)] out string? problem)
    {
        if (path.Length == 0)
        {
            problem = "is empty";
            return false;
        }

        var segments = path.Split('.');
        if (segments.Any(s => s.Length == 0))
        {
            problem = "has an empty segment (write nested fields as parent.child)";
            return false;
        }

        if (segments.Length > JsonDecoderOptions.MaxPathDepth)
        {
            problem = $"is nested deeper than {JsonDecoderOptions.MaxPathDepth} levels";
            return false;
        }

        problem = null;
        return true;
    }

    /// <summary>Whether <paramref name="prefix"/> names an object that holds <paramref name="path"/> (<c>pm</c> for <c>pm.pm25</c>).</summary>
    public static bool IsPrefix(string prefix, string path) =>
        path.Length > prefix.Length && path[prefix.Length] == '.' && path.StartsWith(prefix, StringComparison.Ordinal);
}

/// <summary>Epoch times and the SenML time rules.</summary>
internal static class EpochTime
{
    /// <summary>
    /// Epoch numbers below this are seconds, above it milliseconds: 1e11 seconds is the year 5138, 1e11
    /// milliseconds is March 1973, so any plausible device time is unambiguous.
    /// </summary>
    public const double MillisecondsThreshold = 1e11;

    /// <summary>Epoch numbers at or above this (1e14 ms, the year 5138) are refused as neither seconds nor milliseconds.</summary>
    public const double UpperLimit = 1e14;

    /// <summary>RFC 8428 section 4.5.3: SenML times below 2^28 are relative to now (2^28 seconds is 1978-07-04).</summary>
    public const double SenMlRelativeThreshold = 268_435_456;

    private static readonly double MaxUnixSeconds = (DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).TotalSeconds;

    /// <summary>An epoch number in seconds or milliseconds, told apart by magnitude; false when negative, not finite or too large.</summary>
    public static bool TryFromEpochNumber(double value, out DateTimeOffset time)
    {
        time = default;
        if (!double.IsFinite(value) || value < 0 || value >= UpperLimit)
        {
            return false;
        }

        return TryFromUnixSeconds(value < MillisecondsThreshold ? value : value / 1000, out time);
    }

    /// <summary>An integer epoch number, exactly (no rounding through a double for milliseconds).</summary>
    public static bool TryFromEpochNumber(long value, out DateTimeOffset time)
    {
        time = default;
        if (value < 0 || value >= UpperLimit)
        {
            return false;
        }

        var ticks = value < MillisecondsThreshold ? value * TimeSpan.TicksPerSecond : value * TimeSpan.TicksPerMillisecond;
        time = DateTimeOffset.UnixEpoch.AddTicks(ticks);
        return true;
    }

    /// <summary>A SenML resolved time (base time plus time): absolute epoch seconds, or relative to <paramref name="now"/> below 2^28.</summary>
    public static bool TryFromSenMl(double seconds, DateTimeOffset now, out DateTimeOffset time)
    {
        time = default;
        if (!double.IsFinite(seconds))
        {
            return false;
        }

        if (seconds >= SenMlRelativeThreshold)
        {
            return TryFromUnixSeconds(seconds, out time);
        }

        // Relative: "now" plus the (usually negative) offset. Bounded first (±10^10 s is ±317 years) so the
        // tick arithmetic below cannot overflow.
        if (Math.Abs(seconds) > 1e10)
        {
            return false;
        }

        var ticks = now.UtcTicks + (long)Math.Round(seconds * TimeSpan.TicksPerSecond);
        if (ticks < DateTimeOffset.UnixEpoch.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        time = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }

    private static bool TryFromUnixSeconds(double seconds, out DateTimeOffset time)
    {
        time = default;
        if (seconds < 0 || seconds > MaxUnixSeconds)
        {
            return false;
        }

        var ticks = (long)Math.Round(seconds * TimeSpan.TicksPerSecond);
        if (ticks > DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks)
        {
            return false;
        }

        time = DateTimeOffset.UnixEpoch.AddTicks(ticks);
        return true;
    }
}
