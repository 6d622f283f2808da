using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ModelDock.Server.Hosting;

/// <summary>
/// A listener could not be bound. Kestrel reports this as a socket error about an anonymous address; this says
/// which listener failed and why in one sentence, so a caller can report it without a stack trace.
/// </summary>
public sealed class ListenerBindException : IOException
{
    private ListenerBindException(string message, ModelDockListener? listener, SocketError reason, Exception inner)
        : base(message, inner)
    {
        Listener = listener;
        Reason = reason;
    }

    /// <summary>The listener that failed; null when Kestrel's error does not tell which of the two it was.</summary>
    public ModelDockListener? Listener { get; }

    /// <summary><see cref="SocketError.AddressAlreadyInUse"/>, <see cref="SocketError.AccessDenied"/> or <see cref="SocketError.AddressNotAvailable"/>.</summary>
    public SocketError Reason { get; }

    /// <summary>The failure <paramref name="error"/> stands for, or null when it is not a bind failure.</summary>
    internal static ListenerBindException? Classify(Exception error, ListenOptions http, ListenOptions grpc)
    {
        if (Find<AddressInUseException>(error) is not null)
        {
            // Kestrel names the endpoint in its message ("Failed to bind to address http://127.0.0.1:8000: ...").
            var listener = Mentions(error.Message, http) ? ModelDockListener.Rest
                : Mentions(error.Message, grpc) ? ModelDockListener.Grpc
                : (ModelDockListener?)null;
            var what = listener switch
            {
                ModelDockListener.Rest => $"REST port {http.IPEndPoint!.Port}",
                ModelDockListener.Grpc => $"gRPC port {grpc.IPEndPoint!.Port}",
                _ => $"REST port {http.IPEndPoint!.Port} or gRPC port {grpc.IPEndPoint!.Port}",
            };
            return new($"{what} on {Describe(http.IPEndPoint!.Address)} is already in use", listener, SocketError.AddressAlreadyInUse, error);
        }

        switch (Find<SocketException>(error)?.SocketErrorCode)
        {
            case SocketError.AccessDenied:
                {
                    // Kestrel binds REST first; a denied bind is almost always a privileged port (below 1024).
                    var listener = IsPrivileged(http) || !IsPrivileged(grpc) ? ModelDockListener.Rest : ModelDockListener.Grpc;
                    var listen = listener == ModelDockListener.Rest ? http : grpc;
                    var hint = IsPrivileged(listen) ? " (ports below 1024 need elevated rights)" : string.Empty;
                    return new(
                        $"not permitted to listen on {(listener == ModelDockListener.Rest ? "REST" : "gRPC")} port {listen.IPEndPoint!.Port} on {Describe(listen.IPEndPoint!.Address)}{hint}",
                        listener,
                        SocketError.AccessDenied,
                        error);
                }

            case SocketError.AddressNotAvailable:
                return new($"cannot listen on {http.IPEndPoint!.Address}: it is not an address of this machine", null, SocketError.AddressNotAvailable, error);
            default:
                return null;
        }
    }

    private static T? Find<T>(Exception? error)
        where T : Exception
    {
        for (; error is not null; error = error.InnerException)
        {
            if (error is T found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="message"/> contains the listener's address not followed by another digit (port 80 is not 8000).</summary>
    private static bool Mentions(string message, ListenOptions listen)
    {
        var address = $"http://{listen.IPEndPoint}";
        for (var at = message.IndexOf(address, StringComparison.Ordinal); at >= 0; at = message.IndexOf(address, at + 1, StringComparison.Ordinal))
        {
            var end = at + address.Length;
            if (end == message.Length || !char.IsAsciiDigit(message[end]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsPrivileged(ListenOptions listen) => listen.IPEndPoint!.Port is > 0 and < 1024;

    private static string Describe(IPAddress address) =>
        address.Equals(IPAddress.IPv6Any) ? "every interface ([::])"
        : address.Equals(IPAddress.Any) ? "every IPv4 interface (0.0.0.0)"
        : address.ToString();
}
