using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelDock.Endpoints;
using ModelDock.Errors;
using ModelDock.Features.Assembly;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Features.Registry;
using ModelDock.Server.Hosting;

namespace ModelDock.Server.Features;

public static class FeatureServingServiceCollectionExtensions
{
    /// <summary>
    /// Registers online retrieval and push over one fixed repository and online store, and the seam through which models
    /// that declare <c>modeldock.features</c> read them; the container disposes the store.
    /// The offline push log is opened before the server listens (compacting what a previous process left in it), and at
    /// stop every acknowledged offline row is compacted.
    /// </summary>
    /// <param name="configure">Applied after <see cref="OnlineFeatureOptions"/> are bound from <c>ModelDock:Features</c>.</param>
    public static IServiceCollection AddFeatureServing(
        this IServiceCollection services, FeatureRepository repository, IOnlineStore store, string dataDir, Action<OnlineFeatureOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(repository);
        AddOnlineStore(services, store, dataDir, configure);
        services.TryAddSingleton(sp => new FeatureServing(
            repository, sp.GetRequiredService<IOnlineStore>(), dataDir, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IMeterFactory>(), OptionsOf(sp), PushOptionsOf(sp), PushLogger(sp), registry: null));
        return services;
    }

    /// <summary>
    /// Registers online retrieval and push over the definitions applied to the feature registry in
    /// <paramref name="dataDir"/>, as <c>features apply</c> writes them: a later apply is served within
    /// <see cref="RegistryOptions.PollInterval"/> (the endpoints' interval, one second unless configured), and
    /// <c>service:version</c> reads the view versions that service version pinned. The container disposes the store.
    /// </summary>
    public static IServiceCollection AddFeatureRegistryServing(
        this IServiceCollection services, IOnlineStore store, string dataDir, Action<OnlineFeatureOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        AddOnlineStore(services, store, dataDir, configure);
        services.AddOptions<RegistryOptions>();
        services.TryAddSingleton(sp => new FeatureRegistry(dataDir, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp =>
        {
            var registry = sp.GetRequiredService<FeatureRegistry>();

            // Read here, not when polling starts after the ports are bound, so the first request already sees what was applied.
            var applied = registry.GetRepository() ?? new FeatureRepository(dataDir, [], [], [], []);
            return new FeatureServing(
                applied, sp.GetRequiredService<IOnlineStore>(), dataDir, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IMeterFactory>(), OptionsOf(sp), PushOptionsOf(sp), PushLogger(sp), registry);
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

    /// <summary>
    /// The store, behind a row cache when <see cref="OnlineFeatureOptions.RowCacheMaxAge"/> asks for one (pushes write
    /// through it, so their rows are never served stale); online and push options validated at start; the push log's
    /// lifetime; and the seam through which feature-declaring models read the definitions served now.
    /// </summary>
    private static void AddOnlineStore(IServiceCollection services, IOnlineStore store, string dataDir, Action<OnlineFeatureOptions>? configure)
    {
        var options = services.AddOptions<OnlineFeatureOptions>().BindConfiguration(OnlineFeatureOptions.Section).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OnlineFeatureOptions>, OnlineFeatureOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => OptionsOf(sp) is { RowCacheMaxAge.Ticks: > 0 } o
            ? new CachedOnlineStore(store, o.RowCacheMaxAge, o.RowCacheCapacity, sp.GetRequiredService<TimeProvider>())
            : store);
        services.AddMetrics();
        services.AddOptions<FeaturePushOptions>().BindConfiguration(FeaturePushOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FeaturePushOptions>, FeaturePushOptionsValidator>());
        services.TryAddSingleton(sp => sp.GetRequiredService<FeatureServing>().Push);
        services.AddSingleton<IHostedService>(sp => new FeaturePushLifetime(sp.GetRequiredService<FeaturePushService>()));
        services.TryAddSingleton<IModelFeatureSource>(sp => new OnlineFeatureSource(
            () => sp.GetRequiredService<FeatureServing>().Online, RegistryLookup(dataDir, sp.GetRequiredService<TimeProvider>())));
    }

    private static FeaturePushOptions PushOptionsOf(IServiceProvider services) => services.GetRequiredService<IOptions<FeaturePushOptions>>().Value;

    private static ILogger<FeaturePushService> PushLogger(IServiceProvider services) => services.GetRequiredService<ILogger<FeaturePushService>>();

    private static OnlineFeatureOptions OptionsOf(IServiceProvider services) => services.GetRequiredService<IOptions<OnlineFeatureOptions>>().Value;

    /// <summary>Runs at start-up: an out-of-range setting stops the host, naming it.</summary>
    private sealed class OnlineFeatureOptionsValidator : IValidateOptions<OnlineFeatureOptions>
    {
        public ValidateOptionsResult Validate(string? name, OnlineFeatureOptions options)
        {
            var problems = options.Problems();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(OnlineFeatureOptions.Describe(problems));
        }
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

    /// <summary>
    /// Feature service versions, which models' configs may pin, come from the registry in the data folder; it is opened
    /// only when a version loads, so serving holds no connection to it.
    /// </summary>
    private static Func<string, VersionedFeatureService> RegistryLookup(string dataDir, TimeProvider time) => service =>
    {
        if (!File.Exists(Path.Combine(dataDir, FeatureRegistry.DatabaseFileName)))
        {
            throw ModelDockException.NotFound($"feature service '{service}' names a version, and nothing has been applied to this server's feature registry");
        }

        using var registry = new FeatureRegistry(dataDir, time);
        return registry.GetFeatureService(service);
    };
}
