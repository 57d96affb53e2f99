using EdgeGateway.Context;
using EdgeGateway.Domain;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using Microsoft.Extensions.Logging;
using Xunit;

namespace EdgeGateway.Tests.Operations;

/// <summary>
/// <c>edge-gateway mcp</c> over stdio writes the registry file the running service has open; the
/// service picks the change up (two registries on one file stand for the two processes).
/// </summary>
public sealed class McpRegistrySharingTests : LoggedTest
{
    private readonly TempDirectory _directory = TempDirectory.Create("mcp-registry");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task The_service_sees_devices_added_changed_and_removed_by_another_process()
    {
        var path = _directory.File("registry.db");
        await using var service = await OpenAsync(path);
        await using var stdio = await OpenAsync(path);
        await service.UpsertAsync(new DeviceDocument { Id = "aq-1", Type = "air-quality" }, CancellationToken);
        var changes = new List<DeviceChange>();
        service.Changed += (_, change) => changes.Add(change);
        Assert.Equal(0, await service.ReloadIfChangedAsync(CancellationToken));

        await stdio.ReloadIfChangedAsync(CancellationToken);
        await stdio.UpsertAsync(new DeviceDocument { Id = "aq-1", Type = "air-quality", Owner = "parks" }, CancellationToken);
        await stdio.UpsertAsync(new DeviceDocument { Id = "aq-2", Type = "air-quality" }, CancellationToken);

        Assert.Equal(2, await service.ReloadIfChangedAsync(CancellationToken));
        Assert.Equal(2, service.Find(new DeviceId("aq-1"))!.Revision);
        Assert.Equal("parks", service.Find(new DeviceId("aq-1"))!.Owner);
        Assert.NotNull(service.Find(new DeviceId("aq-2")));
        Assert.Equal(["aq-1", "aq-2"], changes.Select(c => c.DeviceId.Value).Order(StringComparer.Ordinal));

        Assert.True(await stdio.RemoveAsync(new DeviceId("aq-2"), CancellationToken));
        Assert.Equal(1, await service.ReloadIfChangedAsync(CancellationToken));
        Assert.Null(service.Find(new DeviceId("aq-2")));
        Assert.Equal(0, await service.ReloadIfChangedAsync(CancellationToken));

        // The service's next own change continues the revision history the other process wrote.
        var next = await service.UpsertAsync(new DeviceDocument { Id = "aq-1", Type = "air-quality", Owner = "roads" }, CancellationToken);
        Assert.Equal(3, next.Revision);
    }

    private Task<DeviceRegistry> OpenAsync(string path) =>
        DeviceRegistry.OpenAsync(path, TimeProvider.System, LoggerFactory.CreateLogger<DeviceRegistry>(), CancellationToken);
}
