using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Features.Registry;
using ModelDock.Observability;

namespace ModelDock.Server.Features;

/// <summary>
/// The online and push services over the definitions served now. A new set of definitions builds a new online
/// service and swaps one reference, so a lookup runs wholly on the definitions it started with and nothing resolved
/// against the old ones (the online service's cache) outlives them. The push service is one for the process, since
/// it owns the data folder's offline push log; it takes the new definitions for the pushes that follow.
/// </summary>
internal sealed class FeatureServing
{
    private readonly IOnlineStore _store;
    private readonly TimeProvider _time;
    private readonly FeatureRegistry? _registry;
    private readonly FeatureMetrics _metrics;
    private readonly OnlineFeatureOptions _options;
    private volatile OnlineFeatureService _online;

    /// <param name="registry">Where <c>service:version</c> is looked up; null serves unversioned names only.</param>
    public FeatureServing(
        FeatureRepository repository, IOnlineStore store, string dataDir, TimeProvider time, IMeterFactory meterFactory, OnlineFeatureOptions options,
        FeaturePushOptions pushOptions, ILogger<FeaturePushService> pushLogger, FeatureRegistry? registry)
    {
        _options = options;
        _store = store;
        _time = time;
        _registry = registry;
        _metrics = new FeatureMetrics(meterFactory, () => Repository, dataDir, time);
        _online = BuildOnline(repository);
        Push = new FeaturePushService(repository, store, dataDir, time, _metrics, pushOptions, pushLogger);
    }

    public OnlineFeatureService Online => _online;

    public FeaturePushService Push { get; }

    public IOnlineStore Store => _store;

    public FeatureRepository Repository => _online.Repository;

    public void Publish(FeatureRepository repository)
    {
        _online = BuildOnline(repository);
        Push.Publish(repository);
    }

    private OnlineFeatureService BuildOnline(FeatureRepository repository) => new(repository, _store, _time, _options, _metrics, _registry);
}
