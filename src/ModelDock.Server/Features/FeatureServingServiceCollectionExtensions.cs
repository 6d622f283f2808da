using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelDock.Endpoints;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Registry;
using ModelDock.Server.Hosting;

namespace ModelDock.Server.Features;

public static class FeatureServingServiceCollectionExtensions
{
    /// <summary>Registers online retrieval and push over one fixed repository and online store; the container disposes the store.</summary>
    public static IServiceCollection AddFeatureServing(this IServiceCollection services, FeatureRepository repository, IOnlineStore store, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(repository);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(store);
        services.AddMetrics();
        services.TryAddSingleton(sp => new FeatureServing(
            repository, store, dataDir, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IMeterFactory>(), registry: null));
        return services;
    }

    /// <summary>
    /// Registers online retrieval and push over the definitions applied to the feature registry in
    /// <paramref name="dataDir"/>, as <c>features apply</c> writes them: a later apply is served within
    /// <see cref="RegistryOptions.PollInterval"/> (the endpoints' interval, one second unless configured), and
    /// <c>service:version</c> reads the view versions that service version pinned. The container disposes the store.
    /// </summary>
    public static IServiceCollection AddFeatureRegistryServing(this IServiceCollection services, IOnlineStore store, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(store);
        services.AddMetrics();
        services.AddOptions<RegistryOptions>();
        services.TryAddSingleton(sp => new FeatureRegistry(dataDir, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp =>
        {
            var registry = sp.GetRequiredService<FeatureRegistry>();

            // Read here, not when polling starts after the ports are bound, so the first request already sees what was applied.
            var applied = registry.GetRepository() ?? new FeatureRepository(dataDir, [], [], [], []);
            return new FeatureServing(applied, store, dataDir, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IMeterFactory>(), registry);
        });
        services.TryAddSingleton(sp => new FeatureRegistrySync(
            sp.GetRequiredService<FeatureRegistry>(),
            dataDir,
            sp.GetRequiredService<IOptions<RegistryOptions>>().Value.PollInterval,
            sp.GetRequiredService<FeatureServing>().Publish,
            sp.GetRequiredService<ILogger<FeatureRegistrySync>>()));
        services.AddSingleton<IHostedService>(sp =>
        {
            var sync = sp.GetRequiredService<FeatureRegistrySync>();
            return new AfterStart(sync.StartAsync, () => sync.DisposeAsync().AsTask());
        });
        return services;
    }
}
