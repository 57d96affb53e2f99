using System.Globalization;
using FirmwareSim.Payloads;

namespace FirmwareSim.Gpio;

/// <summary>What a simulated GPIO line carries.</summary>
public enum GpioLineKind
{
    /// <summary>Pulses at a Poisson rate (a traffic loop, a rain gauge, an S0 meter).</summary>
    Counter,

    /// <summary>A contact that closes and opens (a door, a parking-bay switch).</summary>
    Contact,
}

/// <summary>
/// One simulated GPIO line, parsed from <c>--gpio</c>: <c>KIND:OFFSET[:KEY=VALUE]...</c>, e.g.
/// <c>counter:17:rate=4:width=50ms:bounce=2/5ms</c> or <c>contact:22:closed=2s:open=3s:start=closed</c>.
/// </summary>
public sealed record GpioLineSettings
{
    /// <summary>The keys a line spec may have.</summary>
    public const string Keys = "name, rate, width (counter); closed, open, start (contact); bounce (both)";

    /// <summary>What it carries.</summary>
    public required GpioLineKind Kind { get; init; }

    /// <summary>The line's offset on the simulated chip.</summary>
    public required int Offset { get; init; }

    /// <summary>The name in the ledger and the output (default <c>KIND-OFFSET</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Counter: pulses per second on average.</summary>
    public double Rate { get; init; } = 1;

    /// <summary>Counter: how long each pulse is high.</summary>
    public TimeSpan Width { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Contact: mean time closed (high).</summary>
    public TimeSpan MeanClosed { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Contact: mean time open (low).</summary>
    public TimeSpan MeanOpen { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Contact: whether it starts closed.</summary>
    public bool StartsClosed { get; init; }

    /// <summary>Contact bounce after each real edge, if any.</summary>
    public BounceSettings? Bounce { get; init; }

    /// <summary>Parses a comma-separated list of line specs; problems are added to <paramref name="problems"/>.</summary>
    public static IReadOnlyList<GpioLineSettings> ParseList(string text, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(problems);
        var lines = new List<GpioLineSettings>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Parse(item, problems) is { } line)
            {
                if (lines.Any(l => l.Offset == line.Offset))
                {
                    problems.Add($"--gpio: line {line.Offset} is given twice");
                    continue;
                }

                lines.Add(line);
            }
        }

        return lines;
    }

    private static GpioLineSettings? Parse(string item, List<string> problems)
    {
        var parts = item.Split(':', StringSplitOptions.TrimEntries);
        GpioLineKind? kind = parts[0] switch
        {
            "counter" => GpioLineKind.Counter,
            "contact" => GpioLineKind.Contact,
            _ => null,
        };
        if (kind is null || parts.Length < 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset) || offset > 1023)
        {
            problems.Add($"--gpio: '{item}' is not counter:OFFSET[:KEY=VALUE]... or contact:OFFSET[:KEY=VALUE]... (offset 0 to 1023)");
            return null;
        }

        var line = new GpioLineSettings { Kind = kind.Value, Offset = offset, Name = $"{parts[0]}-{offset}" };
        foreach (var parameter in parts.Skip(2))
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 ? parameter[..equals] : parameter;
            var value = equals > 0 ? parameter[(equals + 1)..] : string.Empty;
            var applied = (key, kind) switch
            {
                ("name", _) when value.Length > 0 => line with { Name = value },
                ("rate", GpioLineKind.Counter) when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate is > 0 and <= 1000 => line with { Rate = rate },
                ("width", GpioLineKind.Counter) when Positive(value) is { } width => line with { Width = width },
                ("closed", GpioLineKind.Contact) when Positive(value) is { } closed => line with { MeanClosed = closed },
                ("open", GpioLineKind.Contact) when Positive(value) is { } open => line with { MeanOpen = open },
                ("start", GpioLineKind.Contact) when value is "closed" or "open" => line with { StartsClosed = value == "closed" },
                ("bounce", _) when ParseBounce(value) is { } bounce => line with { Bounce = bounce },
                _ => null,
            };
            if (applied is null)
            {
                problems.Add($"--gpio: '{parameter}' in '{item}' is not valid (keys: {Keys}; rate 0 to 1000 per second, durations such as 50ms, bounce PAIRS/DURATION such as 2/5ms)");
                continue;
            }

            line = applied;
        }

        return line;
    }

    private static TimeSpan? Positive(string text) => Durations.TryParse(text, out var duration) && duration > TimeSpan.Zero ? duration : null;

    private static BounceSettings? ParseBounce(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash > 0
            && int.TryParse(text[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var pairs) && pairs <= 100
            && Positive(text[(slash + 1)..]) is { } window
            ? new BounceSettings(pairs, window)
            : null;
    }
}
