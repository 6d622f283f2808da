using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ModelDock.Errors;
using ModelDock.Features.Assembly;
using ModelDock.Observability;
using ModelDock.Polling;
using ModelDock.Runtime;
using ModelDock.Runtime.Onnx;
using ModelDock.Serving;

namespace ModelDock.Repository;

/// <summary>
/// Feeds the <see cref="ServingTable"/> from a repository folder in Triton's layout: loads every model at start,
/// picks up added, changed and removed versions by polling, and loads and unloads on request. Loads of one model
/// are serialised; a version is published only after it has loaded and warmed up, and a failed load keeps
/// whatever was serving before.
/// </summary>
internal sealed class FolderModelSource : IModelSource, IModelRepositoryControl, IAsyncDisposable
{
    private readonly ModelRepositoryOptions _options;
    private readonly ServingTable _table;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ModelBackendLoader _loadBackend;
    private readonly ServingMetrics? _metrics;
    private readonly IModelFeatureSource? _features;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _modelLocks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Model, long Version), StatisticsCollector> _statistics = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _pollLoop = Task.CompletedTask;
    private bool _started;
    private int _disposed;

    /// <param name="loadBackend">Opens a version's model file; ONNX Runtime unless tests wrap it, e.g. to hold a request in flight.</param>
    /// <param name="features">What models that declare <c>modeldock.features</c> read; null when the server serves no features.</param>
    public FolderModelSource(
        ModelRepositoryOptions options,
        ServingTable table,
        ILogger logger,
        TimeProvider timeProvider,
        ModelBackendLoader? loadBackend = null,
        ServingMetrics? metrics = null,
        IModelFeatureSource? features = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _table = table;
        _logger = logger;
        _time = timeProvider;
        _loadBackend = loadBackend ?? OnnxModelBackend.Load;
        _metrics = metrics;
        _features = features;
        table.AddSource(this);
    }

    public string Name => "model repository";

    public bool IsReady =>
        Volatile.Read(ref _started) && Volatile.Read(ref _disposed) == 0
        && (!_options.StrictReadiness || _table.Models.Values.All(e => e.Owner != this || e.Unloaded || !e.Serving.IsEmpty));

    /// <summary>The table's models this source published; other sources' models are theirs to change.</summary>
    private IReadOnlyDictionary<string, ModelEntry> OwnModels => _table.Models.Where(m => m.Value.Owner == this).ToDictionary(StringComparer.Ordinal);

    /// <summary>A model folder as the scanner lists it: a plain name, not hidden, present on disk.</summary>
    public bool Has(string model) =>
        IsModelName(model) && !model.StartsWith('.') && Directory.Exists(Path.Combine(_options.RepositoryPath, model));

    /// <summary>
    /// Loads every model in the repository (a model that fails is reported in the index and logs, the
    /// others serve), then starts polling when <see cref="ModelRepositoryOptions.PollInterval"/> is set.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_options.RepositoryPath))
        {
            throw ModelDockException.InvalidInput($"model repository '{_options.RepositoryPath}' does not exist or is not a folder");
        }

        if (_options.PollInterval is { } interval && interval < TimeSpan.Zero)
        {
            throw ModelDockException.InvalidInput($"the repository poll interval must be zero (off) or positive, not {interval}");
        }

        foreach (var model in RepositoryScanner.ListModels(_options.RepositoryPath))
        {
            await LoadCoreAsync(model, cancellationToken).ConfigureAwait(false);
        }

        Volatile.Write(ref _started, true);
        if (_options.PollInterval is { } period && period > TimeSpan.Zero)
        {
            _pollLoop = PollLoopAsync(period, _stopping.Token);
        }
    }

    /// <summary>Scans the repository once: loads added models, reloads changed ones, removes deleted ones.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        var onDisk = RepositoryScanner.ListModels(_options.RepositoryPath);
        foreach (var model in onDisk)
        {
            var entry = _table.Current(model);
            if (entry is { Unloaded: true })
            {
                continue;
            }

            try
            {
                if (entry?.Fingerprint != RepositoryScanner.ModelFingerprint(Path.Combine(_options.RepositoryPath, model)))
                {
                    await LoadCoreAsync(model, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (IOException ex)
            {
                ModelRepositoryLog.PollFailed(_logger, ex);
            }
        }

        foreach (var model in OwnModels.Keys.Except(onDisk, StringComparer.Ordinal).ToList())
        {
            await RemoveAsync(model, markUnloaded: false, cancellationToken).ConfigureAwait(false);
        }
    }

    public IReadOnlyList<RepositoryIndexEntry> GetRepositoryIndex(bool readyOnly)
    {
        var models = OwnModels;
        var onDisk = Directory.Exists(_options.RepositoryPath) ? RepositoryScanner.ListModels(_options.RepositoryPath) : [];
        var rows = new List<RepositoryIndexEntry>();
        foreach (var name in models.Keys.Union(onDisk, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (!models.TryGetValue(name, out var entry))
            {
                rows.Add(new(name, null, VersionStatus.Unavailable, "not loaded"));
                continue;
            }

            if (entry.Unloaded)
            {
                rows.Add(new(name, null, VersionStatus.Unavailable, "unloaded"));
                continue;
            }

            if (entry.Problem is not null)
            {
                rows.Add(new(name, null, VersionStatus.Unavailable, entry.Problem));
            }
            else if (entry.Loading && entry.Versions.IsEmpty)
            {
                rows.Add(new(name, null, VersionStatus.LoadingState, string.Empty));
            }

            var draining = _table.Draining(name).ToDictionary(d => d.Version);
            foreach (var (version, status) in entry.Versions)
            {
                rows.Add(new(name, version.ToString(CultureInfo.InvariantCulture), status.State, status.Reason));
                draining.Remove(version);
            }

            foreach (var (version, old) in draining.OrderBy(d => d.Key))
            {
                rows.Add(new(name, version.ToString(CultureInfo.InvariantCulture), VersionStatus.Unloading, $"{old.InFlight} requests in flight"));
            }
        }

        return readyOnly ? rows.Where(r => r.State == VersionStatus.Ready).ToList() : rows;
    }

    public async Task LoadModelAsync(string model, CancellationToken cancellationToken)
    {
        if (!Has(model))
        {
            throw ModelDockException.NotFound($"model '{model}' not found in the model repository");
        }

        var failure = await LoadCoreAsync(model, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            var serving = _table.Current(model)?.Serving.Keys.ToList() ?? [];
            var still = serving.Count == 0 ? string.Empty : $" (still serving version {string.Join(", ", serving)})";
            throw ModelDockException.InvalidInput($"failed to load model '{model}': {failure}{still}");
        }
    }

    /// <summary>
    /// Unloads a model the repository has. As in Triton, unloading one that is not loaded (never loaded, failed,
    /// already unloaded) succeeds; it stays unloaded, polling included, until it is loaded again.
    /// </summary>
    public Task UnloadModelAsync(string model, CancellationToken cancellationToken)
    {
        if (_table.Current(model) is null && !Has(model))
        {
            throw ModelDockException.NotFound($"model '{model}' not found in the model repository");
        }

        return RemoveAsync(model, markUnloaded: true, cancellationToken);
    }

    public IReadOnlyList<ModelStatistics> GetStatistics(string? model, string? version)
    {
        // ConcurrentDictionary.ToArray takes one consistent snapshot. LINQ's OrderBy would size an array from Count and
        // then copy, which fails when a model loads in between (the fuzzer's load/unload traffic found it).
        if (model is null)
        {
            return _statistics.ToArray().OrderBy(s => s.Key.Model, StringComparer.Ordinal).ThenBy(s => s.Key.Version)
                .Select(s => s.Value.Snapshot(s.Key.Model, s.Key.Version.ToString(CultureInfo.InvariantCulture)))
                .ToList();
        }

        _table.Find(model);
        if (version is null)
        {
            return _statistics.ToArray().Where(s => s.Key.Model == model).OrderBy(s => s.Key.Version)
                .Select(s => s.Value.Snapshot(model, s.Key.Version.ToString(CultureInfo.InvariantCulture)))
                .ToList();
        }

        return RepositoryScanner.TryParseVersion(version, out var v) && _statistics.TryGetValue((model, v), out var collector)
            ? [collector.Snapshot(model, version)]
            : throw ModelDockException.NotFound($"version '{version}' of model '{model}' not found");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Stops polling; what is loaded keeps serving until the table is disposed.</summary>
    public async Task StopAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await _pollLoop.ConfigureAwait(false);
    }

    private async Task<string?> LoadCoreAsync(string model, CancellationToken cancellationToken)
    {
        var gate = _modelLocks.GetOrAdd(model, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Load(model), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Loads what the model folder asks for; returns why something failed, or null.</summary>
    private string? Load(string model)
    {
        try
        {
            return LoadFromDisk(model);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return FailModel(model, null, $"cannot read the model folder: {ex.Message}");
        }
    }

    private string? LoadFromDisk(string model)
    {
        var directory = Path.Combine(_options.RepositoryPath, model);
        var fingerprint = RepositoryScanner.ModelFingerprint(directory);
        _table.Publish(model, e => (e ?? ModelEntry.Empty(model, this)) with { Loading = true, Unloaded = false });

        ModelConfig config;
        try
        {
            config = ModelConfigReader.Read(directory, model);
        }
        catch (ModelConfigException ex)
        {
            return FailModel(model, fingerprint, ex.Message);
        }

        var available = RepositoryScanner.ListVersions(directory);
        var wanted = config.VersionPolicy.Select(available);
        if (wanted.Count == 0)
        {
            return FailModel(model, fingerprint, available.Count == 0
                ? $"no version folder in '{directory}' (versions are positive integers, e.g. 1{Path.DirectorySeparatorChar}{config.DefaultModelFilename})"
                : $"no version folder matches version_policy {config.VersionPolicy}; found {string.Join(", ", available)}");
        }

        var before = _table.Current(model)!.Serving;
        _table.Publish(model, e => e! with
        {
            Versions = wanted.ToImmutableSortedDictionary(
                v => v,
                v => before.ContainsKey(v) ? new VersionStatus(VersionStatus.Ready, string.Empty) : new VersionStatus(VersionStatus.LoadingState, string.Empty)),
        });

        var configFingerprint = RepositoryScanner.ConfigFingerprint(directory);
        var serving = ImmutableSortedDictionary.CreateBuilder<long, ServingVersion>();
        var statuses = ImmutableSortedDictionary.CreateBuilder<long, VersionStatus>();
        var failures = new List<string>();
        foreach (var version in wanted)
        {
            var versionDirectory = Path.Combine(directory, version.ToString(CultureInfo.InvariantCulture));
            var source = configFingerprint + "|" + RepositoryScanner.VersionFingerprint(versionDirectory);
            before.TryGetValue(version, out var previous);
            if (previous?.SourceFingerprint == source)
            {
                serving[version] = previous;
                statuses[version] = new VersionStatus(VersionStatus.Ready, string.Empty);
                continue;
            }

            try
            {
                var started = _time.GetTimestamp();
                serving[version] = LoadVersion(model, version, versionDirectory, config, source);
                statuses[version] = new VersionStatus(VersionStatus.Ready, string.Empty);
                ModelRepositoryLog.VersionReady(_logger, model, version, (long)_time.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (Exception ex)
            {
                var reason = ex.Message;
                failures.Add($"version {version}: {reason}");
                ModelRepositoryLog.VersionFailed(_logger, model, version, reason);
                if (previous is not null)
                {
                    serving[version] = previous;
                    statuses[version] = new VersionStatus(VersionStatus.Ready, $"serving the previous load; reloading failed: {reason}");
                }
                else
                {
                    statuses[version] = new VersionStatus(VersionStatus.Unavailable, reason);
                }
            }
        }

        if (failures.Count > 0)
        {
            // A failed load must not take away what was serving, even a version the policy no longer selects.
            foreach (var (version, previous) in before)
            {
                if (!serving.ContainsKey(version))
                {
                    serving[version] = previous;
                    statuses[version] = new VersionStatus(VersionStatus.Ready, "kept serving because a newer version failed to load");
                }
            }
        }

        var published = serving.ToImmutable();
        _table.Publish(model, e => e! with
        {
            Serving = published,
            Versions = statuses.ToImmutable(),
            Problem = null,
            Loading = false,
            Fingerprint = fingerprint,
        });
        if (before.Count > 0 && IsSwap(before, published))
        {
            ModelRepositoryLog.Swapped(_logger, model, string.Join(", ", published.Keys), string.Join(", ", before.Keys));
        }

        _table.Retire(before.Values.Where(old => !published.Values.Contains(old)));
        return failures.Count == 0 ? null : string.Join("; ", failures);
    }

    /// <summary>True when a version was added, dropped or replaced by a reload.</summary>
    private static bool IsSwap(IReadOnlyDictionary<long, ServingVersion> before, IReadOnlyDictionary<long, ServingVersion> after) =>
        before.Count != after.Count || after.Any(v => !before.TryGetValue(v.Key, out var old) || !ReferenceEquals(old, v.Value));

    private ServingVersion LoadVersion(string model, long version, string versionDirectory, ModelConfig config, string source)
    {
        using var load = ModelLoadObservation.Start(_metrics, _time, model, version, "repository");
        try
        {
            var file = Path.Combine(versionDirectory, config.DefaultModelFilename);
            if (!File.Exists(file))
            {
                throw new InvalidDataException($"model file '{file}' not found");
            }

            var statistics = _statistics.GetOrAdd(
                (model, version), key => new StatisticsCollector(_time, _metrics?.ForVersion(key.Model, key.Version.ToString(CultureInfo.InvariantCulture))));
            return load.Succeeded(ServingVersionLoader.Load(model, version, file, config, source, _loadBackend, statistics, _time, OnDisposeFailed, _features));
        }
        catch (Exception e)
        {
            load.Failed(e);
            throw;
        }
    }

    private string FailModel(string model, string? fingerprint, string reason)
    {
        ModelRepositoryLog.ModelFailed(_logger, model, reason);
        _table.Publish(model, e => (e ?? ModelEntry.Empty(model, this)) with { Problem = reason, Loading = false, Fingerprint = fingerprint });
        return reason;
    }

    private async Task RemoveAsync(string model, bool markUnloaded, CancellationToken cancellationToken)
    {
        var gate = _modelLocks.GetOrAdd(model, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = _table.Current(model);
            if (markUnloaded ? before is { Unloaded: true } : before is null)
            {
                return;
            }

            _table.Publish(model, _ => markUnloaded ? ModelEntry.Empty(model, this) with { Unloaded = true } : null);
            _table.Retire(before?.Serving.Values ?? []);
            foreach (var key in _statistics.Keys.Where(k => k.Model == model).ToList())
            {
                _statistics.TryRemove(key, out _);
            }

            ModelRepositoryLog.ModelUnloaded(_logger, model);
        }
        finally
        {
            gate.Release();
        }
    }

    private Task PollLoopAsync(TimeSpan period, CancellationToken cancellationToken) =>
        PollLoop.RunAsync(period, _time, PollAsync, e => ModelRepositoryLog.PollFailed(_logger, e), cancellationToken);

    private void OnDisposeFailed(ServingVersion version, Exception exception) =>
        ModelRepositoryLog.DisposeFailed(_logger, version.Model, version.Version, exception);

    private static bool IsModelName(string model) =>
        model.Length > 0 && model is not ("." or "..") && Path.GetFileName(model) == model
        && model.IndexOfAny(Path.GetInvalidFileNameChars()) < 0;
}
