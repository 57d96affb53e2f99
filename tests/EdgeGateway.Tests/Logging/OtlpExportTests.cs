using System.Collections.Concurrent;
using System.Net;
using System.Text;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Network;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Xunit;

namespace EdgeGateway.Tests.Logging;

/// <summary>
/// The gateway process exports its metrics (and, when asked, its logs) over OTLP/HTTP to a small
/// Kestrel receiver standing in for a collector; the header from the headers file arrives, and is not logged.
/// </summary>
public sealed class OtlpExportTests : LoggedTest
{
    private const string ApiKey = "otlp-key-Vb81Qs";
    private readonly TempDirectory _directory = TempDirectory.Create("otlp");

    protected override ValueTask CleanUpAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Metrics_and_logs_reach_an_otlp_http_receiver_with_the_configured_header()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var headers = _directory.WriteFile("otlp-headers", $"# sent with every export\nx-api-key={ApiKey}\n");
        var config = _directory.WriteFile("gateway.json", $$"""
            {
              "Gateway": { "Id": "gw-otlp" },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" },
              "Otlp": { "Endpoint": "http://127.0.0.1:{{receiver.Port}}", "Interval": "1s", "HeadersFile": "{{headers}}", "ExportLogs": true }
            }
            """);

        await using var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains("Gateway ready", StringComparison.Ordinal), "the gateway started", cancellationToken: CancellationToken);

        // The runtime's meter (System.Runtime) is there from the start; protobuf keeps names as plain UTF-8.
        await Eventually.TrueAsync(
            () => receiver.Bodies("/v1/metrics").Any(body => body.Contains("dotnet.process.memory.working_set", StringComparison.Ordinal)),
            "a metrics export with the runtime's metrics",
            cancellationToken: CancellationToken);
        var metrics = receiver.Bodies("/v1/metrics").First(body => body.Contains("dotnet.process.memory.working_set", StringComparison.Ordinal));
        Assert.Contains("edge-gateway", metrics, StringComparison.Ordinal);
        Assert.Contains("gw-otlp", metrics, StringComparison.Ordinal);

        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);
        Assert.Equal(0, gateway.ExitCode);

        // Log records are batched and flushed at the latest on the way out.
        Assert.Contains(receiver.Bodies("/v1/logs"), body => body.Contains("Gateway ready", StringComparison.Ordinal));
        Assert.All(receiver.Requests, request => Assert.Equal(ApiKey, request.ApiKey));
        Assert.All(receiver.Requests, request => Assert.Equal("application/x-protobuf", request.ContentType));
        Assert.DoesNotContain(ApiKey, gateway.AllOutput, StringComparison.Ordinal);
        Assert.Contains(gateway.StandardOutput, line => line.Contains($"Exporting metrics over OTLP to http://127.0.0.1:{receiver.Port}/ (http-protobuf) every 1 s; headers: 1 from", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_is_exported_or_announced()
    {
        var config = _directory.WriteFile("gateway.json", $$"""
            {
              "Gateway": { "Id": "gw-otlp" },
              "Context": { "RegistryPath": "{{_directory.File("registry.db")}}" },
              "Buffer": { "Path": "{{_directory.File("buffer.db")}}" }
            }
            """);

        await using var gateway = DotNetPrograms.StartGateway(["run", "--config", config]);
        await gateway.WaitForOutputAsync(line => line.Contains("Gateway ready", StringComparison.Ordinal), "the gateway started", cancellationToken: CancellationToken);
        gateway.Terminate();
        await gateway.WaitForExitAsync(cancellationToken: CancellationToken);

        Assert.Equal(0, gateway.ExitCode);
        Assert.DoesNotContain("OTLP", gateway.AllOutput, StringComparison.Ordinal);
    }

    /// <summary>One request the receiver got: path, the x-api-key header, content type and body (protobuf, read as Latin-1 so names show).</summary>
    private sealed record ReceivedRequest(string Path, string? ApiKey, string? ContentType, string Body);

    /// <summary>An OTLP/HTTP receiver on a free loopback port that keeps what is posted to it.</summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
        private WebApplication? _app;

        public int Port { get; private init; }

        public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

        public IEnumerable<string> Bodies(string path) => Requests.Where(r => r.Path == path).Select(r => r.Body);

        public static async Task<OtlpReceiver> StartAsync()
        {
            var receiver = new OtlpReceiver { Port = FreePort.Tcp() };
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, receiver.Port));
            var app = builder.Build();
            app.MapPost("/v1/{signal}", async (HttpRequest request) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                receiver._requests.Enqueue(new ReceivedRequest(
                    request.Path, request.Headers["x-api-key"].ToString(), request.ContentType, Encoding.Latin1.GetString(body.ToArray())));

                // An empty Export*ServiceResponse: zero bytes of protobuf.
                return Results.Bytes([], "application/x-protobuf");
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            receiver._app = app;
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }
}
