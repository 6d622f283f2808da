using System.Diagnostics.Metrics;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Features.Registry;
using ModelDock.Observability;

namespace ModelDock.Server.Features;

/// <summary>
/// The online and push services over the definitions served now. A new set of definitions builds new services and
/// swaps one reference, so a request runs wholly on the definitions it started with and nothing resolved against
/// the old ones (the online service's cache) outlives them.
/// </summary>
internal sealed class FeatureServing
{
    private readonly IOnlineStore _store;
    private readonly string _dataDir;
    private readonly TimeProvider _time;
    private readonly FeatureRegistry? _registry;
    private readonly FeatureMetrics _metrics;
    private readonly OnlineFeatureOptions _options;
    private volatile Services _current;

    /// <param name="registry">Where <c>service:version</c> is looked up; null serves unversioned names only.</param>
    public FeatureServing(
        FeatureRepository repository, IOnlineStore store, string dataDir, TimeProvider time, IMeterFactory meterFactory, OnlineFeatureOptions options, FeatureRegistry? registry)
    {
        _options = options;
        _store = store;
        _dataDir = dataDir;
        _time = time;
        _registry = registry;
        _metrics = new FeatureMetrics(meterFactory, () => Repository, dataDir, time);
        _current = Build(repository);
    }

    public OnlineFeatureService Online => _current.Online;

    public FeaturePushService Push => _current.Push;

    public IOnlineStore Store => _store;

    public FeatureRepository Repository => _current.Online.Repository;

    public void Publish(FeatureRepository repository) => _current = Build(repository);

    private Services Build(FeatureRepository repository) => new(
        new OnlineFeatureService(repository, _store, _time, _options, _metrics, _registry),
        new FeaturePushService(repository, _store, _dataDir, _time, _metrics));

    private sealed record Services(OnlineFeatureService Online, FeaturePushService Push);
}
