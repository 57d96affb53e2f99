using System.Net.Sockets;
using System.Text;

namespace EdgeGateway.Hosting;

/// <summary>
/// The datagram socket systemd names in <c>$NOTIFY_SOCKET</c>: each message is one datagram of
/// <c>KEY=VALUE</c> lines (sd_notify(3)). Written here because the hosting package that does it is not
/// in the package mirror, and the protocol is one <c>sendto</c>.
/// </summary>
public sealed class SystemdNotifySocket : IDisposable
{
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endPoint;

    /// <summary>Opens a socket towards <paramref name="path"/>: a file path, or <c>@name</c> for the abstract namespace.</summary>
    public SystemdNotifySocket(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        // systemd writes abstract socket names with a leading '@' that stands for the NUL byte.
        _endPoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    /// <summary>Sends one notification, e.g. <c>READY=1</c> or <c>WATCHDOG=1</c>.</summary>
    /// <exception cref="SocketException">The socket is gone (systemd stopped listening).</exception>
    public void Send(string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(message);
        _socket.SendTo(Encoding.UTF8.GetBytes(message), SocketFlags.None, _endPoint);
    }

    /// <inheritdoc />
    public void Dispose() => _socket.Dispose();
}
