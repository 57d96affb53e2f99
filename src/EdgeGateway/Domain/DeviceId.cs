using System.Diagnostics.CodeAnalysis;

namespace EdgeGateway.Domain;

/// <summary>
/// The identity of a sensor device: 1 to 128 characters from <c>A-Z a-z 0-9 . _ - :</c>. The
/// restricted alphabet keeps ids safe in MQTT topics, Kafka keys, SQL and log lines alike.
/// </summary>
public readonly record struct DeviceId : IComparable<DeviceId>
{
    /// <summary>The longest id accepted.</summary>
    public const int MaxLength = 128;

    private readonly string? _value;

    /// <summary>Creates an id, checking the rules above.</summary>
    /// <exception cref="ArgumentException">The value is empty, too long or has a character outside the alphabet.</exception>
    public DeviceId(string value)
    {
        if (!IsValid(value, out var problem))
        {
            throw new ArgumentException($"Invalid device id '{value}': {problem}.", nameof(value));
        }

        _value = value;
    }

    /// <summary>The id as text.</summary>
    public string Value => _value ?? throw new InvalidOperationException("A default DeviceId has no value; create one with new DeviceId(...).");

    /// <summary>Parses an id without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, out DeviceId id)
    {
        if (IsValid(value, out _))
        {
            id = new DeviceId(value!);
            return true;
        }

        id = default;
        return false;
    }

    /// <summary>Checks a candidate id and says what is wrong with it.</summary>
    public static bool IsValid([NotNullWhen(true)] string? value, [NotNullWhen(false)] out string? problem)
    {
        if (string.IsNullOrEmpty(value))
        {
            problem = "it is empty";
            return false;
        }

        if (value.Length > MaxLength)
        {
            problem = $"it is longer than {MaxLength} characters";
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':'))
            {
                problem = $"character '{c}' is not allowed (use A-Z, a-z, 0-9, '.', '_', '-', ':')";
                return false;
            }
        }

        problem = null;
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(DeviceId other) => string.CompareOrdinal(_value, other._value);

    /// <inheritdoc />
    public override string ToString() => _value ?? string.Empty;

    /// <summary>Orders ids ordinally.</summary>
    public static bool operator <(DeviceId left, DeviceId right) => left.CompareTo(right) < 0;

    /// <summary>Orders ids ordinally.</summary>
    public static bool operator >(DeviceId left, DeviceId right) => left.CompareTo(right) > 0;

    /// <summary>Orders ids ordinally.</summary>
    public static bool operator <=(DeviceId left, DeviceId right) => left.CompareTo(right) <= 0;

    /// <summary>Orders ids ordinally.</summary>
    public static bool operator >=(DeviceId left, DeviceId right) => left.CompareTo(right) >= 0;
}
