using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace ModelDock.Server.Tests.Hardening;

/// <summary>Requests no well-behaved client sends: lying headers over raw sockets, unparsable gRPC frames over plain HTTP/2.</summary>
internal static class RawHttp
{
    /// <summary>Opens a connection and sends request headers plus the first bytes of a body, leaving the rest unsent.</summary>
    public static async Task<TcpClient> StartRequestAsync(int port, string path, IEnumerable<string> headers, byte[] firstBytes)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var head = new StringBuilder($"POST {path} HTTP/1.1\r\nHost: localhost\r\n");
        foreach (var header in headers)
        {
            head.Append(header).Append("\r\n");
        }

        head.Append("\r\n");
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
        await stream.WriteAsync(firstBytes);
        return client;
    }

    /// <summary>Reads the status line of the answer on a connection (or null when the server closed it without one).</summary>
    public static async Task<int?> ReadStatusAsync(TcpClient client)
    {
        var buffer = new byte[4096];
        var read = await client.GetStream().ReadAsync(buffer);
        if (read == 0)
        {
            return null;
        }

        var line = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
        return int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Sends <paramref name="message"/> as one gRPC frame and returns the call's grpc-status and grpc-message.</summary>
    public static async Task<(int Status, string Message)> GrpcCallAsync(Uri grpcAddress, string method, byte[] message)
    {
        using var http = new HttpClient { BaseAddress = grpcAddress };
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        var content = new ByteArrayContent(frame);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var request = new HttpRequestMessage(HttpMethod.Post, method)
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var headers = response.TrailingHeaders.Contains("grpc-status") ? (HttpHeaders)response.TrailingHeaders : response.Headers;
        var status = int.Parse(headers.GetValues("grpc-status").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var detail = headers.TryGetValues("grpc-message", out var values) ? Uri.UnescapeDataString(values.Single()) : string.Empty;
        return (status, detail);
    }
}
