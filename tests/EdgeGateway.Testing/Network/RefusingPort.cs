using System.Net;
using System.Net.Sockets;

namespace EdgeGateway.Testing.Network;

/// <summary>
/// A TCP port on 127.0.0.1 that is bound but not listening: every connection to it is refused for as long
/// as this is held (unlike a merely free port, no other process can start listening on it meanwhile).
/// </summary>
public sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    /// <summary>Binds a free port without listening.</summary>
    public RefusingPort() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Address => $"127.0.0.1:{((IPEndPoint)_socket.LocalEndPoint!).Port}";

    /// <inheritdoc />
    public void Dispose() => _socket.Dispose();
}
