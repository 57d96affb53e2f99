namespace EdgeGateway.Configuration;

/// <summary>One problem found in the configuration.</summary>
/// <param name="Key">The configuration key, as in the file: <c>Section:Key</c> (list items as <c>Section:List:0:Key</c>).</param>
/// <param name="Problem">What is wrong and, where it helps, what is expected.</param>
/// <param name="Source">Where the value came from (the file, or the environment variable), or null for a missing key.</param>
public sealed record ConfigurationError(string Key, string Problem, string? Source = null)
{
    /// <inheritdoc />
    public override string ToString() => Source is null ? $"{Key}: {Problem}" : $"{Key}: {Problem} (from {Source})";
}
