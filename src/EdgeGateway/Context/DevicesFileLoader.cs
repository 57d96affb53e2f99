using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Context;

/// <summary>Applies the configured devices file once at start, before the sources run.</summary>
internal sealed class DevicesFileLoader(DeviceRegistry registry, IOptions<ContextOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.DevicesFile is { Length: > 0 } path)
        {
            await registry.LoadFileAsync(path, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
