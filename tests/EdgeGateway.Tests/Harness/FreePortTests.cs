using System.Net;
using System.Net.Sockets;
using EdgeGateway.Testing.Network;
using Xunit;

namespace EdgeGateway.Tests.Harness;

public sealed class FreePortTests
{
    [Fact]
    public void A_free_port_is_below_the_ephemeral_range_so_no_client_socket_or_port_0_listener_can_take_it()
    {
        var ephemeralStart = FreePort.EphemeralRangeStart();
        using var anyPort = new TcpListener(IPAddress.Loopback, 0);
        anyPort.Start();
        Assert.True(((IPEndPoint)anyPort.LocalEndpoint).Port >= ephemeralStart, "the premise: port 0 binds inside the ephemeral range");

        var port = FreePort.Tcp();
        Assert.InRange(port, 1024, ephemeralStart - 1);
        using var server = new TcpListener(IPAddress.Loopback, port);
        server.Start();
    }
}
