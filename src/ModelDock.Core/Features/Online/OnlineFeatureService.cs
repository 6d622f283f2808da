using System.Collections.Concurrent;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Registry;
using ModelDock.Observability;

namespace ModelDock.Features.Online;

/// <summary>
/// Online feature retrieval in process: resolves features against the repository, reads the online store
/// (one round trip per entity type, however many views), and reports each value's status, applying view TTLs
/// at read time against the injected clock so a stale value is reported as <see cref="FeatureStatus.OutsideMaxAge"/>
/// instead of served.
/// </summary>
public sealed class OnlineFeatureService
{
    private const int MaxCachedFeatureSets = 1024;

    private readonly TimeProvider _time;
    private readonly FeatureMetrics? _metrics;
    private readonly FeatureRegistry? _registry;
    private readonly ConcurrentDictionary<FeatureSetKey, ResolvedFeatureSet> _resolved = new();

    public OnlineFeatureService(FeatureRepository repository, IOnlineStore store, TimeProvider time)
        : this(repository, store, time, new OnlineFeatureOptions(), null, null)
    {
    }

    /// <summary>Applies <paramref name="options"/>' entity row limit; the row cache is the store's (<see cref="CachedOnlineStore"/>).</summary>
    public OnlineFeatureService(FeatureRepository repository, IOnlineStore store, TimeProvider time, OnlineFeatureOptions options)
        : this(repository, store, time, options, null, null)
    {
    }

    /// <param name="registry">Where <c>service:version</c> is looked up; without one only unversioned names are served.</param>
    internal OnlineFeatureService(FeatureRepository repository, IOnlineStore store, TimeProvider time, OnlineFeatureOptions options, FeatureMetrics? metrics, FeatureRegistry? registry)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Repository = repository;
        Store = store;
        _time = time;
        _metrics = metrics;
        MaxEntityRows = options.MaxEntityRows;
        _registry = registry;
    }

    public FeatureRepository Repository { get; }

    public IOnlineStore Store { get; }

    /// <summary>Entity rows one request may ask for (<see cref="OnlineFeatureOptions.MaxEntityRows"/>).</summary>
    public int MaxEntityRows { get; }

    /// <summary>
    /// Reads the features for every entity row. Unknown features or services, missing or mistyped join keys
    /// and ragged entity columns are <see cref="ErrorKind.InvalidInput"/>; an unknown <c>service:version</c> is
    /// <see cref="ErrorKind.NotFound"/>; an unreachable store is <see cref="ErrorKind.Unavailable"/>.
    /// </summary>
    public async ValueTask<OnlineFeaturesResponse> GetOnlineFeaturesAsync(OnlineFeaturesRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_metrics is null)
        {
            return await ReadAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var start = _time.GetTimestamp();
        try
        {
            var response = await ReadAsync(request, cancellationToken).ConfigureAwait(false);
            _metrics.RecordLookup(response.RowCount, null, _time.GetElapsedTime(start));
            return response;
        }
        catch (Exception e)
        {
            _metrics.RecordLookup(0, e is ModelDockException m ? m.Kind : ErrorKind.Internal, _time.GetElapsedTime(start));
            throw;
        }
    }

    private async ValueTask<OnlineFeaturesResponse> ReadAsync(OnlineFeaturesRequest request, CancellationToken cancellationToken)
    {
        var rows = CountRows(request.Entities);
        var set = Resolve(request);
        var results = new OnlineReadResult[set.Groups.Count];
        using (var span = Spans.StartFeatures(rows))
        {
            span?.SetTag(SpanAttributeNames.FeatureViews, ViewNames(set));
            try
            {
                for (var g = 0; g < results.Length; g++)
                {
                    var keys = BuildKeys(set.Groups[g], request.Entities, rows);
                    results[g] = await Store.ReadAsync(keys, set.Groups[g].Plan, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                SpanFailure.Record(span, e);
                throw;
            }
        }

        var names = new string[request.Entities.Count + set.Features.Count];
        var joinKeys = new FeatureValue[request.Entities.Count][];
        for (var c = 0; c < joinKeys.Length; c++)
        {
            names[c] = request.Entities[c].Name;

            // Copied: the answer must not change when the caller reuses its lists.
            joinKeys[c] = [.. request.Entities[c].Values];
        }

        for (var f = 0; f < set.Features.Count; f++)
        {
            names[joinKeys.Length + f] = set.Features[f].Name;
        }

        return new OnlineFeaturesResponse(names, joinKeys, rows, results, set.Features, _time.GetUtcNow().UtcTicks);
    }

    /// <summary>The one answer to a request over the entity row limit, whether it is found in JSON or in process.</summary>
    internal static ModelDockException TooManyEntityRows(long rows, int limit) => ModelDockException.InvalidInput(
        $"The request has {rows} entity rows; at most {limit} are served per request (ModelDock:Features:MaxEntityRows). Split it into smaller requests.");

    public ValueTask<OnlineStoreHealth> CheckHealthAsync(CancellationToken cancellationToken) => Store.CheckHealthAsync(cancellationToken);

    private int CountRows(IReadOnlyList<ValueColumn> entities)
    {
        if (entities.Count == 0)
        {
            return 0;
        }

        var rows = entities[0].Values.Count;
        if (rows > MaxEntityRows)
        {
            throw TooManyEntityRows(rows, MaxEntityRows);
        }

        foreach (var column in entities)
        {
            if (column.Values.Count != rows)
            {
                throw ModelDockException.InvalidInput(
                    $"Entity column '{column.Name}' has {column.Values.Count} values but '{entities[0].Name}' has {rows}; every entity column needs one value per row.");
            }
        }

        return rows;
    }

    private static EntityKey[] BuildKeys(ReadGroup group, IReadOnlyList<ValueColumn> entities, int rows)
    {
        var joinKeys = group.JoinKeys;
        var keys = new EntityKey[rows];
        if (joinKeys.Length == 0)
        {
            Array.Fill(keys, EntityKey.Global);
            return keys;
        }

        var columns = new IReadOnlyList<FeatureValue>[joinKeys.Length];
        for (var k = 0; k < joinKeys.Length; k++)
        {
            columns[k] = FindColumn(entities, joinKeys[k].Name, group);
        }

        var parts = new KeyValuePair<string, FeatureValue>[joinKeys.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < joinKeys.Length; k++)
            {
                var raw = columns[k][r];
                if (raw.IsNull || !FeatureValueConversions.TryCoerce(raw, joinKeys[k].ValueType, out var typed))
                {
                    throw ModelDockException.InvalidInput(
                        $"Entity key '{joinKeys[k].Name}' row {r} is {FeatureValueConversions.Describe(raw)}; expected {joinKeys[k].ValueType.ToYamlName()}.");
                }

                parts[k] = new(joinKeys[k].Name, typed);
            }

            keys[r] = EntityKey.Create(parts);
        }

        return keys;
    }

    private static IReadOnlyList<FeatureValue> FindColumn(IReadOnlyList<ValueColumn> entities, string joinKey, ReadGroup group)
    {
        foreach (var column in entities)
        {
            if (column.Name == joinKey)
            {
                return column.Values;
            }
        }

        throw ModelDockException.InvalidInput(
            $"The entities lack join key '{joinKey}', needed by feature view '{group.Plan.Views[0].View}'.");
    }

    private static string[] ViewNames(ResolvedFeatureSet set)
    {
        var names = new List<string>();
        foreach (var group in set.Groups)
        {
            foreach (var view in group.Plan.Views)
            {
                names.Add(view.View);
            }
        }

        return [.. names];
    }

    private ResolvedFeatureSet Resolve(OnlineFeaturesRequest request)
    {
        var key = new FeatureSetKey(request);
        if (_resolved.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var resolved = request.FeatureService is { } service && service.Contains(':', StringComparison.Ordinal)
            ? ResolveServiceVersion(service, request)
            : ResolvedFeatureSet.Resolve(Repository, request);
        if (_resolved.Count < MaxCachedFeatureSets)
        {
            _resolved.TryAdd(key.Detach(), resolved);
        }

        return resolved;
    }

    /// <summary>
    /// A pinned service reads the view versions it was applied with, as training did. Versions never change once
    /// stored, so the resolution is cached like any other.
    /// </summary>
    private ResolvedFeatureSet ResolveServiceVersion(string service, OnlineFeaturesRequest request)
    {
        if (_registry is null)
        {
            throw ModelDockException.InvalidInput($"Feature service '{service}' names a version, but this server serves definitions without a registry; name the service without ':version'.");
        }

        var versioned = _registry.GetFeatureService(service);
        return ResolvedFeatureSet.Resolve(
            versioned.Repository, OnlineFeaturesRequest.ForService(versioned.Service.Name, request.Entities, request.FullFeatureNames));
    }
}
