using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using EdgeGateway.Mqtt.Packets;

namespace EdgeGateway.Mqtt.Client;

/// <summary>
/// One network connection to the broker: the socket (and TLS), a packet reader, and a write loop that
/// encodes everything queued and writes it at once, so acknowledgements and publishes that arrive
/// together leave in one write. The session logic lives in <see cref="MqttClient"/>.
/// </summary>
/// <remarks>
/// <para>
/// The socket only ever sees blocking calls (connect and TLS handshake run on a thread-pool thread,
/// bounded by the caller's timeout, which closes the socket to end them). .NET then leaves it a plain
/// blocking socket, never registered with its epoll engine: one dedicated thread per connection
/// (<see cref="StartReading"/>, <see cref="ReadPacket"/>) waits in the kernel for the next bytes and
/// handles them, without a wake-up of the socket engine and a thread-pool hand-off per read.
/// </para>
/// <para>
/// At high rates reads are spaced out (<see cref="MqttClientOptions.ReadCoalescing"/>), so that one
/// wake-up takes many packets.
/// </para>
/// </remarks>
internal sealed class MqttConnection : IAsyncDisposable
{
    /// <summary>How much of the payload of a cut PUBLISH is kept (see <see cref="TryCutOversizePublish"/>).</summary>
    internal const int CutPayloadBytes = 4096;

    private const int InitialReadBufferSize = 64 * 1024;

    /// <summary>The most a cut PUBLISH's head can take: fixed header, longest topic, packet identifier, kept payload.</summary>
    private const int CutHeadLimit = 1 + VariableByteInteger.MaxSize + 2 + ushort.MaxValue + 2 + CutPayloadBytes;
    private const int WriteChunkSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly MqttProtocolVersion _version;
    private readonly int _maximumInboundPacketSize;
    private readonly TimeProvider _timeProvider;
    private readonly long _readCoalescingTicks;

    // Unbounded on purpose: what is queued here is bounded upstream by the in-flight window (publishes),
    // the receive maximum (acknowledgements) and one request per caller (subscribe, ping).
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _closing = new();

    // Held while encoding into _writeBuffer and writing it: by the write loop, or by a caller writing its
    // own packets directly (WriteNowAsync), which saves the hand-off to the loop and back.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _writeBuffer = new(WriteChunkSize);
    private readonly List<TaskCompletionSource> _written = [];
    private readonly Task _writeLoop;
    private readonly TaskCompletionSource<MqttPacket?> _firstPacket = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Action?> _readLoop = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Received bytes not yet decoded are _readBuffer[_readStart.._readEnd]; only the read thread uses them.
    private byte[] _readBuffer = new byte[InitialReadBufferSize];
    private int _readStart;
    private int _readEnd;

    // Bytes of a cut PUBLISH still to drop as they arrive.
    private long _discarding;
    private long _lastReadTimestamp;
    private volatile bool _readsAborted;
    private long _lastSentTimestamp;
    private Exception? _writeFailure;
    private int _disposed;

    private MqttConnection(Socket socket, Stream stream, MqttClientOptions options)
    {
        _socket = socket;
        _stream = stream;
        _version = options.ProtocolVersion;
        _maximumInboundPacketSize = options.MaximumPacketSize;
        _timeProvider = options.TimeProvider;
        _readCoalescingTicks = (long)(options.ReadCoalescing.TotalSeconds * Stopwatch.Frequency);
        _lastSentTimestamp = _timeProvider.GetTimestamp();
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>The largest packet the broker accepts (from CONNACK); set once connected.</summary>
    public int MaximumOutboundPacketSize { get; set; } = MqttLimits.MaximumPacketSize;

    /// <summary>When something was last written, as a <see cref="TimeProvider"/> timestamp.</summary>
    public long LastSentTimestamp => Interlocked.Read(ref _lastSentTimestamp);

    /// <summary>True once the connection is closing (safe to read after it was disposed).</summary>
    public bool IsClosing => _closing.IsCancellationRequested;

    /// <summary>Fires when the connection is closing, for whatever reason.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Opens TCP (and TLS) to the broker.</summary>
    public static async Task<MqttConnection> OpenAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

        // Blocking calls on a pool thread (see the remarks); cancelling closes the socket, which ends them.
        var open = Task.Run(() => Open(socket, options), CancellationToken.None);
        try
        {
            var stream = await open.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new MqttConnection(socket, stream, options);
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();

            // Observe how it ends; a stream opened after all (a race with the timeout) is closed.
            _ = open.ContinueWith(
                static t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        t.Result.Dispose();
                    }

                    return t.Exception;
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
    }

    private static Stream Open(Socket socket, MqttClientOptions options)
    {
        Stream stream;
        try
        {
            socket.Connect(options.Host, options.Port);
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
            var validator = new BrokerCertificateValidator(tls.CaFile, tls.ServerName ?? options.Host);
            try
            {
                ssl.AuthenticateAsClient(new SslClientAuthenticationOptions
                {
                    TargetHost = tls.ServerName ?? options.Host,
                    ClientCertificates = tls.ClientCertificate is null ? null : [tls.ClientCertificate],
                    RemoteCertificateValidationCallback = validator.Validate,
                });
            }
            catch (AuthenticationException error) when (validator.Rejection is { } rejection)
            {
                // SslStream only says "rejected by the callback"; the operator needs to know why.
                ssl.Dispose();
                throw new AuthenticationException(rejection, error);
            }
            catch
            {
                ssl.Dispose();
                throw;
            }

            stream = ssl;
        }

        return stream;
    }

    /// <summary>Queues a packet; false when the connection is already closing.</summary>
    public bool TrySend(MqttPacket packet) => _outgoing.Writer.TryWrite(new Outgoing(packet, null));

    /// <summary>Queues a packet and waits until it has been written to the socket.</summary>
    /// <exception cref="MqttNotConnectedException">The connection closed first.</exception>
    public async Task SendAndFlushAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        // Completed on a pool thread, together with the others of the same write (see WriteBuffered).
        var written = new TaskCompletionSource();
        if (!_outgoing.Writer.TryWrite(new Outgoing(packet, written)))
        {
            throw new MqttNotConnectedException("The connection to the broker closed before the packet could be sent.");
        }

        await written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes packets and completes once they are written. When no other write is under way they are
    /// written right here, on the caller's thread (no hand-off to the write loop and back: what
    /// acknowledging a batch needs); otherwise they are queued for the write loop like any packet, and
    /// cancelling stops the waiting, not the write.
    /// </summary>
    /// <exception cref="MqttNotConnectedException">The connection closed before or while writing.</exception>
    public Task WriteNowAsync(IReadOnlyList<MqttPacket> packets, CancellationToken cancellationToken)
    {
        if (_closing.IsCancellationRequested)
        {
            return Task.FromException(new MqttNotConnectedException("The connection to the broker closed before the packet could be sent."));
        }

        if (!_writeLock.Wait(0, CancellationToken.None))
        {
            return QueueAndWaitAsync(packets, cancellationToken);
        }

        try
        {
            if (_closing.IsCancellationRequested)
            {
                throw new MqttNotConnectedException("The connection to the broker closed before the packet could be sent.");
            }

            for (var i = 0; i < packets.Count; i++)
            {
                try
                {
                    MqttPacketEncoder.Encode(_writeBuffer, packets[i], _version, MaximumOutboundPacketSize);
                }
                catch (MqttEncodingException error)
                {
                    // Only acknowledgements come this way: failing to encode one is a client bug. Fail loudly.
                    _writeBuffer.ResetWrittenCount();
                    _writeFailure = error;
                    AbortReads();
                    throw;
                }

                if (_writeBuffer.WrittenCount >= WriteChunkSize)
                {
                    WriteBuffered();
                }
            }

            // A blocking write, as everywhere on this socket: it waits only while the kernel's send buffer is full.
            WriteBuffered();
            return Task.CompletedTask;
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or SocketException)
        {
            // The connection is dead: make the reader notice, as a failing write loop does.
            _writeBuffer.ResetWrittenCount();
            AbortReads();
            return Task.FromException(new MqttNotConnectedException("The connection to the broker closed before the packet was written.", error));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task QueueAndWaitAsync(IReadOnlyList<MqttPacket> packets, CancellationToken cancellationToken)
    {
        // Written in order by the write loop: when the last is written, so are the others.
        var written = new TaskCompletionSource();
        for (var i = 0; i < packets.Count; i++)
        {
            if (!_outgoing.Writer.TryWrite(new Outgoing(packets[i], i == packets.Count - 1 ? written : null)))
            {
                throw new MqttNotConnectedException("The connection to the broker closed before the packet could be sent.");
            }
        }

        await written.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the connection's read thread, which reads the first packet (CONNACK) and returns it here;
    /// then it waits for <see cref="ContinueReading"/> (or for the connection to be disposed). To give up
    /// waiting, dispose the connection: that ends the read.
    /// </summary>
    public Task<MqttPacket?> StartReading()
    {
        new Thread(ReadThread) { IsBackground = true, Name = "MQTT read" }.Start();
        return _firstPacket.Task;
    }

    /// <summary>Runs <paramref name="readLoop"/> on the read thread, once the first packet was accepted.</summary>
    public void ContinueReading(Action readLoop) => _readLoop.TrySetResult(readLoop);

    private void ReadThread()
    {
        try
        {
            _firstPacket.TrySetResult(ReadPacket());
        }
#pragma warning disable CA1031 // Handed to the connecting caller, who reports it.
        catch (Exception error)
#pragma warning restore CA1031
        {
            _firstPacket.TrySetException(error);
            return;
        }

        try
        {
            _readLoop.Task.GetAwaiter().GetResult()?.Invoke();
        }
#pragma warning disable CA1031 // The read loop reports its own failures; an exception escaping it must not end the process.
        catch (Exception)
#pragma warning restore CA1031
        {
            _ = DisposeAsync().AsTask();
        }
    }

    /// <summary>
    /// Reads the next packet, blocking the calling thread (the connection's read thread); null when the
    /// broker closed the connection. Closing the connection ends a blocked read with an exception.
    /// </summary>
    /// <param name="beforeWaiting">Called when every packet received so far has been returned, before the read waits for more.</param>
    /// <exception cref="MqttProtocolViolationException">The broker sent bytes that break the protocol.</exception>
    public MqttPacket? ReadPacket(Action? beforeWaiting = null)
    {
        while (true)
        {
            if (TryDecode(out var packet))
            {
                return packet;
            }

            beforeWaiting?.Invoke();
            WaitBeforeReading();
            int read;
            try
            {
                read = _stream.Read(FreeReadSpace().Span);
            }
            catch (IOException) when (_readsAborted)
            {
                read = 0;
            }

            if (read == 0 || _readsAborted)
            {
                return EndOfStream();
            }

            _readEnd += read;
        }
    }

    /// <summary>Decodes one packet from what was received, if it is all there.</summary>
    private bool TryDecode(out MqttPacket? packet)
    {
        packet = null;
        if (_discarding > 0)
        {
            var dropped = (int)Math.Min(_discarding, _readEnd - _readStart);
            _readStart += dropped;
            _discarding -= dropped;
            if (_readStart == _readEnd)
            {
                _readStart = _readEnd = 0;
            }

            if (_discarding > 0)
            {
                return false;
            }
        }

        var available = _readEnd - _readStart;
        if (available == 0)
        {
            return false;
        }

        var buffer = new ReadOnlySequence<byte>(_readBuffer, _readStart, available);
        var decoded = MqttPacketDecoder.Decode(ref buffer, _version, _maximumInboundPacketSize);
        if (decoded.IsError)
        {
            if (_version == MqttProtocolVersion.V311
                && decoded.Error is { Kind: MqttProtocolErrorKind.PacketTooLarge, PacketType: MqttPacketType.Publish })
            {
                return TryCutOversizePublish(out packet);
            }

            throw new MqttProtocolViolationException(decoded.Error!);
        }

        if (!decoded.IsPacket)
        {
            return false;
        }

        // Decoded packets own their data: the bytes can be reused at once.
        _readStart += available - (int)buffer.Length;
        if (_readStart == _readEnd)
        {
            _readStart = _readEnd = 0;
        }

        packet = decoded.Packet;
        return true;
    }

    /// <summary>
    /// MQTT 3.1.1 has no way to tell the broker the client's maximum packet size, so a larger PUBLISH is
    /// not the broker's fault. Reading it whole would take unbounded memory, and closing the connection
    /// would only make the broker send it again, forever. Instead its head (topic, packet identifier and
    /// the first <see cref="CutPayloadBytes"/> bytes of payload) becomes a PUBLISH of its own, marked with
    /// <see cref="MqttPublishPacket.OriginalPayloadLength"/>, and the rest is dropped as it arrives: the
    /// consumer sees it, can put it aside and acknowledge it, and the connection goes on.
    /// </summary>
    private bool TryCutOversizePublish(out MqttPacket? packet)
    {
        packet = null;
        var received = _readBuffer.AsSpan(_readStart, _readEnd - _readStart);
        if (VariableByteInteger.TryRead(received[1..], out var remaining, out var lengthSize) != VariableByteIntegerStatus.Success || received.Length < 1 + lengthSize + 2)
        {
            return false;
        }

        var headerSize = 1 + lengthSize;
        var qos = (received[0] >> 1) & 0x03;
        var variableHeader = 2 + BinaryPrimitives.ReadUInt16BigEndian(received[headerSize..]) + (qos > 0 ? 2 : 0);
        var keep = (int)Math.Min(remaining, variableHeader + (long)CutPayloadBytes);
        if (received.Length < headerSize + keep)
        {
            return false;
        }

        // The head, re-framed as a complete PUBLISH, goes through the decoder like any other packet.
        var head = new byte[1 + VariableByteInteger.GetSize(keep) + keep];
        head[0] = received[0];
        var written = VariableByteInteger.Write(head.AsSpan(1), keep);
        received.Slice(headerSize, keep).CopyTo(head.AsSpan(1 + written));
        var sequence = new ReadOnlySequence<byte>(head);
        var decoded = MqttPacketDecoder.Decode(ref sequence, _version, head.Length);
        if (decoded.IsError || decoded.Packet is not MqttPublishPacket publish)
        {
            throw new MqttProtocolViolationException(decoded.Error
                ?? new MqttProtocolError(MqttProtocolErrorKind.PacketTooLarge, MqttPacketType.Publish, $"a PUBLISH of {remaining} bytes whose head cannot be read"));
        }

        packet = new MqttPublishPacket
        {
            TopicName = publish.TopicName,
            Payload = publish.Payload,
            QoS = publish.QoS,
            Retain = publish.Retain,
            Dup = publish.Dup,
            PacketIdentifier = publish.PacketIdentifier,
            OriginalPayloadLength = remaining - variableHeader,
        };
        _readStart += headerSize + keep;
        _discarding = remaining - keep;
        if (_readStart == _readEnd)
        {
            _readStart = _readEnd = 0;
        }

        return true;
    }

    /// <summary>Where the next read goes: after what is kept, moved to the front or in a larger buffer when needed.</summary>
    private Memory<byte> FreeReadSpace()
    {
        if (_readBuffer.Length - _readEnd < InitialReadBufferSize / 4 && _readStart > 0)
        {
            Buffer.BlockCopy(_readBuffer, _readStart, _readBuffer, 0, _readEnd - _readStart);
            _readEnd -= _readStart;
            _readStart = 0;
        }

        if (_readEnd == _readBuffer.Length)
        {
            // A packet larger than the buffer (the decoder has refused any above the maximum packet size,
            // except the head of a PUBLISH to cut).
            var largest = Math.Max(Math.Max((long)_maximumInboundPacketSize + 1 + VariableByteInteger.MaxSize, CutHeadLimit), _readBuffer.Length + 1L);
            var larger = new byte[(int)Math.Min((long)_readBuffer.Length * 2, largest)];
            Buffer.BlockCopy(_readBuffer, 0, larger, 0, _readEnd);
            _readBuffer = larger;
        }

        return _readBuffer.AsMemory(_readEnd);
    }

    /// <summary>
    /// Read coalescing: when the last read began less than the interval ago (packets keep coming), sleep
    /// for the rest of it, so the next read takes everything that arrived meanwhile.
    /// </summary>
    private void WaitBeforeReading()
    {
        if (_readCoalescingTicks == 0)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        var wait = _lastReadTimestamp + _readCoalescingTicks - now;
        if (wait > 0)
        {
            // Thread.Sleep counts whole milliseconds.
            Thread.Sleep((int)Math.Ceiling(wait * 1000.0 / Stopwatch.Frequency));
            now = Stopwatch.GetTimestamp();
        }

        _lastReadTimestamp = now;
    }

    private MqttPacket? EndOfStream() => _writeFailure is { } failure
        ? throw new MqttClientException($"Could not encode a packet: {failure.Message}", failure)
        : null;

    /// <summary>Ends a blocked read: the connection is dead (a write failed).</summary>
    private void AbortReads()
    {
        if (_closing.IsCancellationRequested)
        {
            return;
        }

        _readsAborted = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            // Already closed: the read ends anyway.
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
        _readLoop.TrySetResult(null);
        _firstPacket.TrySetCanceled();

        // Closing the stream first ends a read or write blocked in the kernel; then the loop can end.
        await _stream.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _writeLoop.ConfigureAwait(false);
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The loop ends with whatever the closed stream made it throw.
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

            // FIN after the DISCONNECT: closing with the read thread still in recv() would otherwise reset
            // the connection, and a reset may drop what the kernel has not sent yet.
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception error) when (error is MqttClientException or OperationCanceledException or TimeoutException or IOException or SocketException or ObjectDisposedException)
        {
            // Closing anyway: the broker learns from the closed socket.
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var token = _closing.Token;
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                await _writeLock.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    WriteQueued();
                }
                catch
                {
                    FailWritten();
                    throw;
                }
                finally
                {
                    _writeLock.Release();
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or ObjectDisposedException or SocketException or MqttEncodingException)
        {
            // The connection is closing; the read side reports the loss.
        }
        finally
        {
            var unsent = new List<TaskCompletionSource>();
            while (_outgoing.Reader.TryRead(out var item))
            {
                if (item.Written is not null)
                {
                    unsent.Add(item.Written);
                }
            }

            CompleteOnThreadPool(unsent, new MqttNotConnectedException("The connection to the broker closed before the packet was written."));

            // A write failure means the connection is dead: make the reader notice too.
            AbortReads();
        }
    }

    /// <summary>Encodes everything queued and writes it in as few writes as possible. Holds the write lock.</summary>
    private void WriteQueued()
    {
        while (_outgoing.Reader.TryRead(out var item))
        {
            try
            {
                MqttPacketEncoder.Encode(_writeBuffer, item.Packet, _version, MaximumOutboundPacketSize);
            }
            catch (MqttEncodingException error) when (item.Written is not null)
            {
                // A packet this connection cannot carry (e.g. larger than the broker accepts) fails alone.
                CompleteOnThreadPool([item.Written], error);
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
                _written.Add(item.Written);
            }

            if (_writeBuffer.WrittenCount >= WriteChunkSize)
            {
                WriteBuffered();
            }
        }

        WriteBuffered();
    }

    /// <summary>Fails the packets encoded but not written (the connection is dead). Holds the write lock.</summary>
    private void FailWritten()
    {
        _writeBuffer.ResetWrittenCount();
        CompleteOnThreadPool(_written, new MqttNotConnectedException("The connection to the broker closed before the packet was written."));
    }

    /// <summary>
    /// Completes (or fails) the waiters of one write in one pool work item: their continuations run there,
    /// never on the write loop (which they might wait for) and without one work item each.
    /// </summary>
    private static void CompleteOnThreadPool(List<TaskCompletionSource> written, Exception? failure)
    {
        if (written.Count == 0)
        {
            return;
        }

        var completions = written.ToArray();
        written.Clear();
        ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                foreach (var completion in state.Completions)
                {
                    if (state.Failure is null)
                    {
                        completion.TrySetResult();
                    }
                    else
                    {
                        completion.TrySetException(state.Failure);
                    }
                }
            },
            (Completions: completions, Failure: failure),
            preferLocal: false);
    }

    /// <summary>Writes what is encoded (a blocking write: it waits only when the socket's send buffer is full).</summary>
    private void WriteBuffered()
    {
        if (_writeBuffer.WrittenCount > 0)
        {
            _stream.Write(_writeBuffer.WrittenSpan);
            _writeBuffer.ResetWrittenCount();
            Interlocked.Exchange(ref _lastSentTimestamp, _timeProvider.GetTimestamp());
        }

        CompleteOnThreadPool(_written, null);
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
