using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeGateway.StreamProcessor.Ingest;

/// <summary>
/// A threshold alert: <c>METRIC&gt;VALUE</c> or <c>METRIC&lt;VALUE</c>, e.g. <c>pm25&gt;50</c>. A series
/// (device + metric) raises it when its newest reading crosses the threshold and clears it when a newer
/// reading is back on the good side.
/// </summary>
/// <param name="Metric">The metric it watches.</param>
/// <param name="Above">True for <c>&gt;</c>, false for <c>&lt;</c>.</param>
/// <param name="Threshold">The threshold.</param>
internal sealed partial record AlertRule(string Metric, bool Above, double Threshold)
{
    /// <summary>The rule as written, e.g. <c>pm25&gt;50</c> (its identity in the state and on the topic).</summary>
    public string Name => $"{Metric}{(Above ? '>' : '<')}{Threshold.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Whether <paramref name="value"/> is in the alert state.</summary>
    public bool Breached(double value) => Above ? value > Threshold : value < Threshold;

    /// <summary>Parses <c>METRIC&gt;VALUE</c> or <c>METRIC&lt;VALUE</c>.</summary>
    /// <exception cref="FormatException">Says what is expected.</exception>
    public static AlertRule Parse(string text)
    {
        var match = Syntax().Match(text ?? string.Empty);
        if (!match.Success || !double.TryParse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold))
        {
            throw new FormatException($"'{text}' is not an alert rule: expected METRIC>VALUE or METRIC<VALUE, e.g. pm25>50");
        }

        return new AlertRule(match.Groups["metric"].Value, match.Groups["op"].Value == ">", threshold);
    }

    [GeneratedRegex(@"^\s*(?<metric>[A-Za-z0-9._:-]+)\s*(?<op>[<>])\s*(?<value>[-+0-9.eE]+)\s*$")]
    private static partial Regex Syntax();
}
