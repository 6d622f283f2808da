using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Observability;

namespace ModelDock.Features.Push;

/// <summary>
/// Feast's push: rows for a source go to the online store (each online view reading the source, last write
/// wins) and/or to the offline store, with the source's columns, where historical retrieval reads them alongside the
/// source, so training sees the values serving saw. Offline rows are acknowledged once they are in a write-ahead file
/// on disk and reach Parquet under <c>&lt;dataDir&gt;/offline/pushed/&lt;source&gt;/</c> within
/// <see cref="FeaturePushOptions.OfflineRollInterval"/> (<see cref="OfflinePushLog"/>). Event timestamps later than the
/// clock allows (<see cref="FeaturePushOptions.MaxEventTimeSkew"/>) are refused.
/// </summary>
public sealed class FeaturePushService : IAsyncDisposable
{
    private volatile FeatureRepository _repository;
    private readonly IOnlineStore _store;
    private readonly string _dataDir;
    private readonly TimeProvider _time;
    private readonly FeatureMetrics? _metrics;
    private readonly FeaturePushOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _opening = new(1, 1);
    private OfflinePushLog? _offlineLog;
    private bool _disposed;

    public FeaturePushService(FeatureRepository repository, IOnlineStore store, string dataDir, TimeProvider time, FeaturePushOptions? options = null)
        : this(repository, store, dataDir, time, null, options, null)
    {
    }

    internal FeaturePushService(
        FeatureRepository repository, IOnlineStore store, string dataDir, TimeProvider time, FeatureMetrics? metrics, FeaturePushOptions? options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        ArgumentNullException.ThrowIfNull(time);
        _repository = repository;
        _store = store;
        _dataDir = dataDir;
        _time = time;
        _metrics = metrics;
        _options = options ?? new FeaturePushOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// Opens the offline push log now rather than at the first offline push, compacting into Parquet the rows a
    /// previous process acknowledged but had not compacted when it stopped.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken) => await OfflineLogAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Completes once every offline row acknowledged before the call is in Parquet, where historical retrieval reads it.</summary>
    public async Task FlushOfflineAsync(CancellationToken cancellationToken) =>
        await (await OfflineLogAsync(cancellationToken).ConfigureAwait(false)).FlushAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Compacts every acknowledged offline row into Parquet and releases the data folder's push log.</summary>
    public async ValueTask DisposeAsync()
    {
        await _opening.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_offlineLog is not null)
            {
                await _offlineLog.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _opening.Release();
        }
    }

    public async Task<PushResult> PushAsync(PushRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var repository = _repository;
        var (source, views) = Target(repository, request);
        var schema = Schema(repository, source, views);
        var rows = new PushedRows(request.Columns, schema);
        RejectFutureTimestamps(source, rows);
        var written = new Dictionary<string, int>(StringComparer.Ordinal);
        var offline = request.To is PushTarget.Offline or PushTarget.OnlineAndOffline;
        if (offline)
        {
            // Offline first: if it fails nothing reached serving that training cannot see.
            await WriteOfflineAsync(source, schema, rows, cancellationToken).ConfigureAwait(false);
        }

        if (request.To is PushTarget.Online or PushTarget.OnlineAndOffline)
        {
            foreach (var view in views.Where(v => v.Online))
            {
                var online = OnlineRows(repository, view, source, rows);
                written[view.Name] = await _store.WriteAsync(view.Name, [.. view.Schema.Select(f => f.Name)], online, cancellationToken).ConfigureAwait(false);
                _metrics?.RecordPushed(view.Name, online);
            }
        }

        return new PushResult(rows.Count, written, offline);
    }

    /// <summary>Serves <paramref name="repository"/> from the next push on; a push under way finishes on the definitions it started with.</summary>
    internal void Publish(FeatureRepository repository) => _repository = repository;

    private static (DataSource Source, IReadOnlyList<FeatureView> Views) Target(FeatureRepository repository, PushRequest request)
    {
        if (request.FeatureView is { } viewName)
        {
            if (!repository.TryGetFeatureView(viewName, out var view))
            {
                throw ModelDockException.InvalidInput($"Unknown feature view '{viewName}'.");
            }

            return (repository.GetSource(view.Source), [view]);
        }

        if (request.SourceName is not { } sourceName)
        {
            throw ModelDockException.InvalidInput("A push names a 'push_source_name' or a 'feature_view'.");
        }

        if (!repository.TryGetSource(sourceName, out var source))
        {
            throw ModelDockException.InvalidInput($"Unknown push source '{sourceName}'.");
        }

        var views = repository.FeatureViews.Where(v => v.Source == sourceName).ToArray();
        return views.Length > 0
            ? (source, views)
            : throw ModelDockException.InvalidInput($"Push source '{sourceName}' feeds no feature view.");
    }

    /// <summary>The source's columns the views know about: all required except the created timestamp; only keys and the timestamp must be non-null.</summary>
    private static List<PushColumnSpec> Schema(FeatureRepository repository, DataSource source, IReadOnlyList<FeatureView> views)
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
            foreach (var key in repository.GetJoinKeys(view))
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

    /// <summary>The event and created timestamps may be at most <see cref="FeaturePushOptions.MaxEventTimeSkew"/> ahead of the clock.</summary>
    private void RejectFutureTimestamps(DataSource source, PushedRows rows)
    {
        var now = _time.GetUtcNow();
        var limit = now + _options.MaxEventTimeSkew;
        foreach (var name in source.CreatedTimestampColumn is { } created ? [source.TimestampField, created] : new[] { source.TimestampField })
        {
            var values = rows[name];
            for (var r = 0; values is not null && r < values.Length; r++)
            {
                if (!values[r].IsNull && values[r].AsTimestamp() > limit)
                {
                    throw ModelDockException.InvalidInput(string.Create(CultureInfo.InvariantCulture,
                        $"Column '{name}' row {r} is {values[r].AsTimestamp():yyyy-MM-ddTHH:mm:ss.FFFFFFFZ}, later than {limit:yyyy-MM-ddTHH:mm:ss.FFFFFFFZ}: " +
                        $"timestamps may be at most {_options.MaxEventTimeSkew:c} ahead of the server's clock, as a row from the future would hide every later push for its key."));
                }
            }
        }
    }

    private async Task WriteOfflineAsync(DataSource source, List<PushColumnSpec> schema, PushedRows rows, CancellationToken cancellationToken)
    {
        var columns = schema
            .Select(c => new PushLogColumn(c.Name, c.Type, rows[c.Name] ?? new FeatureValue[rows.Count]))
            .ToArray();
        var payload = new PushLogRecord(source.Name, columns, rows.Count).Encode();
        var log = await OfflineLogAsync(cancellationToken).ConfigureAwait(false);

        // Not cancelled with the request: once handed over, the rows are written whether or not the caller still waits.
        await log.AppendAsync(payload).ConfigureAwait(false);
    }

    private async ValueTask<OfflinePushLog> OfflineLogAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _offlineLog) is { } open)
        {
            return open;
        }

        await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                throw ModelDockException.Unavailable("The server is shutting down; the pushed rows were not saved offline.");
            }

            return _offlineLog ??= await OfflinePushLog.OpenAsync(_dataDir, _options, _time, _logger).ConfigureAwait(false);
        }
        finally
        {
            _opening.Release();
        }
    }

    private static OnlineWriteRow[] OnlineRows(FeatureRepository repository, FeatureView view, DataSource source, PushedRows rows)
    {
        var joinKeys = repository.GetJoinKeys(view);
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
