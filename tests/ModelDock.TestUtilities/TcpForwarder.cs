using System.Net;
using System.Net.Sockets;

namespace ModelDock.Testing;

/// <summary>
/// A loopback TCP port that forwards every connection to a server, so a test can cut a server off from its clients
/// (<see cref="DisposeAsync"/> closes the port and every forwarded connection) without stopping the server itself.
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private int _disposed;

    public TcpForwarder(string host, int port)
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(host, port, _stop.Token);
    }

    public int Port { get; }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener.Stop();
        lock (_open)
        {
            foreach (var client in _open)
            {
                client.Dispose();
            }

            _open.Clear();
        }

        await _accepting;
        _stop.Dispose();
    }

    private static async Task PumpAsync(TcpClient a, TcpClient b, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAny(
                a.GetStream().CopyToAsync(b.GetStream(), cancellationToken),
                b.GetStream().CopyToAsync(a.GetStream(), cancellationToken));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // One side closed: close both below.
        }

        a.Dispose();
        b.Dispose();
    }

    private async Task AcceptAsync(string host, int port, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(cancellationToken);
                var upstream = new TcpClient();
                lock (_open)
                {
                    _open.Add(client);
                    _open.Add(upstream);
                }

                await upstream.ConnectAsync(host, port, cancellationToken);
                _ = PumpAsync(client, upstream, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }
}
