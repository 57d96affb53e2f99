using System.ComponentModel;
using System.Text.Json;
using EdgeGateway.Context;
using EdgeGateway.Domain;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace EdgeGateway.Operations;

/// <summary>The gateway's MCP resources: its status, the device registry, and one resource per device (all need the <c>read</c> scope).</summary>
/// <param name="services">The gateway's services.</param>
/// <param name="audit">The audit log (tools and resources share it).</param>
[McpServerResourceType]
public sealed class GatewayResources(IServiceProvider services, McpAudit audit)
{
    private static readonly JsonSerializerOptions Json = new(ModelContextProtocol.McpJsonUtilities.DefaultOptions) { WriteIndented = true };

    /// <summary>The status (same content as <c>get_status</c>).</summary>
    [McpServerResource(UriTemplate = "gateway://status", Name = "status", Title = "Gateway status", MimeType = "application/json")]
    [Description("The gateway's health and counters (same as the get_status tool).")]
    public async Task<string> StatusAsync(CancellationToken cancellationToken) =>
        JsonSerializer.Serialize(await new GatewayTools(services, audit).GetStatusAsync(cancellationToken), Json);

    /// <summary>Every device.</summary>
    [McpServerResource(UriTemplate = "gateway://devices", Name = "devices", Title = "Device registry", MimeType = "application/json")]
    [Description("Every device's current context record with its revision.")]
    public string Devices() =>
        JsonSerializer.Serialize(services.GetRequiredService<DeviceRegistry>().All.Select(DeviceDocumentMapper.ToDocument).ToList(), Json);

    /// <summary>One device.</summary>
    [McpServerResource(UriTemplate = "gateway://devices/{id}", Name = "device", Title = "One device", MimeType = "application/json")]
    [Description("One device's current context record.")]
    public string Device([Description("The device id.")] string id)
    {
        var found = DeviceId.IsValid(id, out _) ? services.GetRequiredService<DeviceRegistry>().Find(new DeviceId(id)) : null;
        return found is null
            ? throw new McpProtocolException($"device '{id}' is not in the registry", McpErrorCode.ResourceNotFound)
            : JsonSerializer.Serialize(DeviceDocumentMapper.ToDocument(found), Json);
    }

    /// <summary>The configuration in force, redacted, with its version (same content as <c>get_config</c>).</summary>
    [McpServerResource(UriTemplate = "gateway://config", Name = "config", Title = "Configuration", MimeType = "application/json")]
    [Description("The configuration in force and its version number, secrets replaced by *** (same as the get_config tool).")]
    public string Config() => JsonSerializer.Serialize(new GatewayTools(services, audit).GetConfig(), Json);
}
