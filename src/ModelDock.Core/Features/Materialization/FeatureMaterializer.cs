using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Features.Online;

namespace ModelDock.Features.Materialization;

/// <summary>
/// Copies the latest offline values per entity key into the online store, view by view, in batches. Writes are
/// last-write-wins, so a repeated or interrupted-then-repeated run ends in the same state as one clean run.
/// CLI: <c>features materialize --start --end</c> and <c>features materialize-incremental --end</c>.
/// </summary>
public sealed class FeatureMaterializer
{
    public const int DefaultBatchSize = 10_000;

    private readonly FeatureRepository _repository;
    private readonly IOnlineStore _store;
    private readonly OfflineStore _offline;
    private readonly MaterializationWatermarks _watermarks;
    private readonly TimeProvider _time;
    private readonly int _batchSize;

    public FeatureMaterializer(FeatureRepository repository, IOnlineStore store, string dataDir, TimeProvider time, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _repository = repository;
        _store = store;
        _offline = new OfflineStore(dataDir);
        _watermarks = new MaterializationWatermarks(dataDir);
        _time = time;
        _batchSize = batchSize;
    }

    /// <summary>Materializes rows with event timestamps in [<paramref name="start"/>, <paramref name="end"/>] for the named online views (all when null).</summary>
    public async Task<IReadOnlyList<MaterializedView>> MaterializeAsync(
        DateTimeOffset start, DateTimeOffset end, IReadOnlyList<string>? featureViews, IProgress<MaterializationProgress>? progress, CancellationToken cancellationToken)
    {
        if (end < start)
        {
            throw ModelDockException.InvalidInput($"The end {end:O} is before the start {start:O}.");
        }

        var views = SelectViews(featureViews);
        var done = new List<MaterializedView>();
        for (var i = 0; i < views.Count; i++)
        {
            done.Add(await MaterializeViewAsync(views[i], start, end, i + 1, views.Count, progress, cancellationToken).ConfigureAwait(false));
        }

        return done;
    }

    /// <summary>
    /// Materializes each view from its watermark (the end of its last completed run; on the first run, end minus
    /// the view's TTL, or the Unix epoch without one) to <paramref name="end"/>.
    /// </summary>
    public async Task<IReadOnlyList<MaterializedView>> MaterializeIncrementalAsync(
        DateTimeOffset end, IReadOnlyList<string>? featureViews, IProgress<MaterializationProgress>? progress, CancellationToken cancellationToken)
    {
        var views = SelectViews(featureViews);
        var done = new List<MaterializedView>();
        for (var i = 0; i < views.Count; i++)
        {
            var view = views[i];
            var start = _watermarks.Get(view.Name) ?? (view.HasTtl ? end - view.Ttl : DateTimeOffset.UnixEpoch);
            done.Add(start >= end
                ? new MaterializedView(view.Name, start, end, 0)
                : await MaterializeViewAsync(view, start, end, i + 1, views.Count, progress, cancellationToken).ConfigureAwait(false));
        }

        return done;
    }

    private async Task<MaterializedView> MaterializeViewAsync(
        FeatureView view, DateTimeOffset start, DateTimeOffset end, int number, int count, IProgress<MaterializationProgress>? progress, CancellationToken cancellationToken)
    {
        using var rows = new LatestSourceRows(_repository, _offline, view, start, end);
        string[] names = [.. view.Schema.Select(f => f.Name)];
        progress?.Report(new MaterializationProgress(view.Name, number, count, 0, rows.Count));
        long written = 0;
        foreach (var batch in rows.ReadBatches(_batchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await _store.WriteAsync(view.Name, names, batch, cancellationToken).ConfigureAwait(false);
            written += batch.Count;
            progress?.Report(new MaterializationProgress(view.Name, number, count, written, rows.Count));
        }

        _watermarks.Advance(view.Name, end, _time.GetUtcNow());
        return new MaterializedView(view.Name, start, end, written);
    }

    private List<FeatureView> SelectViews(IReadOnlyList<string>? names)
    {
        if (names is null || names.Count == 0)
        {
            return [.. _repository.FeatureViews.Where(v => v.Online)];
        }

        var views = new List<FeatureView>();
        foreach (var name in names)
        {
            if (!_repository.TryGetFeatureView(name, out var view))
            {
                throw ModelDockException.InvalidInput($"Unknown feature view '{name}'.");
            }

            views.Add(view.Online ? view : throw ModelDockException.InvalidInput($"Feature view '{name}' is not online (online: false), so it is not materialized."));
        }

        return views;
    }
}
