namespace EdgeGateway.Configuration;

/// <summary>
/// The configuration cannot be used. Startup stops with exit code 2 and prints <see cref="Errors"/>,
/// each naming the key and the problem.
/// </summary>
public sealed class ConfigurationException : Exception
{
    /// <summary>Creates the exception for a list of problems.</summary>
    public ConfigurationException(IReadOnlyList<ConfigurationError> errors)
        : base(Describe(errors)) => Errors = errors;

    /// <summary>Creates the exception for one problem that has no key (e.g. an unreadable file).</summary>
    public ConfigurationException(string message, Exception? innerException = null)
        : base(message, innerException) => Errors = [];

    /// <summary>Creates the exception with a message only.</summary>
    public ConfigurationException()
        : this("The configuration is invalid.")
    {
    }

    /// <summary>The problems, one per key.</summary>
    public IReadOnlyList<ConfigurationError> Errors { get; }

    private static string Describe(IReadOnlyList<ConfigurationError> errors) =>
        $"The configuration is invalid ({errors.Count} problem{(errors.Count == 1 ? string.Empty : "s")}):"
        + string.Concat(errors.Select(e => $"{Environment.NewLine}  {e}"));
}
