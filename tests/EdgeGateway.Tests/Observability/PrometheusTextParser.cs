using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeGateway.Tests.Observability;

/// <summary>
/// A small, strict parser of the Prometheus text exposition format 0.0.4, stricter than Prometheus
/// itself where the gateway's own output should be exemplary. It refuses: lines that do not parse,
/// a sample whose family has no <c># TYPE</c> (or no <c># HELP</c>) before it, a family whose lines
/// are not together, a second HELP or TYPE, types other than counter, gauge and histogram, counters
/// not named <c>*_total</c> or negative, invalid metric or label names, reserved <c>__</c> labels,
/// a label twice in a sample, escapes other than <c>\\</c>, <c>\"</c>, <c>\n</c>, the same series
/// twice, and histograms whose buckets are not ascending, not cumulative, lack <c>le="+Inf"</c>, or
/// disagree with <c>_count</c>, or lack <c>_sum</c>.
/// </summary>
internal static partial class PrometheusTextParser
{
    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> naming the line and the rule broken.</summary>
    public static PrometheusDocument Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the text does not end with a line feed");
        }

        if (text.Contains('\r', StringComparison.Ordinal))
        {
            throw new FormatException("the text has a carriage return (lines end with \\n only)");
        }

        var families = new Dictionary<string, ParsedFamily>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        ParsedFamily? current = null;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            var number = i + 1;
            try
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (line.StartsWith('#'))
                {
                    ParseMetadata(line, families, closed, ref current);
                    continue;
                }

                var sample = ParseSample(line);
                var owner = FamilyOf(sample.Name, families)
                    ?? throw new FormatException($"sample '{sample.Name}' has no # TYPE line before it");
                if (owner.Help is null)
                {
                    throw new FormatException($"family '{owner.Name}' has no # HELP line before its samples");
                }

                if (!ReferenceEquals(owner, current))
                {
                    throw new FormatException($"the lines of family '{owner.Name}' are not together");
                }

                CheckSampleAgainstFamily(sample, owner);
                if (!owner.SeriesKeys.Add(sample.Key))
                {
                    throw new FormatException($"duplicate series {sample.Key}");
                }

                owner.Samples.Add(sample);
            }
            catch (FormatException error)
            {
                throw new FormatException($"line {number}: {error.Message}: {line}", error);
            }
        }

        foreach (var family in families.Values)
        {
            if (family.Type == "histogram")
            {
                CheckHistogram(family);
            }
        }

        return new PrometheusDocument(families);
    }

    private static void ParseMetadata(string line, Dictionary<string, ParsedFamily> families, HashSet<string> closed, ref ParsedFamily? current)
    {
        var help = line.StartsWith("# HELP ", StringComparison.Ordinal);
        var type = line.StartsWith("# TYPE ", StringComparison.Ordinal);
        if (!help && !type)
        {
            if (line.StartsWith("# HELP", StringComparison.Ordinal) || line.StartsWith("# TYPE", StringComparison.Ordinal) || !line.StartsWith("# ", StringComparison.Ordinal) && line != "#")
            {
                throw new FormatException("malformed comment or metadata line");
            }

            return;
        }

        var rest = line[7..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        var name = space < 0 ? rest : rest[..space];
        var argument = space < 0 ? null : rest[(space + 1)..];
        if (!MetricName().IsMatch(name))
        {
            throw new FormatException($"invalid metric name '{name}'");
        }

        if (!families.TryGetValue(name, out var family))
        {
            if (closed.Contains(name))
            {
                throw new FormatException($"the lines of family '{name}' are not together");
            }

            family = new ParsedFamily(name);
            families[name] = family;
        }

        if (!ReferenceEquals(family, current))
        {
            if (current is not null)
            {
                closed.Add(current.Name);
            }

            if (family.Samples.Count > 0)
            {
                throw new FormatException($"the lines of family '{name}' are not together");
            }

            current = family;
        }

        if (family.Samples.Count > 0)
        {
            throw new FormatException($"{(help ? "HELP" : "TYPE")} of '{name}' comes after its samples");
        }

        if (help)
        {
            if (family.Help is not null)
            {
                throw new FormatException($"second HELP line for '{name}'");
            }

            family.Help = Unescape(argument ?? string.Empty, allowQuote: false);
        }
        else
        {
            if (family.Type is not null)
            {
                throw new FormatException($"second TYPE line for '{name}'");
            }

            family.Type = argument switch
            {
                "counter" or "gauge" or "histogram" => argument,
                _ => throw new FormatException($"type '{argument}' is not counter, gauge or histogram"),
            };
            if (family.Type == "counter" && !name.EndsWith("_total", StringComparison.Ordinal))
            {
                throw new FormatException($"counter '{name}' does not end in _total");
            }

            if (family.Type != "counter" && name.EndsWith("_total", StringComparison.Ordinal))
            {
                throw new FormatException($"{family.Type} '{name}' ends in _total, which is for counters");
            }
        }
    }

    private static ParsedSample ParseSample(string line)
    {
        var position = 0;
        while (position < line.Length && line[position] is not ('{' or ' '))
        {
            position++;
        }

        var name = line[..position];
        if (!MetricName().IsMatch(name))
        {
            throw new FormatException($"invalid metric name '{name}'");
        }

        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (true)
            {
                if (position < line.Length && line[position] == '}' && labels.Count == 0)
                {
                    position++;
                    break;
                }

                var start = position;
                while (position < line.Length && line[position] != '=')
                {
                    position++;
                }

                var label = line[start..position];
                if (!LabelName().IsMatch(label))
                {
                    throw new FormatException($"invalid label name '{label}'");
                }

                if (label.StartsWith("__", StringComparison.Ordinal))
                {
                    throw new FormatException($"label '{label}' is reserved");
                }

                if (position + 1 >= line.Length || line[position + 1] != '"')
                {
                    throw new FormatException($"label '{label}' has no quoted value");
                }

                position += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (position >= line.Length)
                    {
                        throw new FormatException($"the value of label '{label}' is not closed");
                    }

                    var c = line[position];
                    if (c == '"')
                    {
                        position++;
                        break;
                    }

                    if (c == '\\')
                    {
                        if (position + 1 >= line.Length)
                        {
                            throw new FormatException("a backslash ends the line");
                        }

                        value.Append(line[position + 1] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var other => throw new FormatException($"invalid escape '\\{other}' in label '{label}'"),
                        });
                        position += 2;
                        continue;
                    }

                    value.Append(c);
                    position++;
                }

                if (!labels.TryAdd(label, value.ToString()))
                {
                    throw new FormatException($"label '{label}' appears twice");
                }

                if (position < line.Length && line[position] == ',')
                {
                    position++;
                    if (position < line.Length && line[position] == '}')
                    {
                        throw new FormatException("a comma before '}'");
                    }

                    continue;
                }

                if (position < line.Length && line[position] == '}')
                {
                    position++;
                    break;
                }

                throw new FormatException($"expected ',' or '}}' after label '{label}'");
            }
        }

        if (position >= line.Length || line[position] != ' ')
        {
            throw new FormatException("expected one space before the value");
        }

        var fields = line[(position + 1)..].Split(' ');
        if (fields.Length is < 1 or > 2 || fields.Any(f => f.Length == 0))
        {
            throw new FormatException("expected 'value' or 'value timestamp' after the labels, separated by single spaces");
        }

        var sampleValue = ParseValue(fields[0]);
        if (fields.Length == 2 && !long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw new FormatException($"invalid timestamp '{fields[1]}'");
        }

        return new ParsedSample(name, labels, sampleValue);
    }

    /// <summary>A sample value: a decimal or exponent float, or <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.</summary>
    public static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when FloatText().IsMatch(text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => throw new FormatException($"invalid value '{text}'"),
    };

    private static ParsedFamily? FamilyOf(string sampleName, Dictionary<string, ParsedFamily> families)
    {
        if (families.TryGetValue(sampleName, out var exact) && exact.Type is not null && exact.Type != "histogram")
        {
            return exact;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal)
                && families.TryGetValue(sampleName[..^suffix.Length], out var histogram) && histogram.Type == "histogram")
            {
                return histogram;
            }
        }

        return null;
    }

    private static void CheckSampleAgainstFamily(ParsedSample sample, ParsedFamily family)
    {
        switch (family.Type)
        {
            case "counter":
                if (double.IsNaN(sample.Value) || sample.Value < 0)
                {
                    throw new FormatException($"counter '{sample.Name}' is {sample.Value}");
                }

                break;
            case "histogram":
                var isBucket = sample.Name.EndsWith("_bucket", StringComparison.Ordinal);
                if (isBucket != sample.Labels.ContainsKey("le"))
                {
                    throw new FormatException(isBucket ? "a _bucket sample without le" : $"'{sample.Name}' has an le label");
                }

                if (isBucket)
                {
                    var le = ParseValue(sample.Labels["le"]);
                    if (double.IsNaN(le))
                    {
                        throw new FormatException("le is NaN");
                    }
                }

                if (!sample.Name.EndsWith("_sum", StringComparison.Ordinal) && (sample.Value < 0 || double.IsNaN(sample.Value) || sample.Value != Math.Floor(sample.Value)))
                {
                    throw new FormatException($"'{sample.Name}' is not a count: {sample.Value}");
                }

                break;
        }

        if (family.Type != "histogram" && sample.Labels.ContainsKey("le"))
        {
            throw new FormatException($"label le on a {family.Type}");
        }
    }

    private static void CheckHistogram(ParsedFamily family)
    {
        foreach (var series in family.Samples.GroupBy(s => s.LabelsWithout("le"), StringComparer.Ordinal))
        {
            var buckets = series.Where(s => s.Name == family.Name + "_bucket").ToList();
            var previousBound = double.NegativeInfinity;
            var previousCount = 0.0;
            foreach (var bucket in buckets)
            {
                var bound = ParseValue(bucket.Labels["le"]);
                if (bound <= previousBound)
                {
                    throw new FormatException($"histogram '{family.Name}' {series.Key}: buckets are not in ascending order of le ({bound} after {previousBound})");
                }

                if (bucket.Value < previousCount)
                {
                    throw new FormatException($"histogram '{family.Name}' {series.Key}: bucket le={bucket.Labels["le"]} has {bucket.Value}, fewer than the bucket before ({previousCount})");
                }

                previousBound = bound;
                previousCount = bucket.Value;
            }

            if (!double.IsPositiveInfinity(previousBound))
            {
                throw new FormatException($"histogram '{family.Name}' {series.Key}: no le=\"+Inf\" bucket last");
            }

            var count = series.SingleOrDefault(s => s.Name == family.Name + "_count")
                ?? throw new FormatException($"histogram '{family.Name}' {series.Key}: no _count");
            if (count.Value != previousCount)
            {
                throw new FormatException($"histogram '{family.Name}' {series.Key}: _count {count.Value} differs from the +Inf bucket {previousCount}");
            }

            if (!series.Any(s => s.Name == family.Name + "_sum"))
            {
                throw new FormatException($"histogram '{family.Name}' {series.Key}: no _sum");
            }
        }
    }

    private static string Unescape(string text, bool allowQuote)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                result.Append(text[i]);
                continue;
            }

            if (i + 1 >= text.Length)
            {
                throw new FormatException("a backslash ends the line");
            }

            result.Append(text[++i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when allowQuote => '"',
                var other => throw new FormatException($"invalid escape '\\{other}' in HELP"),
            });
        }

        return result.ToString();
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")]
    private static partial Regex FloatText();
}

/// <summary>A parsed exposition: its families by name.</summary>
internal sealed class PrometheusDocument(IReadOnlyDictionary<string, ParsedFamily> families)
{
    public IReadOnlyDictionary<string, ParsedFamily> Families { get; } = families;

    /// <summary>The family named <paramref name="name"/>; fails the test when absent.</summary>
    public ParsedFamily this[string name] =>
        Families.TryGetValue(name, out var family) ? family : throw new Xunit.Sdk.XunitException($"no metric family '{name}'; families: {string.Join(", ", Families.Keys.Order(StringComparer.Ordinal))}");

    /// <summary>The value of the one sample named <paramref name="sampleName"/> with exactly <paramref name="labels"/>; fails when absent.</summary>
    public double Value(string sampleName, params (string Name, string Value)[] labels)
    {
        var family = Families.Values.FirstOrDefault(f => f.Samples.Any(s => s.Name == sampleName))
            ?? throw new Xunit.Sdk.XunitException($"no sample named '{sampleName}'");
        var wanted = new ParsedSample(sampleName, new SortedDictionary<string, string>(labels.ToDictionary(l => l.Name, l => l.Value), StringComparer.Ordinal), 0).Key;
        return family.Samples.SingleOrDefault(s => s.Key == wanted)?.Value
            ?? throw new Xunit.Sdk.XunitException($"no sample {wanted}; there are: {string.Join(", ", family.Samples.Select(s => s.Key))}");
    }

    /// <summary>The sum of the samples named <paramref name="sampleName"/> (0 when none).</summary>
    public double Sum(string sampleName) => Families.Values.SelectMany(f => f.Samples).Where(s => s.Name == sampleName).Sum(s => s.Value);
}

/// <summary>One family: its name, HELP, TYPE and samples.</summary>
internal sealed class ParsedFamily(string name)
{
    public string Name { get; } = name;

    public string? Help { get; set; }

    public string? Type { get; set; }

    public List<ParsedSample> Samples { get; } = [];

    public HashSet<string> SeriesKeys { get; } = new(StringComparer.Ordinal);
}

/// <summary>One sample line.</summary>
internal sealed record ParsedSample(string Name, SortedDictionary<string, string> Labels, double Value)
{
    public string Key => Name + LabelsWithout(null);

    public string LabelsWithout(string? label) =>
        $"{{{string.Join(",", Labels.Where(l => l.Key != label).Select(l => $"{l.Key}=\"{l.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\""))}}}";
}
