using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using EdgeGateway.Configuration;

namespace EdgeGateway.Decoding;

/// <summary>
/// What a decoder made of a raw message: at least one reading, or a failure saying why there is none.
/// Decoders return one of these for any input; they never throw on bad input.
/// </summary>
/// <remarks><c>default(DecodeResult)</c> is not a result: decoders never return it.</remarks>
public readonly record struct DecodeResult
{
    private readonly ImmutableArray<DecodedReading> _readings;

    private DecodeResult(ImmutableArray<DecodedReading> readings, int skippedValues, DecodeFailure? failure)
    {
        _readings = readings;
        SkippedValues = skippedValues;
        Failure = failure;
    }

    /// <summary>The readings (at least one) on success; empty on failure.</summary>
    public ImmutableArray<DecodedReading> Readings => _readings.IsDefault ? [] : _readings;

    /// <summary>
    /// Values the message carried that cannot become readings and were left out on purpose, such as
    /// SenML string and data values (<c>vs</c>, <c>vd</c>); worth counting, not dead-lettering.
    /// </summary>
    public int SkippedValues { get; }

    /// <summary>Why the message could not be decoded; null on success.</summary>
    public DecodeFailure? Failure { get; }

    /// <summary>Whether the message gave readings (then <see cref="Failure"/> is null).</summary>
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool IsSuccess => Failure is null;

    /// <summary>A successful result.</summary>
    /// <param name="readings">The readings, at least one.</param>
    /// <param name="skippedValues">Values deliberately left out (see <see cref="SkippedValues"/>).</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException"><paramref name="readings"/> is empty.</exception>
    public static DecodeResult Success(ImmutableArray<DecodedReading> readings, int skippedValues = 0)
    {
        if (readings.IsDefaultOrEmpty)
        {
            throw new ArgumentException("A successful decode has at least one reading.", nameof(readings));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(skippedValues);
        return new(readings, skippedValues, null);
    }

    /// <summary>A failed result.</summary>
    /// <param name="failure">Why decoding failed.</param>
    /// <returns>The result.</returns>
    public static DecodeResult Fail(DecodeFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new([], 0, failure);
    }

    /// <summary>A failed result.</summary>
    /// <param name="reason">Why decoding failed.</param>
    /// <param name="detail">A human-readable explanation naming the field at fault.</param>
    /// <param name="field">The field at fault, if one is.</param>
    /// <returns>The result.</returns>
    public static DecodeResult Fail(DecodeFailureReason reason, string detail, string? field = null) =>
        Fail(new DecodeFailure(reason, detail, field));

    /// <inheritdoc />
    public override string ToString() =>
        IsSuccess ? $"{Readings.Length} reading(s), {SkippedValues} skipped" : Failure.ToString();
}

/// <summary>Why a raw message could not be decoded, for the dead-letter store, counters and logs.</summary>
public sealed class DecodeFailure
{
    /// <summary>Creates a failure.</summary>
    /// <param name="reason">The cause.</param>
    /// <param name="detail">A human-readable explanation naming the field at fault (e.g. <c>field 'pm25' is the string "n/a", not a number</c>).</param>
    /// <param name="field">The field at fault as written in the payload (e.g. <c>pm.pm25</c>, or <c>[2].v</c> in a SenML pack), if one is.</param>
    /// <exception cref="ArgumentException">The reason is unknown or the detail is blank.</exception>
    public DecodeFailure(DecodeFailureReason reason, string detail, string? field = null)
    {
        if (!Enum.IsDefined(reason))
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "Unknown decode failure reason.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(detail);
        Reason = reason;
        Detail = detail;
        Field = field;
    }

    /// <summary>The cause.</summary>
    public DecodeFailureReason Reason { get; }

    /// <summary>A human-readable explanation naming the field at fault.</summary>
    public string Detail { get; }

    /// <summary>The field at fault, or null when the failure concerns the whole message.</summary>
    public string? Field { get; }

    /// <summary>The reason in kebab case (<c>non-numeric-value</c>), as written in logs and dead letters.</summary>
    public string ReasonName => KebabCaseEnumConverter.ToKebabCase(Reason.ToString());

    /// <inheritdoc />
    public override string ToString() => $"{ReasonName}: {Detail}";
}
