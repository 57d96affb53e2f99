using EdgeGateway.Buffering;
using EdgeGateway.Configuration;
using EdgeGateway.Context;
using EdgeGateway.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Operations;

/// <summary>
/// <c>edge-gateway mcp</c>: the MCP server over stdio (e.g. <c>ssh gateway edge-gateway mcp</c>), beside
/// the running service. It opens the device registry itself (SQLite in WAL mode: a second process may
/// read and write it safely), and reads the status the service writes to its status file. The buffer
/// and the forwarder belong to the service alone (one writer owns the buffer file), so the buffer,
/// dead-letter and forwarding tools answer with an error here that points to the HTTP endpoint.
/// Logs go to standard error; standard output carries only MCP messages.
/// </summary>
public static class McpStdioHost
{
    /// <summary>Builds the stdio host over <paramref name="configuration"/>.</summary>
    public static IHost Build(GatewayConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "edge-gateway-mcp",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddConfiguration(configuration.Root);
        builder.Logging.AddGatewayConsole(builder.Configuration.GetSection(LoggingOptions.SectionName), configuration.Logging, toStandardError: true);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddGatewayOptions(builder.Configuration);
        builder.Services.AddSingleton(provider => DeviceRegistry.OpenAsync(
            provider.GetRequiredService<IOptions<ContextOptions>>().Value.RegistryPath,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<DeviceRegistry>>()).GetAwaiter().GetResult());
        builder.Services.AddSingleton(provider => new StatusFileLocation(
            provider.GetRequiredService<IOptions<GatewayOptions>>().Value.StatusFilePath(provider.GetRequiredService<IOptions<BufferOptions>>().Value.Path)));
        var scopes = configuration.Mcp.Stdio.Scopes.Count == 0 ? McpScopes.All : configuration.Mcp.Stdio.Scopes;
        builder.Services.AddSingleton(new McpDefaultCaller(new McpCaller($"stdio:{Environment.UserName}", [.. scopes])));
        builder.Services.AddMcpOperations(configuration).WithStdioServerTransport();
        return builder.Build();
    }
}
