using System.Globalization;
using System.Text;

namespace EdgeGateway.Observability;

/// <summary>
/// Renders metric families in the Prometheus text exposition format 0.0.4: a <c># HELP</c> and a
/// <c># TYPE</c> line per family, then one line per sample; histograms as cumulative
/// <c>_bucket{le="…"}</c> samples ending in <c>le="+Inf"</c>, then <c>_sum</c> and <c>_count</c>.
/// Help text escapes <c>\</c> and line feeds; label values escape <c>\</c>, <c>"</c> and line feeds.
/// </summary>
public static class PrometheusTextWriter
{
    /// <summary>The Content-Type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Renders <paramref name="families"/> into <paramref name="output"/>.</summary>
    public static void Write(StringBuilder output, IEnumerable<MetricFamily> families)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(families);
        foreach (var family in families)
        {
            output.Append("# HELP ").Append(family.Name).Append(' ');
            AppendEscaped(output, family.Help, escapeQuote: false);
            output.Append('\n');
            output.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type switch
            {
                MetricType.Counter => "counter",
                MetricType.Gauge => "gauge",
                _ => "histogram",
            }).Append('\n');
            foreach (var series in family.Series)
            {
                if (family.Type == MetricType.Histogram && series.Histogram is { } histogram)
                {
                    AppendHistogram(output, family.Name, series.Labels, histogram);
                }
                else
                {
                    AppendSample(output, family.Name, series.Labels, null, series.Value);
                }
            }
        }
    }

    /// <summary>Renders <paramref name="families"/> to a string.</summary>
    public static string Write(IEnumerable<MetricFamily> families)
    {
        var output = new StringBuilder(16 * 1024);
        Write(output, families);
        return output.ToString();
    }

    /// <summary>A sample value as the format writes it: shortest round-trip, <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.</summary>
    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static void AppendHistogram(StringBuilder output, string name, IReadOnlyList<KeyValuePair<string, string>> labels, HistogramValue histogram)
    {
        long cumulative = 0;
        for (var i = 0; i < histogram.UpperBounds.Count; i++)
        {
            cumulative += histogram.BucketCounts[i];
            AppendSample(output, name + "_bucket", labels, FormatValue(histogram.UpperBounds[i]), cumulative);
        }

        cumulative += histogram.BucketCounts[^1];
        AppendSample(output, name + "_bucket", labels, "+Inf", cumulative);
        AppendSample(output, name + "_sum", labels, null, histogram.Sum);
        AppendSample(output, name + "_count", labels, null, cumulative);
    }

    private static void AppendSample(StringBuilder output, string name, IReadOnlyList<KeyValuePair<string, string>> labels, string? le, double value)
    {
        output.Append(name);
        if (labels.Count > 0 || le is not null)
        {
            output.Append('{');
            var first = true;
            foreach (var (key, labelValue) in labels)
            {
                if (!first)
                {
                    output.Append(',');
                }

                first = false;
                output.Append(key).Append("=\"");
                AppendEscaped(output, labelValue, escapeQuote: true);
                output.Append('"');
            }

            if (le is not null)
            {
                output.Append(first ? string.Empty : ",").Append("le=\"").Append(le).Append('"');
            }

            output.Append('}');
        }

        output.Append(' ').Append(FormatValue(value)).Append('\n');
    }

    private static void AppendEscaped(StringBuilder output, string text, bool escapeQuote)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\':
                    output.Append(@"\\");
                    break;
                case '\n':
                    output.Append(@"\n");
                    break;
                case '"' when escapeQuote:
                    output.Append("\\\"");
                    break;
                default:
                    output.Append(c);
                    break;
            }
        }
    }
}
