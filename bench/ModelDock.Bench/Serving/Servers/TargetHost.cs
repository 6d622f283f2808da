using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModelDock.Bench.Serving.Servers;

/// <summary>
/// Hosts one comparison server in a <c>serve-target</c> process: Kestrel on 127.0.0.1, no logging. It
/// prints <see cref="ReadyPrefix"/> and its port once it accepts requests, and stops when its standard
/// input ends, so a server outlives neither the benchmark that started it nor a closed terminal.
/// </summary>
internal static class TargetHost
{
    public const string ReadyPrefix = "ready on port ";

    /// <param name="port">0 picks a free port.</param>
    /// <param name="protocols">HTTP/2 needs an endpoint of its own: without TLS a mixed one speaks only HTTP/1.1.</param>
    public static WebApplicationBuilder CreateBuilder(int port, HttpProtocols protocols = HttpProtocols.Http1)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, l => l.Protocols = protocols));
        return builder;
    }

    /// <param name="owned">Something the endpoints use that must outlive them, e.g. an ONNX Runtime session.</param>
    public static async Task RunAsync(WebApplication app, IDisposable? owned = null)
    {
        try
        {
            await app.StartAsync().ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            Console.WriteLine(ReadyPrefix + new Uri(address).Port.ToString(CultureInfo.InvariantCulture));
            var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = app.Lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
            await Task.WhenAny(Console.In.ReadToEndAsync(), stopping.Task).ConfigureAwait(false);
            await app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
            owned?.Dispose();
        }
    }

    public static int ParsePort(string readyLine) =>
        int.Parse(readyLine.AsSpan(ReadyPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture);
}
