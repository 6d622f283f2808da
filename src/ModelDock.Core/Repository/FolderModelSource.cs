using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ModelDock.Batching;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Runtime;
using ModelDock.Runtime.Onnx;
using ModelDock.Serving;
using ModelDock.Tensors;

namespace ModelDock.Repository;

/// <summary>
/// Serves the models of a repository folder. Readers see an immutable table of models that is swapped
/// whole: a version is published only after it has loaded and warmed up, and a replaced version is
/// disposed only after the requests that started on it have finished. Loads of one model are
/// serialised; a failed load keeps whatever was serving before.
/// </summary>
internal sealed class ModelServer : IModelServer, IAsyncDisposable
{
    private readonly ModelRepositoryOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Func<string, OnnxSessionSettings, IModelBackend> _backendFactory;
    private readonly Lock _publishLock = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _modelLocks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Model, long Version), StatisticsCollector> _statistics = new();
    private readonly ConcurrentDictionary<ServingVersion, byte> _draining = new();
    private readonly CancellationTokenSource _stopping = new();
    private ImmutableDictionary<string, ModelEntry> _models = ImmutableDictionary.Create<string, ModelEntry>(StringComparer.Ordinal);
    private Task _pollLoop = Task.CompletedTask;
    private bool _started;
    private int _disposed;

    public ModelServer(ModelRepositoryOptions options, ILogger<ModelServer> logger, TimeProvider timeProvider)
        : this(options, logger, timeProvider, static (path, settings) => OnnxModelBackend.Load(path, settings))
    {
    }

    /// <summary>Lets tests wrap the backend, e.g. to hold a request in flight.</summary>
    internal ModelServer(
        ModelRepositoryOptions options,
        ILogger logger,
        TimeProvider timeProvider,
        Func<string, OnnxSessionSettings, IModelBackend> backendFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger;
        _time = timeProvider;
        _backendFactory = backendFactory;
    }

    public bool IsReady =>
        Volatile.Read(ref _started) && Volatile.Read(ref _disposed) == 0
        && (!_options.StrictReadiness || Volatile.Read(ref _models).Values.All(e => e.Unloaded || !e.Serving.IsEmpty));

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

        if (_options.PollInterval is { } interval && interval <= TimeSpan.Zero)
        {
            throw ModelDockException.InvalidInput($"the repository poll interval must be positive, not {interval}");
        }

        foreach (var model in RepositoryScanner.ListModels(_options.RepositoryPath))
        {
            await LoadCoreAsync(model, cancellationToken).ConfigureAwait(false);
        }

        Volatile.Write(ref _started, true);
        if (_options.PollInterval is { } period)
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
            var entry = Current(model);
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

        foreach (var model in Volatile.Read(ref _models).Keys.Except(onDisk, StringComparer.Ordinal).ToList())
        {
            await RemoveAsync(model, markUnloaded: false, cancellationToken).ConfigureAwait(false);
        }
    }

    public ModelMetadata GetMetadata(string model, string? version)
    {
        var entry = Find(model);
        var serving = Resolve(entry, model, version);
        return new ModelMetadata(
            model,
            entry.Serving.Keys.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToList(),
            serving.Backend.Platform,
            serving.Signature.Inputs,
            serving.Signature.Outputs,
            serving.Config.MaxBatchSize);
    }

    public ModelConfiguration GetConfiguration(string model, string? version)
    {
        var serving = Resolve(Find(model), model, version);
        var config = serving.Config;
        var batching = config.MaxBatchSize > 0 && config.DynamicBatching is { } d
            ? new DynamicBatchingConfiguration(
                d.PreferredBatchSizes,
                (long)d.MaxQueueDelay.TotalMicroseconds,
                config.ToSchedulerOptions().MaxQueueSize is var bound and < int.MaxValue ? bound : 0,
                (long)(d.DefaultTimeout?.TotalMicroseconds ?? 0))
            : null;
        return new ModelConfiguration(
            model,
            serving.Backend.Platform,
            "onnxruntime",
            config.MaxBatchSize,
            WithoutBatchDimension(serving.Signature.Inputs, config.MaxBatchSize),
            WithoutBatchDimension(serving.Signature.Outputs, config.MaxBatchSize),
            batching,
            config.InstanceCount,
            config.VersionPolicy.LatestCount,
            config.VersionPolicy.SpecificVersions);
    }

    /// <summary>Triton's config lists the dims of one row; the batch dimension is implied by max_batch_size.</summary>
    private static List<TensorSpec> WithoutBatchDimension(IReadOnlyList<TensorSpec> tensors, int maxBatchSize) =>
        maxBatchSize > 0 ? [.. tensors.Select(t => t with { Shape = t.Shape[1..] })] : [.. tensors];

    public bool IsModelReady(string model, string? version)
    {
        var entry = Current(model);
        if (entry is null || entry.Unloaded)
        {
            return false;
        }

        return version is null
            ? !entry.Serving.IsEmpty
            : RepositoryScanner.TryParseVersion(version, out var v) && entry.Serving.ContainsKey(v);
    }

    public async ValueTask<InferenceResponse> InferAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var version = Acquire(request.ModelName, request.ModelVersion);
        var start = _time.GetTimestamp();
        try
        {
            var outputNames = RequestValidator.Validate(request, version.Model, version.Signature, version.OutputNames, version.Config.MaxBatchSize);
            var result = await version.Scheduler
                .ScheduleAsync(request.Inputs, outputNames, request.Timeout ?? version.Config.DefaultTimeout, cancellationToken, request.RunInlineWhenIdle)
                .ConfigureAwait(false);
            version.Statistics.RecordSuccess(ElapsedNanoseconds(start), result.QueueNanoseconds);
            return new InferenceResponse
            {
                ModelName = version.Model,
                ModelVersion = version.VersionText,
                Id = request.Id,
                Outputs = Classify(Named(result.Outputs, outputNames), request.Outputs, version.Config.MaxBatchSize > 0),
            };
        }
        catch (ModelDockException)
        {
            version.Statistics.RecordFailure(ElapsedNanoseconds(start));
            throw;
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            version.Statistics.RecordFailure(ElapsedNanoseconds(start));
            throw new ModelDockException(ErrorKind.Cancelled, "the request was cancelled by the caller", ex);
        }
        catch (Exception ex)
        {
            version.Statistics.RecordFailure(ElapsedNanoseconds(start));
            throw new ModelDockException(ErrorKind.Internal, $"model '{version.Model}' version {version.Version} failed: {ex.Message}", ex);
        }
        finally
        {
            version.Release();
        }
    }

    public IReadOnlyList<RepositoryIndexEntry> GetRepositoryIndex(bool readyOnly)
    {
        var models = Volatile.Read(ref _models);
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

            var draining = _draining.Keys.Where(d => d.Model == name).ToDictionary(d => d.Version);
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
        if (!InRepositoryFolder(model))
        {
            throw ModelDockException.NotFound($"model '{model}' not found in the model repository");
        }

        var failure = await LoadCoreAsync(model, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            var serving = Current(model)?.Serving.Keys.ToList() ?? [];
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
        if (Current(model) is null && !InRepositoryFolder(model))
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

        Find(model);
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

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _pollLoop.ConfigureAwait(false);
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
        _stopping.Dispose();
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
        Publish(model, e => (e ?? ModelEntry.Empty(model)) with { Loading = true, Unloaded = false });

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

        var before = Current(model)!.Serving;
        Publish(model, e => e! with
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
        Publish(model, e => e! with
        {
            Serving = published,
            Versions = statuses.ToImmutable(),
            Problem = null,
            Loading = false,
            Fingerprint = fingerprint,
        });
        Retire(before.Values.Where(old => !published.Values.Contains(old)));
        return failures.Count == 0 ? null : string.Join("; ", failures);
    }

    private ServingVersion LoadVersion(string model, long version, string versionDirectory, ModelConfig config, string source)
    {
        var file = Path.Combine(versionDirectory, config.DefaultModelFilename);
        if (!File.Exists(file))
        {
            throw new InvalidDataException($"model file '{file}' not found");
        }

        var backend = _backendFactory(file, config.Session);
        try
        {
            var signature = SignatureResolver.Resolve(backend.Signature, config);
            ModelWarmup.Run(backend, signature, config);
            var statistics = _statistics.GetOrAdd((model, version), _ => new StatisticsCollector(_time));
            var scheduler = InferenceSchedulers.Create(config.ToSchedulerOptions(), backend, statistics, _time);
            return new ServingVersion(model, version, source, config, signature, backend, scheduler, statistics, OnDisposeFailed);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    private string FailModel(string model, string? fingerprint, string reason)
    {
        ModelRepositoryLog.ModelFailed(_logger, model, reason);
        Publish(model, e => (e ?? ModelEntry.Empty(model)) with { Problem = reason, Loading = false, Fingerprint = fingerprint });
        return reason;
    }

    private async Task RemoveAsync(string model, bool markUnloaded, CancellationToken cancellationToken)
    {
        var gate = _modelLocks.GetOrAdd(model, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = Current(model);
            if (markUnloaded ? before is { Unloaded: true } : before is null)
            {
                return;
            }

            Publish(model, _ => markUnloaded ? ModelEntry.Empty(model) with { Unloaded = true } : null);
            Retire(before?.Serving.Values ?? []);
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

    private void Retire(IEnumerable<ServingVersion> versions)
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

    private async Task PollLoopAsync(TimeSpan period, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await PollAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    ModelRepositoryLog.PollFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Takes a lease on the version a request resolves to; a version retired meanwhile is looked up again.</summary>
    private ServingVersion Acquire(string model, string? version)
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
    /// The model's entry when it is loaded. A model the repository has but does not serve (unloaded, or not loaded
    /// yet) is Unavailable, as its readiness and the index say; NotFound is only for a name the repository lacks.
    /// </summary>
    private ModelEntry Find(string model)
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

        throw InRepositoryFolder(model)
            ? ModelDockException.Unavailable($"model '{model}' is in the model repository but not loaded")
            : ModelDockException.NotFound($"model '{model}' not found");
    }

    /// <summary>A model folder as the scanner lists it: a plain name, not hidden, present on disk.</summary>
    private bool InRepositoryFolder(string model) =>
        IsModelName(model) && !model.StartsWith('.') && Directory.Exists(Path.Combine(_options.RepositoryPath, model));

    private static ServingVersion Resolve(ModelEntry entry, string model, string? version)
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

    private ModelEntry? Current(string model) => Volatile.Read(ref _models).GetValueOrDefault(model);

    private void Publish(string model, Func<ModelEntry?, ModelEntry?> change)
    {
        lock (_publishLock)
        {
            var next = change(_models.GetValueOrDefault(model));
            Volatile.Write(ref _models, next is null ? _models.Remove(model) : _models.SetItem(model, next));
        }
    }

    private void OnDisposeFailed(ServingVersion version, Exception exception) =>
        ModelRepositoryLog.DisposeFailed(_logger, version.Model, version.Version, exception);

    private long ElapsedNanoseconds(long start) => _time.GetElapsedTime(start).Ticks * 100;

    private static bool IsModelName(string model) =>
        model.Length > 0 && model is not ("." or "..") && Path.GetFileName(model) == model
        && model.IndexOfAny(Path.GetInvalidFileNameChars()) < 0;

    /// <summary>Outputs asked for with the classification extension become their top-k classes.</summary>
    private static IReadOnlyList<Tensor> Classify(IReadOnlyList<Tensor> outputs, IReadOnlyList<RequestedOutput> requested, bool batched)
    {
        // Every request passes here; a plain loop keeps the common case (no classification) allocation-free.
        Tensor[]? result = null;
        for (var r = 0; r < requested.Count; r++)
        {
            var asked = requested[r];
            if (asked.ClassCount > 0)
            {
                result ??= [.. outputs];
                var i = Array.FindIndex(result, o => o.Name == asked.Name);
                result[i] = Classification.TopK(result[i], asked.ClassCount, batched);
            }
        }

        return result ?? outputs;
    }

    private static IReadOnlyList<Tensor> Named(IReadOnlyList<Tensor> outputs, IReadOnlyList<string> names)
    {
        if (AreNamed(outputs, names))
        {
            return outputs;
        }

        var result = new Tensor[outputs.Count];
        for (var i = 0; i < outputs.Count; i++)
        {
            result[i] = outputs[i].Name == names[i] ? outputs[i] : outputs[i].WithName(names[i]);
        }

        return result;
    }

    private static bool AreNamed(IReadOnlyList<Tensor> outputs, IReadOnlyList<string> names)
    {
        for (var i = 0; i < outputs.Count; i++)
        {
            if (outputs[i].Name != names[i])
            {
                return false;
            }
        }

        return true;
    }
}
