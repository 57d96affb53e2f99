using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeGateway.Tests.Security;

/// <summary>
/// Just enough of a Kafka broker to see what a librdkafka client does before it asks for data: the TLS
/// handshake (optionally requiring a client certificate), ApiVersions, SaslHandshake and SaslAuthenticate
/// with PLAIN. librdkafka's mock cluster (2.0.2) speaks neither TLS nor SASL, so this stands in for a
/// secured broker. It records what it saw and closes the connection at the first other request.
/// </summary>
internal sealed class FakeKafkaBroker : IAsyncDisposable
{
    private const short ApiVersions = 18;
    private const short SaslHandshake = 17;
    private const short SaslAuthenticate = 36;
    private readonly TcpListener _listener;
    private readonly X509Certificate2? _certificate;
    private readonly bool _requireClientCertificate;
    private readonly (string User, string Password)? _account;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private FakeKafkaBroker(X509Certificate2? certificate, bool requireClientCertificate, (string User, string Password)? account)
    {
        _certificate = certificate;
        _requireClientCertificate = requireClientCertificate;
        _account = account;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string BootstrapServers => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Set once a TLS handshake completed: the client's certificate subject, or empty without one.</summary>
    public TaskCompletionSource<string> TlsClient { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>TLS handshakes that failed, with the server side's error.</summary>
    public ConcurrentQueue<string> TlsFailures { get; } = new();

    /// <summary>Set at the first SaslAuthenticate: the mechanism, user and password the client sent.</summary>
    public TaskCompletionSource<(string Mechanism, string User, string Password)> Credentials { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set at the first request after authentication (or after ApiVersions without SASL): its API key.</summary>
    public TaskCompletionSource<short> FirstDataRequest { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A plaintext broker, or a TLS one presenting <paramref name="certificate"/>; with <paramref name="account"/> it expects SASL PLAIN.</summary>
    public static FakeKafkaBroker Start(X509Certificate2? certificate = null, bool requireClientCertificate = false, (string User, string Password)? account = null) =>
        new(certificate, requireClientCertificate, account);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var owned = socket;
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            if (_certificate is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                try
                {
                    await ssl.AuthenticateAsServerAsync(
                        new SslServerAuthenticationOptions
                        {
                            ServerCertificate = _certificate,
                            ClientCertificateRequired = _requireClientCertificate,

                            // Records whatever the client presents; only its presence is checked here.
                            RemoteCertificateValidationCallback = (_, certificate, _, _) => !_requireClientCertificate || certificate is not null,
                        },
                        _stop.Token);
                }
                catch (Exception error) when (error is IOException or System.Security.Authentication.AuthenticationException)
                {
                    TlsFailures.Enqueue(error.Message);
                    await ssl.DisposeAsync();
                    return;
                }

                TlsClient.TrySetResult(ssl.RemoteCertificate?.Subject ?? string.Empty);
                stream = ssl;
            }

            await ServeRequestsAsync(stream);
        }
        catch (Exception error) when (error is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went away or the broker stops.
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    private async Task ServeRequestsAsync(Stream stream)
    {
        var authenticated = _account is null;
        var sizeBytes = new byte[4];
        while (true)
        {
            await stream.ReadExactlyAsync(sizeBytes, _stop.Token);
            var request = new byte[BinaryPrimitives.ReadInt32BigEndian(sizeBytes)];
            await stream.ReadExactlyAsync(request, _stop.Token);
            var apiKey = BinaryPrimitives.ReadInt16BigEndian(request);
            var version = BinaryPrimitives.ReadInt16BigEndian(request.AsSpan(2));
            var correlationId = BinaryPrimitives.ReadInt32BigEndian(request.AsSpan(4));
            var body = request.AsSpan(8);
            var clientIdLength = BinaryPrimitives.ReadInt16BigEndian(body);
            body = body[(2 + Math.Max((short)0, clientIdLength))..];
            byte[] response;
            switch (apiKey)
            {
                case ApiVersions:
                    response = ApiVersionsResponse(version);
                    break;
                case SaslHandshake:
                    var mechanism = ReadString(ref body);
                    response = Concat(Int16(mechanism == "PLAIN" ? (short)0 : (short)33), Int32(1), String("PLAIN"));
                    break;
                case SaslAuthenticate:
                    var token = Encoding.UTF8.GetString(body.Slice(4, BinaryPrimitives.ReadInt32BigEndian(body))).Split('\0');
                    Credentials.TrySetResult(("PLAIN", token[1], token[2]));
                    authenticated = _account is { } account && token[1] == account.User && token[2] == account.Password;
                    response = authenticated
                        ? Concat(Int16(0), Int16(-1), Int32(0), version >= 1 ? Int64(0) : [])
                        : Concat(Int16(58), String("Authentication failed: Invalid username or password"), Int32(0), version >= 1 ? Int64(0) : []);
                    break;
                default:
                    if (authenticated)
                    {
                        FirstDataRequest.TrySetResult(apiKey);
                    }

                    return;
            }

            var frame = Concat(Int32(4 + response.Length), Int32(correlationId), response);
            await stream.WriteAsync(frame, _stop.Token);
            await stream.FlushAsync(_stop.Token);
        }
    }

    private static byte[] ApiVersionsResponse(short version)
    {
        (short Key, short Min, short Max)[] apis = [(ApiVersions, 0, 3), (SaslHandshake, 0, 1), (SaslAuthenticate, 0, 1), (0, 0, 7), (3, 0, 4)];
        if (version >= 3)
        {
            // Flexible: compact array (length + 1 as an unsigned varint), a tag buffer per entry and at the end.
            var entries = apis.SelectMany(a => Concat(Int16(a.Key), Int16(a.Min), Int16(a.Max), [0])).ToArray();
            return Concat(Int16(0), [(byte)(apis.Length + 1)], entries, Int32(0), [0]);
        }

        return Concat(Int16(0), Int32(apis.Length), apis.SelectMany(a => Concat(Int16(a.Key), Int16(a.Min), Int16(a.Max))).ToArray(), version >= 1 ? Int32(0) : []);
    }

    private static string ReadString(ref Span<byte> span)
    {
        var length = BinaryPrimitives.ReadInt16BigEndian(span);
        var text = Encoding.UTF8.GetString(span.Slice(2, length));
        span = span[(2 + length)..];
        return text;
    }

    private static byte[] Int16(short value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] String(string value) => Concat(Int16((short)Encoding.UTF8.GetByteCount(value)), Encoding.UTF8.GetBytes(value));

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
