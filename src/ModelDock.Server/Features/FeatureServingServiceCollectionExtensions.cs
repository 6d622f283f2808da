using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Observability;

namespace ModelDock.Server.Features;

public static class FeatureServingServiceCollectionExtensions
{
    /// <summary>Registers online retrieval and push over one repository and online store; the container disposes the store.</summary>
    public static IServiceCollection AddFeatureServing(this IServiceCollection services, FeatureRepository repository, IOnlineStore store, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(store);
        services.AddMetrics();
        services.TryAddSingleton(sp => new FeatureMetrics(sp.GetRequiredService<IMeterFactory>(), repository, dataDir, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new OnlineFeatureService(repository, store, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<FeatureMetrics>()));
        services.AddSingleton(sp => new FeaturePushService(repository, store, dataDir, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<FeatureMetrics>()));
        return services;
    }
}
