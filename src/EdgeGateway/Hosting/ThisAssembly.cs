using System.Reflection;

namespace EdgeGateway.Hosting;

/// <summary>Facts about the running build.</summary>
public static class ThisAssembly
{
    /// <summary>The product version (informational version without the source revision suffix).</summary>
    public static string Version { get; } =
        (typeof(ThisAssembly).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];
}
