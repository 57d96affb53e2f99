using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeGateway.Operations;

/// <summary>Who is calling an MCP tool, and with which scopes.</summary>
/// <param name="Name">The token's name, or <c>stdio:USER</c> for the stdio transport.</param>
/// <param name="Scopes">The scopes granted.</param>
public sealed record McpCaller(string Name, IReadOnlyList<string> Scopes)
{
    /// <summary>The caller of a request: its authenticated user, else the transport's default caller (stdio), else nobody.</summary>
    public static McpCaller? Resolve(ClaimsPrincipal? user, IServiceProvider? services)
    {
        if (user?.Identity is { IsAuthenticated: true, AuthenticationType: McpScopes.AuthenticationType, Name: { } name })
        {
            return new McpCaller(name, [.. user.FindAll(McpScopes.ClaimType).Select(c => c.Value)]);
        }

        return services?.GetService<McpDefaultCaller>()?.Caller;
    }

    /// <summary>The name to audit a request under: <see cref="Resolve"/>'s name, or <c>anonymous</c>.</summary>
    public static string NameOf(ClaimsPrincipal? user, IServiceProvider? services) => Resolve(user, services)?.Name ?? "anonymous";

    /// <summary>True when the caller may use something that needs <paramref name="scope"/>.</summary>
    public bool Allows(string scope) => McpScopes.Allows(Scopes, scope);
}

/// <summary>The caller of a transport that has no per-request identity (stdio: whoever started the process).</summary>
/// <param name="Caller">That caller.</param>
public sealed record McpDefaultCaller(McpCaller Caller);
