using System.Runtime.CompilerServices;

namespace EdgeGateway.Domain;

/// <summary>Checks shared by the domain types' constructors; each failure names the argument.</summary>
internal static class DomainGuard
{
    public static string NotBlank(string? value, int maxLength, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{name} must not be empty.", name);
        }

        if (value.Length > maxLength)
        {
            throw new ArgumentException($"{name} must be at most {maxLength} characters (got {value.Length}).", name);
        }

        return value;
    }

    public static string? OptionalText(string? value, int maxLength, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        value is null ? null : NotBlank(value, maxLength, name);

    public static DateTimeOffset Utc(DateTimeOffset value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        value == default
            ? throw new ArgumentException($"{name} must be set.", name)
            : value.ToUniversalTime();

    public static double Finite(double value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number.");

    public static DeviceId Set(DeviceId value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        value == default ? throw new ArgumentException($"{name} must be set.", name) : value;
}
