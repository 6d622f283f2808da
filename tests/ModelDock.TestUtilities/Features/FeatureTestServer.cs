using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Server.Features;

namespace ModelDock.Testing.Features;

/// <summary>A real Kestrel on a free loopback port serving only the feature routes.</summary>
public sealed class FeatureTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FeatureTestServer(WebApplication app, Uri address)
    {
        _app = app;
        BaseAddress = address;
        Client = new HttpClient { BaseAddress = address };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public static Task<FeatureTestServer> StartAsync(
        FeatureRepository repository, IOnlineStore store, string dataDir, TimeProvider time, Action<OnlineFeatureOptions>? configure = null) =>
        StartAsync(services => services.AddFeatureServing(repository, store, dataDir, configure), time);

    /// <summary>Serves what is applied to the feature registry in <paramref name="dataDir"/>, following later applies, as <c>serve</c> does.</summary>
    public static Task<FeatureTestServer> StartFromRegistryAsync(IOnlineStore store, string dataDir, TimeProvider time) =>
        StartAsync(services => services.AddFeatureRegistryServing(store, dataDir), time);

    private static async Task<FeatureTestServer> StartAsync(Action<IServiceCollection> addFeatures, TimeProvider time)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(time);
        builder.Services.AddModelDock();
        addFeatures(builder.Services);
        var app = builder.Build();
        app.UseModelDock();
        FeatureHandlers.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new FeatureTestServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
