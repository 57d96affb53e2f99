using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Hosting;

/// <summary>
/// A bare Kestrel inside the gateway's host (MCP over HTTP, metrics and probes): one listener on an IP address or
/// <c>localhost</c>, no server header, the gateway's logging, and no lifetime of its own.
/// </summary>
internal static class EmbeddedKestrel
{
    /// <summary>Builds and starts the server; returns it with the address it listens on (the real port when the configured one is 0).</summary>
    /// <param name="applicationName">Names the inner application (its logs' category).</param>
    /// <param name="uri">Where to listen: scheme, IP address or <c>localhost</c>, port.</param>
    /// <param name="loggerFactory">The gateway's logging.</param>
    /// <param name="maxRequestBodySize">The largest request body accepted.</param>
    /// <param name="handler">Answers every request.</param>
    /// <param name="configureListen">Adds to the listener (e.g. TLS), or null.</param>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(
        string applicationName, Uri uri, ILoggerFactory loggerFactory, long maxRequestBodySize, RequestDelegate handler, Action<ListenOptions>? configureListen = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = applicationName });
        builder.Services.AddSingleton(loggerFactory);

        // The gateway's host owns signals and lifetime; an inner console lifetime would hook SIGTERM again and log its banner.
        builder.Services.AddSingleton<IHostLifetime, NoLifetime>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = maxRequestBodySize;
            var address = string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.Parse(uri.Host);
            kestrel.Listen(address, uri.Port, listen => configureListen?.Invoke(listen));
        });
        var app = builder.Build();
        app.Run(handler);

        // Not the host's start token: a SIGTERM while Kestrel starts would fail the whole start (exit 1) instead of
        // the clean stop that follows anyway. Binding fails fast on its own (port taken), so nothing here can hang.
        await app.StartAsync(CancellationToken.None);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return (app, bound is not null && Uri.TryCreate(bound, UriKind.Absolute, out var actual) ? actual : uri);
    }

    private sealed class NoLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
