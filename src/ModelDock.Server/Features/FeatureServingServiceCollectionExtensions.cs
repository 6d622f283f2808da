using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelDock.Features.Assembly;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Features.Registry;
using ModelDock.Observability;

namespace ModelDock.Server.Features;

public static class FeatureServingServiceCollectionExtensions
{
    /// <summary>
    /// Registers online retrieval and push over one repository and online store, and the seam through which models that
    /// declare <c>modeldock.features</c> read them; the container disposes the store.
    /// </summary>
    public static IServiceCollection AddFeatureServing(this IServiceCollection services, FeatureRepository repository, IOnlineStore store, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(store);
        services.AddMetrics();
        services.TryAddSingleton(sp => new FeatureMetrics(sp.GetRequiredService<IMeterFactory>(), repository, dataDir, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new OnlineFeatureService(repository, store, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<FeatureMetrics>()));
        services.AddSingleton<IModelFeatureSource>(sp => new OnlineFeatureSource(sp.GetRequiredService<OnlineFeatureService>(), RegistryLookup(dataDir, sp.GetRequiredService<TimeProvider>())));
        services.AddSingleton(sp => new FeaturePushService(repository, store, dataDir, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<FeatureMetrics>()));
        return services;
    }

    /// <summary>
    /// Feature service versions, which models' configs may pin, come from the registry in the data folder; it is opened
    /// only when a version loads, so serving holds no connection to it. Null when the folder has no registry.
    /// </summary>
    private static Func<string, VersionedFeatureService>? RegistryLookup(string dataDir, TimeProvider time)
    {
        if (!File.Exists(Path.Combine(dataDir, FeatureRegistry.DatabaseFileName)))
        {
            return null;
        }

        return service =>
        {
            using var registry = new FeatureRegistry(dataDir, time);
            return registry.GetFeatureService(service);
        };
    }
}
