using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using EdgeGateway.Configuration;
using EdgeGateway.Domain;
using EdgeGateway.Hardware.Gpio;

namespace EdgeGateway.Sources.Gpio;

/// <summary>Section <c>Gpio</c>: one GPIO chip and the input lines the gateway watches (pulse counters, contacts).</summary>
public sealed class GpioOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Gpio";

    /// <summary>
    /// The chip: <c>gpiochip0</c> or <c>/dev/gpiochip0</c> (libgpiod), or <c>sim:/path/to/socket</c> for a
    /// simulated chip driven by <c>firmware-sim --gpio-socket</c>.
    /// </summary>
    [Required]
    public string Chip { get; set; } = "/dev/gpiochip0";

    /// <summary>The lines; none: the GPIO source does nothing (and the chip is not opened).</summary>
    public List<GpioLineOptions> Lines { get; set; } = [];

    /// <summary>The first wait before reopening a chip that could not be opened or went away; doubles up to <see cref="ReconnectMaxDelay"/>.</summary>
    [DurationRange("10ms", "1m")]
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between attempts to reopen the chip.</summary>
    [DurationRange("10ms", "1h")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ReconnectMaxDelay < ReconnectDelay)
        {
            yield return new ValidationResult("must not be shorter than ReconnectDelay", [nameof(ReconnectMaxDelay)]);
        }

        if (Chip.StartsWith(SocketGpioChip.Prefix, StringComparison.Ordinal) && Chip.Length == SocketGpioChip.Prefix.Length)
        {
            yield return new ValidationResult("'sim:' needs the simulator's socket path, e.g. sim:/run/firmware-sim/gpio.sock", [nameof(Chip)]);
        }

        for (var i = 0; i < Lines.Count; i++)
        {
            if (Lines.FindIndex(l => l.Offset == Lines[i].Offset) < i)
            {
                yield return new ValidationResult($"line {Lines[i].Offset} is configured twice", [$"{nameof(Lines)}:{i}:{nameof(GpioLineOptions.Offset)}"]);
            }

            if (Lines.FindIndex(l => l.EffectiveName == Lines[i].EffectiveName) < i)
            {
                yield return new ValidationResult($"'{Lines[i].EffectiveName}' names two lines", [$"{nameof(Lines)}:{i}:{nameof(GpioLineOptions.Name)}"]);
            }
        }
    }
}

/// <summary>One input line: what is wired to it, how it is debounced, and the readings it gives.</summary>
public sealed class GpioLineOptions : IValidatableObject
{
    /// <summary>The line's offset on the chip (as <c>gpioinfo</c> lists it; on a Raspberry Pi, the BCM GPIO number).</summary>
    [Range(0, 1023)]
    public int Offset { get; set; }

    /// <summary>The name in logs, dead letters and the status; defaults to <c>line{Offset}</c>.</summary>
    [MaxLength(64)]
    public string? Name { get; set; }

    /// <summary>False: kept in the configuration but not watched (<c>pause_source</c>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The device the readings belong to.</summary>
    [Required]
    public string DeviceId { get; set; } = string.Empty;

    /// <summary><c>counter</c> (pulses → a rate per window) or <c>contact</c> (a reading per settled change).</summary>
    public GpioLineKind Kind { get; set; } = GpioLineKind.Counter;

    /// <summary>The pull resistor: <c>as-is</c>, <c>disabled</c>, <c>pull-up</c>, <c>pull-down</c>.</summary>
    public GpioLineBias Bias { get; set; } = GpioLineBias.AsIs;

    /// <summary>Whether low is the active level (a contact to ground with a pull-up): levels and edges are then inverted.</summary>
    public bool ActiveLow { get; set; }

    /// <summary>Counters: the (logical) edge that counts a pulse, <c>rising</c> (default) or <c>falling</c>.</summary>
    public GpioEdge? Edge { get; set; }

    /// <summary>
    /// Counters: edges closer than this to the last accepted edge are bounce. Contacts: how long a new
    /// level must hold before it is reported.
    /// </summary>
    [DurationRange("0ms", "10s")]
    public TimeSpan Debounce { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Counters: the window over which pulses are counted; one rate reading per window.</summary>
    [DurationRange("100ms", "1d")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Counters: the time base of the rate (<c>1m</c> for vehicles/min, <c>1h</c> for mm/h).</summary>
    [DurationRange("1ms", "1d")]
    public TimeSpan Per { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Counters: units per pulse (1 vehicle per pulse, 0.2794 mm per tip of a rain gauge).</summary>
    [Range(1e-9, 1e9)]
    public double Scale { get; set; } = 1;

    /// <summary>The metric: the rate for counters (e.g. <c>vehicle_rate</c>), the state for contacts (1 active, 0 not; e.g. <c>door_open</c>).</summary>
    [Required]
    [MaxLength(Reading.MaxMetricLength)]
    public string Metric { get; set; } = string.Empty;

    /// <summary>The metric's unit, e.g. <c>vehicles/min</c>, <c>mm/h</c>.</summary>
    [MaxLength(32)]
    public string? Unit { get; set; }

    /// <summary>Counters: also report the window's pulse count (unscaled) under this metric.</summary>
    [MaxLength(Reading.MaxMetricLength)]
    public string? CountMetric { get; set; }

    /// <summary>The name used in logs, dead letters and the status.</summary>
    public string EffectiveName => string.IsNullOrWhiteSpace(Name) ? $"line{Offset}" : Name;

    /// <summary>How the line is requested.</summary>
    public GpioInputOptions InputOptions => new()
    {
        Bias = Bias switch
        {
            GpioLineBias.Disabled => GpioBias.Disabled,
            GpioLineBias.PullUp => GpioBias.PullUp,
            GpioLineBias.PullDown => GpioBias.PullDown,
            _ => GpioBias.AsIs,
        },
        ActiveLow = ActiveLow,
        EdgeEvents = true,
        Consumer = $"edge-gateway:{EffectiveName}",
    };

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Domain.DeviceId.IsValid(DeviceId, out var problem))
        {
            yield return new ValidationResult(problem, [nameof(DeviceId)]);
        }

        if (Metric.Any(char.IsWhiteSpace))
        {
            yield return new ValidationResult("must not contain whitespace", [nameof(Metric)]);
        }

        if (CountMetric is not null && (CountMetric.Length == 0 || CountMetric.Any(char.IsWhiteSpace) || CountMetric == Metric))
        {
            yield return new ValidationResult("must be a name without whitespace, other than Metric", [nameof(CountMetric)]);
        }

        if (Kind == GpioLineKind.Contact)
        {
            // Settings that only shape a rate are a sign of a wrong Kind: say so rather than ignore them.
            if (Edge is not null)
            {
                yield return new ValidationResult("only applies with Kind: counter", [nameof(Edge)]);
            }

            if (CountMetric is not null)
            {
                yield return new ValidationResult("only applies with Kind: counter", [nameof(CountMetric)]);
            }
        }
    }
}

/// <summary>What a GPIO input line is.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum GpioLineKind
{
    /// <summary>Pulses counted over windows into a rate (traffic loop, rain gauge, S0 meter output).</summary>
    Counter,

    /// <summary>A contact whose settled state changes are reported (door, lid, flood switch).</summary>
    Contact,
}

/// <summary>The pull resistor of a GPIO input, as configured.</summary>
[TypeConverter(typeof(KebabCaseEnumConverter))]
public enum GpioLineBias
{
    /// <summary>Leave as the device tree or firmware set it.</summary>
    AsIs,

    /// <summary>No pull resistor.</summary>
    Disabled,

    /// <summary>Pull up.</summary>
    PullUp,

    /// <summary>Pull down.</summary>
    PullDown,
}
