using System.Net;
using System.Net.Sockets;

namespace ModelDock.Testing;

/// <summary>Ports for servers that must be told one up front (a child process, a second listener).</summary>
public static class LoopbackPorts
{
    /// <summary>A loopback port free right now; the OS does not hand it out again soon, though another process could take it.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
