using System.ComponentModel;
using System.Globalization;

namespace EdgeGateway.Configuration;

/// <summary>
/// An amount of bytes written the way operators write it: <c>1048576</c>, <c>512KiB</c>,
/// <c>64MiB</c>, <c>1GiB</c>, or decimal units <c>500MB</c>, <c>2GB</c>.
/// </summary>
[TypeConverter(typeof(ByteSizeConverter))]
public readonly record struct ByteSize(long Bytes) : IComparable<ByteSize>
{
    /// <summary>The accepted forms, for error messages.</summary>
    public const string Expected = "a size such as 1048576, 512KiB, 64MiB, 1GiB or 500MB";

    private static readonly (string Suffix, long Factor)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("B", 1),
    ];

    /// <summary>A size of <paramref name="count"/> mebibytes.</summary>
    public static ByteSize FromMebibytes(long count) => new(count << 20);

    /// <summary>A size of <paramref name="count"/> gibibytes.</summary>
    public static ByteSize FromGibibytes(long count) => new(count << 30);

    /// <summary>Parses a size in any accepted form (unit names are case-insensitive).</summary>
    public static bool TryParse(string? text, out ByteSize size)
    {
        size = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        foreach (var (suffix, factor) in Units)
        {
            if (trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                var number = trimmed[..^suffix.Length].TrimEnd();
                if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
                    || amount * factor > long.MaxValue)
                {
                    return false;
                }

                size = new ByteSize((long)(amount * factor));
                return true;
            }
        }

        if (long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
        {
            size = new ByteSize(bytes);
            return true;
        }

        return false;
    }

    /// <summary>Parses a size; throws a <see cref="FormatException"/> naming the accepted forms.</summary>
    public static ByteSize Parse(string text) =>
        TryParse(text, out var size) ? size : throw new FormatException($"'{text}' is not {Expected}.");

    /// <inheritdoc />
    public int CompareTo(ByteSize other) => Bytes.CompareTo(other.Bytes);

    /// <summary>The shortest exact binary form (e.g. <c>64MiB</c>), or plain bytes.</summary>
    public override string ToString()
    {
        foreach (var (suffix, factor) in Units.Where(u => u.Suffix.EndsWith("iB", StringComparison.Ordinal)).Reverse())
        {
            if (Bytes != 0 && Bytes % factor == 0)
            {
                return $"{Bytes / factor}{suffix}";
            }
        }

        return Bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Compares sizes.</summary>
    public static bool operator <(ByteSize left, ByteSize right) => left.Bytes < right.Bytes;

    /// <summary>Compares sizes.</summary>
    public static bool operator >(ByteSize left, ByteSize right) => left.Bytes > right.Bytes;

    /// <summary>Compares sizes.</summary>
    public static bool operator <=(ByteSize left, ByteSize right) => left.Bytes <= right.Bytes;

    /// <summary>Compares sizes.</summary>
    public static bool operator >=(ByteSize left, ByteSize right) => left.Bytes >= right.Bytes;
}

/// <summary>Lets the configuration binder read <see cref="ByteSize"/> values.</summary>
public sealed class ByteSizeConverter : TypeConverter
{
    /// <inheritdoc />
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) =>
        sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    /// <inheritdoc />
    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text ? ByteSize.Parse(text) : base.ConvertFrom(context, culture, value);
}
