using System.Net;
using System.Net.Sockets;

namespace EdgeGateway.Testing.Network;

/// <summary>Free TCP ports on the loopback interface, for servers a test starts.</summary>
public static class FreePort
{
    /// <summary>
    /// A TCP port on 127.0.0.1 that is free right now, for a server the test starts on it. It is picked
    /// at random below the kernel's ephemeral range (<c>ip_local_port_range</c>), so that no client
    /// socket and no server bound to port 0 (other tests, other processes) can take it before the
    /// server binds it: a port handed out by binding port 0 is in that range, and a process that
    /// connects somewhere meanwhile may get it as its local port (seen in CI: the gateway's metrics
    /// port "already in use"). Falls back to the OS's choice when nothing below the range is free.
    /// </summary>
    public static int Tcp()
    {
        var ceiling = EphemeralRangeStart() - 1;
        var floor = Math.Max(1024, ceiling - 16384);
        for (var attempt = 0; attempt < 64 && ceiling > floor; attempt++)
        {
            var port = Random.Shared.Next(floor, ceiling + 1);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The first port of the kernel's ephemeral range (<c>ip_local_port_range</c>; 32768 when it cannot be read).</summary>
    public static int EphemeralRangeStart()
    {
        try
        {
            var fields = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return fields.Length == 2 && int.TryParse(fields[0], out var start) ? start : 32768;
        }
        catch (IOException)
        {
            return 32768; // Linux's default
        }
    }

    /// <summary>True when a TCP connection to 127.0.0.1:<paramref name="port"/> is accepted.</summary>
    public static async ValueTask<bool> AcceptsConnectionsAsync(int port, CancellationToken cancellationToken = default)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
