using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModelDock.Bench.Serving;

/// <summary>
/// A comparison server, built the same way for every target (Kestrel on 127.0.0.1 with a free port,
/// no logging); disposing it stops the app and frees what it owns.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IDisposable? _owned;

    private LoopbackServer(WebApplication app, IDisposable? owned)
    {
        _app = app;
        _owned = owned;
    }

    public Uri BaseAddress
    {
        get
        {
            var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.EndsWith('/') ? address : address + "/");
        }
    }

    /// <param name="protocols">HTTP/2 needs an endpoint of its own: without TLS a mixed one speaks only HTTP/1.1.</param>
    public static WebApplicationBuilder CreateBuilder(HttpProtocols protocols = HttpProtocols.Http1)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, l => l.Protocols = protocols));
        return builder;
    }

    /// <param name="owned">Something the endpoints use that must outlive them, e.g. an ONNX Runtime session.</param>
    public static async Task<LoopbackServer> StartAsync(WebApplication app, IDisposable? owned = null)
    {
        await app.StartAsync().ConfigureAwait(false);
        return new LoopbackServer(app, owned);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _owned?.Dispose();
    }
}
