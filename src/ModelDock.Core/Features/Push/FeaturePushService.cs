using System.Globalization;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Features.Online;
using ModelDock.Observability;

namespace ModelDock.Features.Push;

/// <summary>
/// Feast's push: rows for a source go to the online store (each online view reading the source, last write
/// wins) and/or are appended to the offline store as one Parquet file with the source's columns under
/// <c>&lt;dataDir&gt;/offline/pushed/&lt;source&gt;/</c>, which historical retrieval reads alongside the source, so
/// training sees the values serving saw.
/// </summary>
public sealed class FeaturePushService
{
    private readonly FeatureRepository _repository;
    private readonly IOnlineStore _store;
    private readonly OfflineStore _offline;
    private readonly TimeProvider _time;
    private readonly FeatureMetrics? _metrics;

    public FeaturePushService(FeatureRepository repository, IOnlineStore store, string dataDir, TimeProvider time)
        : this(repository, store, dataDir, time, null)
    {
    }

    internal FeaturePushService(FeatureRepository repository, IOnlineStore store, string dataDir, TimeProvider time, FeatureMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        ArgumentNullException.ThrowIfNull(time);
        _repository = repository;
        _store = store;
        _offline = new OfflineStore(dataDir);
        _time = time;
        _metrics = metrics;
    }

    public async Task<PushResult> PushAsync(PushRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (source, views) = Target(request);
        var schema = Schema(source, views);
        var rows = new PushedRows(request.Columns, schema);
        var written = new Dictionary<string, int>(StringComparer.Ordinal);
        string? file = null;
        if (request.To is PushTarget.Offline or PushTarget.OnlineAndOffline)
        {
            // Offline first: if it fails nothing reached serving that training cannot see.
            file = WriteOffline(source, schema, rows);
        }

        if (request.To is PushTarget.Online or PushTarget.OnlineAndOffline)
        {
            foreach (var view in views.Where(v => v.Online))
            {
                var online = OnlineRows(view, source, rows);
                written[view.Name] = await _store.WriteAsync(view.Name, [.. view.Schema.Select(f => f.Name)], online, cancellationToken).ConfigureAwait(false);
                _metrics?.RecordPushed(view.Name, online);
            }
        }

        return new PushResult(rows.Count, written, file);
    }

    private (DataSource Source, IReadOnlyList<FeatureView> Views) Target(PushRequest request)
    {
        if (request.FeatureView is { } viewName)
        {
            if (!_repository.TryGetFeatureView(viewName, out var view))
            {
                throw ModelDockException.InvalidInput($"Unknown feature view '{viewName}'.");
            }

            return (_repository.GetSource(view.Source), [view]);
        }

        if (request.SourceName is not { } sourceName)
        {
            throw ModelDockException.InvalidInput("A push names a 'push_source_name' or a 'feature_view'.");
        }

        if (!_repository.TryGetSource(sourceName, out var source))
        {
            throw ModelDockException.InvalidInput($"Unknown push source '{sourceName}'.");
        }

        var views = _repository.FeatureViews.Where(v => v.Source == sourceName).ToArray();
        return views.Length > 0
            ? (source, views)
            : throw ModelDockException.InvalidInput($"Push source '{sourceName}' feeds no feature view.");
    }

    /// <summary>The source's columns the views know about: all required except the created timestamp; only keys and the timestamp must be non-null.</summary>
    private List<PushColumnSpec> Schema(DataSource source, IReadOnlyList<FeatureView> views)
    {
        var schema = new List<PushColumnSpec>();
        void Add(string name, FeatureValueType type, bool required, bool notNull)
        {
            var existing = schema.FindIndex(c => c.Name == name);
            if (existing < 0)
            {
                schema.Add(new PushColumnSpec(name, type, required, notNull));
            }
            else if (schema[existing].Type != type)
            {
                throw ModelDockException.InvalidInput(
                    $"Column '{name}' of source '{source.Name}' is declared both {schema[existing].Type.ToYamlName()} and {type.ToYamlName()}.");
            }
        }

        foreach (var view in views)
        {
            foreach (var key in _repository.GetJoinKeys(view))
            {
                Add(key.Name, key.ValueType, required: true, notNull: true);
            }
        }

        Add(source.TimestampField, FeatureValueType.UnixTimestamp, required: true, notNull: true);
        if (source.CreatedTimestampColumn is { } created)
        {
            Add(created, FeatureValueType.UnixTimestamp, required: false, notNull: false);
        }

        foreach (var field in views.SelectMany(v => v.Schema))
        {
            Add(field.Name, field.Dtype, required: true, notNull: false);
        }

        return schema;
    }

    private string WriteOffline(DataSource source, List<PushColumnSpec> schema, PushedRows rows)
    {
        var columns = schema
            .Select(c => (c.Name, c.Type, Values: rows[c.Name] ?? new FeatureValue[rows.Count]))
            .ToArray();

        // Named by push time first so a folder listing is in push order; the GUID keeps concurrent pushes apart.
        var name = _time.GetUtcNow().UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N") + ".parquet";
        var path = Path.Combine(_offline.GetPushedFolder(source.Name), name);
        ParquetRowWriter.Write(path, columns, rows.Count);
        return path;
    }

    private OnlineWriteRow[] OnlineRows(FeatureView view, DataSource source, PushedRows rows)
    {
        var joinKeys = _repository.GetJoinKeys(view);
        var keyColumns = joinKeys.Select(k => rows[k.Name]!).ToArray();
        var timestamps = rows[source.TimestampField]!;
        var created = source.CreatedTimestampColumn is { } c ? rows[c] : null;
        var features = view.Schema.Select(f => rows[f.Name]).ToArray();
        var result = new OnlineWriteRow[rows.Count];
        var parts = new KeyValuePair<string, FeatureValue>[joinKeys.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            for (var k = 0; k < parts.Length; k++)
            {
                parts[k] = new(joinKeys[k].Name, keyColumns[k][r]);
            }

            var values = new FeatureValue[features.Length];
            for (var f = 0; f < features.Length; f++)
            {
                values[f] = features[f] is { } column ? column[r] : FeatureValue.Null;
            }

            var createdAt = created is not null && !created[r].IsNull ? created[r].AsTimestamp() : (DateTimeOffset?)null;
            result[r] = new OnlineWriteRow(EntityKey.Create(parts), values, timestamps[r].AsTimestamp(), createdAt);
        }

        return result;
    }
}
