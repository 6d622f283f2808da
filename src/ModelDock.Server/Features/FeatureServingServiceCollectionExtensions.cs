using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Observability;

namespace ModelDock.Server.Features;

public static class FeatureServingServiceCollectionExtensions
{
    /// <summary>
    /// Registers online retrieval and push over one repository and online store; the container disposes the store.
    /// <see cref="OnlineFeatureOptions"/> are bound from <c>ModelDock:Features</c>, then <paramref name="configure"/>,
    /// and validated at start; with a row cache, push writes through it so its rows are never served stale.
    /// </summary>
    public static IServiceCollection AddFeatureServing(
        this IServiceCollection services, FeatureRepository repository, IOnlineStore store, string dataDir, Action<OnlineFeatureOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<OnlineFeatureOptions>().BindConfiguration(OnlineFeatureOptions.Section).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OnlineFeatureOptions>, OnlineFeatureOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<OnlineFeatureOptions>>().Value is { RowCacheMaxAge.Ticks: > 0 } o
            ? new CachedOnlineStore(store, o.RowCacheMaxAge, o.RowCacheCapacity, sp.GetRequiredService<TimeProvider>())
            : store);
        services.AddMetrics();
        services.TryAddSingleton(sp => new FeatureMetrics(sp.GetRequiredService<IMeterFactory>(), repository, dataDir, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new OnlineFeatureService(
            repository,
            sp.GetRequiredService<IOnlineStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<OnlineFeatureOptions>>().Value,
            sp.GetRequiredService<FeatureMetrics>()));
        services.AddSingleton(sp => new FeaturePushService(repository, sp.GetRequiredService<IOnlineStore>(), dataDir, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<FeatureMetrics>()));
        return services;
    }

    /// <summary>Runs at start-up: an out-of-range setting stops the host, naming it.</summary>
    private sealed class OnlineFeatureOptionsValidator : IValidateOptions<OnlineFeatureOptions>
    {
        public ValidateOptionsResult Validate(string? name, OnlineFeatureOptions options)
        {
            var problems = options.Problems();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(OnlineFeatureOptions.Describe(problems));
        }
    }
}
