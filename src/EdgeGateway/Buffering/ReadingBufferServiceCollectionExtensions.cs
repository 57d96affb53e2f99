using EdgeGateway.Buffering;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of the <see cref="ReadingBuffer"/>.</summary>
public static class ReadingBufferServiceCollectionExtensions
{
    /// <summary>
    /// Registers the buffer as a singleton opened from <see cref="IOptions{BufferOptions}"/> on first
    /// use, and disposed (pending appends failed, file closed) with the service provider. Needs
    /// <see cref="TimeProvider"/> and logging registered; the free-space probe can be replaced by
    /// registering an <see cref="IFreeSpaceProbe"/> first. Its instruments are recorded when a <see cref="BufferMetrics"/> is registered.
    /// </summary>
    public static IServiceCollection AddReadingBuffer(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IFreeSpaceProbe, FileSystemFreeSpaceProbe>();
        services.TryAddSingleton(provider => new ReadingBuffer(
            provider.GetRequiredService<IOptions<BufferOptions>>().Value,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<ReadingBuffer>>(),
            provider.GetRequiredService<IFreeSpaceProbe>(),
            provider.GetService<IOptions<EdgeGateway.Logging.LoggingOptions>>()?.Value.BadInputWindow,
            provider.GetService<BufferMetrics>()));
        return services;
    }
}
