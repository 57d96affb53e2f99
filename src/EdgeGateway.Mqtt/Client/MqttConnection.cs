using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using EdgeGateway.Mqtt.Packets;

namespace EdgeGateway.Mqtt.Client;

/// <summary>
/// One network connection to the broker: the socket (and TLS), a pipe-based packet reader, and a
/// writer loop that encodes everything queued and flushes once, so acknowledgements and publishes
/// that arrive together leave in one write. The session logic lives in <see cref="MqttClient"/>.
/// </summary>
internal sealed class MqttConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly MqttProtocolVersion _version;
    private readonly int _maximumInboundPacketSize;
    private readonly TimeProvider _timeProvider;

    // Unbounded on purpose: what is queued here is bounded upstream by the in-flight window (publishes),
    // the receive maximum (acknowledgements) and one request per caller (subscribe, ping).
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _writeLoop;
    private long _lastSentTimestamp;
    private Exception? _writeFailure;
    private int _disposed;

    private MqttConnection(Stream stream, MqttProtocolVersion version, int maximumInboundPacketSize, TimeProvider timeProvider)
    {
        _stream = stream;
        _version = version;
        _maximumInboundPacketSize = maximumInboundPacketSize;
        _timeProvider = timeProvider;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4096, leaveOpen: true));
        _writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
        _lastSentTimestamp = timeProvider.GetTimestamp();
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>The largest packet the broker accepts (from CONNACK); set once connected.</summary>
    public int MaximumOutboundPacketSize { get; set; } = MqttLimits.MaximumPacketSize;

    /// <summary>When something was last written, as a <see cref="TimeProvider"/> timestamp.</summary>
    public long LastSentTimestamp => Interlocked.Read(ref _lastSentTimestamp);

    /// <summary>Fires when the connection is closing, for whatever reason.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Opens TCP (and TLS) to the broker.</summary>
    public static async Task<MqttConnection> OpenAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream stream;
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        if (options.Tls is { } tls)
        {
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            try
            {
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = tls.ServerName ?? options.Host,
                        ClientCertificates = tls.ClientCertificate is null ? null : [tls.ClientCertificate],
                        RemoteCertificateValidationCallback = CertificateValidator(tls.CaFile),
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            stream = ssl;
        }

        return new MqttConnection(stream, options.ProtocolVersion, options.MaximumPacketSize, options.TimeProvider);
    }

    /// <summary>Queues a packet; false when the connection is already closing.</summary>
    public bool TrySend(MqttPacket packet, TaskCompletionSource? written = null) =>
        _outgoing.Writer.TryWrite(new Outgoing(packet, written));

    /// <summary>Queues a packet and waits until it has been written to the socket.</summary>
    /// <exception cref="MqttNotConnectedException">The connection closed first.</exception>
    public async Task SendAndFlushAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!TrySend(packet, written))
        {
            throw new MqttNotConnectedException("The connection to the broker closed before the packet could be sent.");
        }

        await written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the next packet; null when the broker closed the connection.</summary>
    /// <exception cref="MqttProtocolViolationException">The broker sent bytes that break the protocol.</exception>
    public async ValueTask<MqttPacket?> ReadPacketAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var decoded = MqttPacketDecoder.Decode(ref buffer, _version, _maximumInboundPacketSize);
            if (decoded.IsPacket)
            {
                // Consumed = examined = the packet: the next read returns what is left at once.
                _reader.AdvanceTo(buffer.Start);
                return decoded.Packet;
            }

            if (decoded.IsError)
            {
                _reader.AdvanceTo(buffer.Start);
                throw new MqttProtocolViolationException(decoded.Error!);
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                _reader.AdvanceTo(buffer.Start, buffer.End);
                return _writeFailure is { } failure
                    ? throw new MqttClientException($"Could not encode a packet: {failure.Message}", failure)
                    : null;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Closes the connection (without DISCONNECT); idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        _outgoing.Writer.TryComplete();

        // Closing the stream first unblocks a read or write stuck in the kernel; then the loop can end.
        await _stream.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _writeLoop.ConfigureAwait(false);
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The loop ends with whatever the closed stream made it throw.
        }

        try
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
            await _writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException)
        {
            // The writer tries to flush what was never sent into the closed stream: nothing to save.
        }

        _closing.Dispose();
    }

    /// <summary>Flushes what is queued, then sends DISCONNECT and closes (best effort: the broker may be gone).</summary>
    public async ValueTask CloseGracefullyAsync(MqttDisconnectPacket disconnect, TimeSpan timeout)
    {
        try
        {
            using var timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
            await SendAndFlushAsync(disconnect, timeoutSource.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is MqttClientException or OperationCanceledException or TimeoutException or IOException)
        {
            // Closing anyway: the broker learns from the closed socket.
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var written = new List<TaskCompletionSource>();
        var token = _closing.Token;
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (_outgoing.Reader.TryRead(out var item))
                {
                    try
                    {
                        MqttPacketEncoder.Encode(_writer, item.Packet, _version, MaximumOutboundPacketSize);
                    }
                    catch (MqttEncodingException error) when (item.Written is not null)
                    {
                        // A packet this connection cannot carry (e.g. larger than the broker accepts) fails alone.
                        item.Written.TrySetException(error);
                        continue;
                    }
                    catch (MqttEncodingException error)
                    {
                        // Nobody waits for this packet (an acknowledgement, a ping): a client bug. Fail loudly.
                        _writeFailure = error;
                        throw;
                    }

                    if (item.Written is not null)
                    {
                        written.Add(item.Written);
                    }
                }

                var flush = await _writer.FlushAsync(token).ConfigureAwait(false);
                Interlocked.Exchange(ref _lastSentTimestamp, _timeProvider.GetTimestamp());
                foreach (var completion in written)
                {
                    completion.TrySetResult();
                }

                written.Clear();
                if (flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException or MqttEncodingException)
        {
            // The connection is closing; the read side reports the loss.
        }
        finally
        {
            var failure = new MqttNotConnectedException("The connection to the broker closed before the packet was written.");
            foreach (var completion in written)
            {
                completion.TrySetException(failure);
            }

            while (_outgoing.Reader.TryRead(out var item))
            {
                item.Written?.TrySetException(failure);
            }

            // A write failure means the connection is dead: make the reader notice too.
            if (!_closing.IsCancellationRequested)
            {
                _reader.CancelPendingRead();
            }
        }
    }

    private static RemoteCertificateValidationCallback CertificateValidator(string? caFile)
    {
        if (caFile is null)
        {
            return (_, _, _, errors) => errors == SslPolicyErrors.None;
        }

        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(caFile);
        return (_, certificate, _, errors) =>
        {
            // The name must match and a certificate must be there; the chain is checked against the CA file only.
            if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        };
    }

    private readonly record struct Outgoing(MqttPacket Packet, TaskCompletionSource? Written);
}

/// <summary>The broker sent bytes that break the protocol; the connection is closed with this error.</summary>
public sealed class MqttProtocolViolationException : MqttClientException
{
    /// <summary>Creates the exception for a decoder error.</summary>
    public MqttProtocolViolationException(MqttProtocolError error)
        : base($"The broker broke the MQTT protocol: {error}")
        => Error = error;

    /// <summary>Creates the exception.</summary>
    public MqttProtocolViolationException()
        : base("The broker broke the MQTT protocol.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public MqttProtocolViolationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MqttProtocolViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What was wrong, when it came from the decoder.</summary>
    public MqttProtocolError? Error { get; }
}
