using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EdgeGateway.Operations;

/// <summary>
/// The request filters that enforce scopes on every transport: a tool is called only when the caller
/// holds its declared scope, <c>tools/list</c> shows only the tools the caller may call, and reading
/// a resource needs <c>read</c>. Refusals are written to the audit log.
/// </summary>
public static class McpAuthorization
{
    /// <summary>
    /// The scope each tool declares, by tool name: every <see cref="McpServerToolTypeAttribute"/> class of
    /// this assembly, so a new tool class cannot be left out (a tool without a scope fails at start).
    /// </summary>
    public static IReadOnlyDictionary<string, string> ToolScopes { get; } = McpScopes.ForTools(typeof(GatewayTools).Assembly);

    /// <summary>Adds the filters to the server.</summary>
    public static IMcpServerBuilder WithGatewayAuthorization(this IMcpServerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithRequestFilters(filters =>
        {
            filters.AddCallToolFilter(next => async (context, cancellationToken) =>
            {
                var tool = context.Params?.Name ?? string.Empty;
                if (!ToolScopes.TryGetValue(tool, out var scope))
                {
                    return await next(context, cancellationToken);
                }

                var caller = McpCaller.Resolve(context.User, context.Services);
                if (caller is not null && caller.Allows(scope))
                {
                    try
                    {
                        return await next(context, cancellationToken);
                    }
                    catch (McpException error)
                    {
                        // Invalid arguments and unavailable components are the caller's to fix: a tool error
                        // result (isError) the model can read and act on, as the spec asks, not a server fault.
                        return Failed(error.Message);
                    }
                }

                var reason = caller is null ? "not authenticated" : $"needs scope '{scope}'";
                Audit(context.Services).Refused(caller?.Name ?? "anonymous", tool, reason);
                return Failed($"forbidden: {tool} {reason}; this caller has: {(caller is null ? "nothing" : string.Join(", ", caller.Scopes))}");
            });

            filters.AddListToolsFilter(next => async (context, cancellationToken) =>
            {
                var result = await next(context, cancellationToken);
                var caller = McpCaller.Resolve(context.User, context.Services);
                result.Tools = [.. result.Tools.Where(t => !ToolScopes.TryGetValue(t.Name, out var scope) || (caller?.Allows(scope) ?? false))];
                return result;
            });

            filters.AddReadResourceFilter(next => async (context, cancellationToken) =>
            {
                var caller = McpCaller.Resolve(context.User, context.Services);
                if (caller is null || !caller.Allows(McpScopes.Read))
                {
                    Audit(context.Services).Refused(caller?.Name ?? "anonymous", $"read {context.Params?.Uri}", "needs scope 'read'");
                    throw new McpProtocolException("forbidden: reading resources needs scope 'read'", McpErrorCode.InvalidRequest);
                }

                return await next(context, cancellationToken);
            });
        });
    }

    private static CallToolResult Failed(string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message }],
    };

    private static McpAudit Audit(IServiceProvider? services) =>
        services?.GetService<McpAudit>() ?? throw new InvalidOperationException("McpAudit is not registered.");
}
