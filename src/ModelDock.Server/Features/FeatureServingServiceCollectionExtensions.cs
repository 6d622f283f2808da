using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Observability;

namespace ModelDock.Server.Features;

public static class FeatureServingServiceCollectionExtensions
{
    /// <summary>
    /// Registers online retrieval and push over one repository and online store; the container disposes the store.
    /// Push options are bound from <c>ModelDock:Features:Push</c> and validated at start, when the offline push log is
    /// opened (compacting what a previous process left in it); at stop every acknowledged offline row is compacted.
    /// </summary>
    public static IServiceCollection AddFeatureServing(this IServiceCollection services, FeatureRepository repository, IOnlineStore store, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(store);
        services.AddMetrics();
        services.AddOptions<FeaturePushOptions>().BindConfiguration(FeaturePushOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FeaturePushOptions>, FeaturePushOptionsValidator>());
        services.TryAddSingleton(sp => new FeatureMetrics(sp.GetRequiredService<IMeterFactory>(), repository, dataDir, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new OnlineFeatureService(repository, store, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<FeatureMetrics>()));
        services.AddSingleton(sp => new FeaturePushService(
            repository,
            store,
            dataDir,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<FeatureMetrics>(),
            sp.GetRequiredService<IOptions<FeaturePushOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<FeaturePushService>()));
        services.AddSingleton<IHostedService, FeaturePushLifetime>();
        return services;
    }

    /// <summary>
    /// Opens the push log before the server listens, so rows a killed process acknowledged are in Parquet before new
    /// ones arrive; compacts after the server has stopped (StoppedAsync), so pushes answered during shutdown are kept.
    /// </summary>
    private sealed class FeaturePushLifetime(FeaturePushService push) : IHostedLifecycleService
    {
        public async Task StartingAsync(CancellationToken cancellationToken)
        {
            try
            {
                await push.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ModelDockException)
            {
                // Another process holds the data folder's push log (logged as it was found); serving and online pushes go on.
            }
        }

        public Task StoppedAsync(CancellationToken cancellationToken) => push.DisposeAsync().AsTask();

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
