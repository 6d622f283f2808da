using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModelDock.Bench.Serving;

/// <summary>Builds the comparison servers the same way: Kestrel on 127.0.0.1 with a free port, no logging.</summary>
internal static class LoopbackHost
{
    /// <param name="protocols">HTTP/2 needs an endpoint of its own: without TLS a mixed one speaks only HTTP/1.1.</param>
    public static WebApplicationBuilder CreateBuilder(HttpProtocols protocols = HttpProtocols.Http1)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, l => l.Protocols = protocols));
        return builder;
    }

    public static Uri BaseAddress(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.EndsWith('/') ? address : address + "/");
    }
}
