using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Security.Claims;
using ModelContextProtocol.Server;

namespace EdgeGateway.Operations;

/// <summary>
/// The scopes of the MCP server. They are ordered: <c>admin</c> includes <c>operate</c>, which
/// includes <c>read</c>.
/// </summary>
public static class McpScopes
{
    /// <summary>Look at the gateway: status, devices, buffer, dead letters, the (redacted) configuration.</summary>
    public const string Read = "read";

    /// <summary>Change what the gateway does day to day: device context, pausing forwarding.</summary>
    public const string Operate = "operate";

    /// <summary>Change how the gateway is set up (configuration; reserved for the configuration tools).</summary>
    public const string Admin = "admin";

    /// <summary>The claim type that carries a scope.</summary>
    public const string ClaimType = "scope";

    /// <summary>The authentication type of principals made by the gateway's token check and the stdio transport.</summary>
    public const string AuthenticationType = "edge-gateway-mcp";

    /// <summary>Every scope, lowest first.</summary>
    public static IReadOnlyList<string> All { get; } = [Read, Operate, Admin];

    /// <summary>True when <paramref name="granted"/> includes <paramref name="required"/> (directly or through a higher scope).</summary>
    public static bool Allows(IEnumerable<string> granted, string required)
    {
        ArgumentNullException.ThrowIfNull(granted);
        var needed = Rank(required);
        return needed >= 0 && granted.Any(scope => Rank(scope) >= needed);
    }

    /// <summary>A principal with <paramref name="name"/> and <paramref name="scopes"/>.</summary>
    public static ClaimsPrincipal Principal(string name, IEnumerable<string> scopes) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), .. scopes.Select(s => new Claim(ClaimType, s))],
            AuthenticationType,
            ClaimTypes.Name,
            ClaimTypes.Role));

    /// <summary>The scopes the tools of every <see cref="McpServerToolTypeAttribute"/> class in <paramref name="assembly"/> declare, by tool name.</summary>
    public static IReadOnlyDictionary<string, string> ForTools(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<McpServerToolTypeAttribute>() is not null)
            .SelectMany(t => ForTools(t))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    /// <summary>The scope a tool declares with <see cref="McpScopeAttribute"/>, by tool name.</summary>
    public static IReadOnlyDictionary<string, string> ForTools(Type toolType)
    {
        ArgumentNullException.ThrowIfNull(toolType);
        return toolType.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            .Select(m => (Tool: m.GetCustomAttribute<McpServerToolAttribute>(), Scope: m.GetCustomAttribute<McpScopeAttribute>()))
            .Where(t => t.Tool?.Name is not null)
            .ToDictionary(
                t => t.Tool!.Name!,
                t => t.Scope?.Scope ?? throw new InvalidOperationException($"Tool {t.Tool!.Name} declares no scope."),
                StringComparer.Ordinal);
    }

    /// <summary>Configuration check of a scope list.</summary>
    internal static IEnumerable<ValidationResult> Check(List<string> scopes, string key, bool allowEmpty)
    {
        if (scopes.Count == 0 && !allowEmpty)
        {
            yield return new ValidationResult($"needs at least one of: {string.Join(", ", All)}", [key]);
        }

        for (var i = 0; i < scopes.Count; i++)
        {
            if (!All.Contains(scopes[i], StringComparer.Ordinal))
            {
                yield return new ValidationResult($"'{scopes[i]}' is not one of: {string.Join(", ", All)}", [$"{key}:{i}"]);
            }
        }
    }

    private static int Rank(string scope) => scope switch
    {
        Read => 0,
        Operate => 1,
        Admin => 2,
        _ => -1,
    };
}

/// <summary>The scope a caller needs to use an MCP tool; every tool declares one.</summary>
/// <param name="scope">One of <see cref="McpScopes.All"/>.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class McpScopeAttribute(string scope) : Attribute
{
    /// <summary>The scope.</summary>
    public string Scope { get; } = scope;
}
