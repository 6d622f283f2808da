using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using ModelDock.Errors;
using ModelDock.Repository;

namespace ModelDock.Serving;

/// <summary>
/// The models being served, as one immutable table that is swapped whole. Model sources publish into it
/// (a version only after it has loaded and warmed up) and retire versions from it; requests resolve and
/// lease versions from it without locks. A retired version stays visible as draining until its last lease
/// is released and it is disposed.
/// </summary>
internal sealed class ServingTable : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly Lock _publishLock = new();
    private readonly ConcurrentDictionary<ServingVersion, byte> _draining = new();
    private ImmutableArray<IModelSource> _sources = [];
    private ImmutableDictionary<string, ModelEntry> _models = ImmutableDictionary.Create<string, ModelEntry>(StringComparer.Ordinal);
    private int _disposed;

    public ServingTable(ILogger<ServingTable> logger)
        : this((ILogger)logger)
    {
    }

    internal ServingTable(ILogger logger)
    {
        _logger = logger;
    }

    /// <summary>The table as of now; later changes publish a new one.</summary>
    public ImmutableDictionary<string, ModelEntry> Models => Volatile.Read(ref _models);

    /// <summary>True while not disposed and every source is ready.</summary>
    public bool IsReady
    {
        get
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }

            foreach (var source in _sources)
            {
                if (!source.IsReady)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Adds a source whose models this table serves; it is asked about names the table does not have.</summary>
    public void AddSource(IModelSource source) => ImmutableInterlocked.Update(ref _sources, static (s, add) => s.Add(add), source);

    public ModelEntry? Current(string model) => Volatile.Read(ref _models).GetValueOrDefault(model);

    /// <summary>The source that serves or has a model of this name, if any: the table's entry first, then each source.</summary>
    public IModelSource? OwnerOf(string model) =>
        Current(model)?.Owner ?? _sources.FirstOrDefault(source => source.Has(model));

    /// <summary>Replaces one model's entry (null removes it); changes are serialised, readers never wait.</summary>
    public void Publish(string model, Func<ModelEntry?, ModelEntry?> change)
    {
        lock (_publishLock)
        {
            var next = change(_models.GetValueOrDefault(model));
            Volatile.Write(ref _models, next is null ? _models.Remove(model) : _models.SetItem(model, next));
        }
    }

    /// <summary>Drops the table's lease on versions no longer published; each is disposed when its requests finish.</summary>
    public void Retire(IEnumerable<ServingVersion> versions)
    {
        foreach (var version in versions.ToList())
        {
            _draining.TryAdd(version, 0);
            _ = version.Drained.ContinueWith(
                (_, state) => _draining.TryRemove((ServingVersion)state!, out var _),
                version,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            ModelRepositoryLog.VersionRetired(_logger, version.Model, version.Version);
            version.Retire();
        }
    }

    /// <summary>Retired versions of a model that still have requests in flight.</summary>
    public IEnumerable<ServingVersion> Draining(string model) => _draining.Keys.Where(d => d.Model == model);

    /// <summary>Takes a lease on the version a request resolves to; a version retired meanwhile is looked up again.</summary>
    public ServingVersion Acquire(string model, string? version)
    {
        while (true)
        {
            var serving = Resolve(Find(model), model, version);
            if (serving.TryAcquire())
            {
                return serving;
            }
        }
    }

    /// <summary>
    /// The model's entry when it is loaded. A model a source has but the table does not serve (unloaded, or not loaded
    /// yet) is Unavailable, as its readiness and the index say; NotFound is only for a name no source knows.
    /// </summary>
    public ModelEntry Find(string model)
    {
        var entry = Current(model);
        if (entry is { Unloaded: false })
        {
            return entry;
        }

        if (entry is not null)
        {
            throw ModelDockException.Unavailable($"model '{model}' is unloaded; load it through the model repository API");
        }

        foreach (var source in _sources)
        {
            if (source.Has(model))
            {
                throw ModelDockException.Unavailable($"model '{model}' is in the {source.Name} but not loaded");
            }
        }

        throw ModelDockException.NotFound($"model '{model}' not found");
    }

    /// <summary>The version a request names, or the newest serving one when it names none.</summary>
    public static ServingVersion Resolve(ModelEntry entry, string model, string? version)
    {
        if (version is null)
        {
            if (entry.Serving.IsEmpty)
            {
                var reason = entry.Problem ?? string.Join("; ", entry.Versions.Where(v => v.Value.Reason.Length > 0).Select(v => $"version {v.Key}: {v.Value.Reason}"));
                throw ModelDockException.Unavailable(entry.Loading && reason.Length == 0
                    ? $"model '{model}' is loading"
                    : $"model '{model}' has no ready version: {reason}");
            }

            return entry.Serving.Values.Last();
        }

        if (!RepositoryScanner.TryParseVersion(version, out var number))
        {
            throw ModelDockException.NotFound($"version '{version}' of model '{model}' not found");
        }

        if (entry.Serving.TryGetValue(number, out var serving))
        {
            return serving;
        }

        if (entry.Versions.TryGetValue(number, out var status))
        {
            throw ModelDockException.Unavailable(status.State == VersionStatus.LoadingState
                ? $"version '{version}' of model '{model}' is loading"
                : $"version '{version}' of model '{model}' is not available: {status.Reason}");
        }

        throw ModelDockException.NotFound($"version '{version}' of model '{model}' not found");
    }

    /// <summary>Empties the table and waits until every version, retired before or now, has drained.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ImmutableDictionary<string, ModelEntry> models;
        lock (_publishLock)
        {
            models = _models;
            _models = _models.Clear();
        }

        var versions = models.Values.SelectMany(e => e.Serving.Values).ToList();
        foreach (var version in versions)
        {
            version.Retire();
        }

        await Task.WhenAll(versions.Select(v => v.Drained).Concat(_draining.Keys.Select(v => v.Drained))).ConfigureAwait(false);
    }
}
