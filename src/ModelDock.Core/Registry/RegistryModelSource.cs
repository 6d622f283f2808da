using System.Collections.Immutable;
using System.Globalization;
using Microsoft.Extensions.Logging;
using ModelDock.Features.Assembly;
using ModelDock.Observability;
using ModelDock.Repository;
using ModelDock.Runtime;
using ModelDock.Runtime.Onnx;
using ModelDock.Serving;

namespace ModelDock.Registry;

/// <summary>
/// Publishes registered versions into the <see cref="ServingTable"/> on demand, as <c>registry/&lt;model&gt;</c> (a name
/// no REST route can reach, so only endpoints route to it). Each load copies the artifact out of the store checking its
/// hash, so a corrupted artifact is refused, named, and whatever served before keeps serving.
/// </summary>
internal sealed class RegistryModelSource : IModelSource
{
    public const string Prefix = "registry/";

    private readonly ModelRegistry _registry;
    private readonly ServingTable _table;
    private readonly string _cache;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ModelBackendLoader _loadBackend;
    private readonly ServingMetrics? _metrics;
    private readonly IModelFeatureSource? _features;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _synced;

    public RegistryModelSource(ModelRegistry registry, ServingTable table, string cacheFolder, ILogger logger, TimeProvider time, ModelBackendLoader? loadBackend = null, ServingMetrics? metrics = null,
        IModelFeatureSource? features = null)
    {
        _registry = registry;
        _table = table;
        _cache = cacheFolder;
        _logger = logger;
        _time = time;
        _loadBackend = loadBackend ?? OnnxModelBackend.Load;
        _metrics = metrics;
        _features = features;
        table.AddSource(this);
    }

    public string Name => "model registry";

    /// <summary>Ready once the endpoints' versions have been loaded and routed the first time (<see cref="MarkReady"/>).</summary>
    public bool IsReady => _synced;

    /// <summary>Called once the routes to what was loaded are published, so readiness never precedes routing.</summary>
    public void MarkReady() => _synced = true;

    public bool Has(string model) => false;

    public static string ServedName(string model) => Prefix + model;

    /// <summary>
    /// Loads every wanted version that is not served yet; versions already served are left alone. Returns why each
    /// version that could not be loaded failed.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string Model, long Version), string>> LoadAsync(IEnumerable<(string Model, long Version)> wanted, CancellationToken cancellationToken)
    {
        var failures = new Dictionary<(string, long), string>();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var (model, version) in wanted.Distinct())
            {
                var name = ServedName(model);
                if (_table.Current(name)?.Serving.ContainsKey(version) == true)
                {
                    continue;
                }

                try
                {
                    var started = _time.GetTimestamp();
                    var serving = await LoadVersionAsync(model, version, cancellationToken).ConfigureAwait(false);
                    _table.Publish(name, e => (e ?? ModelEntry.Empty(name, this)) with
                    {
                        Serving = (e?.Serving ?? ImmutableSortedDictionary<long, ServingVersion>.Empty).SetItem(version, serving),
                        Versions = (e?.Versions ?? ImmutableSortedDictionary<long, VersionStatus>.Empty).SetItem(version, new VersionStatus(VersionStatus.Ready, string.Empty)),
                    });
                    ModelRepositoryLog.VersionReady(_logger, name, version, (long)_time.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failures[(model, version)] = e.Message;
                    ModelRepositoryLog.VersionFailed(_logger, name, version, e.Message);
                }
            }

            return failures;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Retires every registry version not in <paramref name="keep"/>; each is disposed when its requests finish.</summary>
    public void RetireExcept(IReadOnlySet<(string Model, long Version)> keep)
    {
        foreach (var (name, entry) in _table.Models.Where(m => m.Value.Owner == this))
        {
            var model = name[Prefix.Length..];
            var retired = entry.Serving.Where(v => !keep.Contains((model, v.Key))).Select(v => v.Value).ToList();
            if (retired.Count == 0)
            {
                continue;
            }

            _table.Publish(name, e =>
            {
                var remaining = e!.Serving.RemoveRange(retired.Select(r => r.Version));
                return remaining.IsEmpty ? null : e with { Serving = remaining, Versions = e.Versions.RemoveRange(retired.Select(r => r.Version)) };
            });
            _table.Retire(retired);
        }
    }

    private async Task<ServingVersion> LoadVersionAsync(string model, long version, CancellationToken cancellationToken)
    {
        using var load = ModelLoadObservation.Start(_metrics, _time, ServedName(model), version, "registry");
        try
        {
            return load.Succeeded(await DownloadAndLoadAsync(model, version, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            load.Failed(e);
            throw;
        }
    }

    private async Task<ServingVersion> DownloadAndLoadAsync(string model, long version, CancellationToken cancellationToken)
    {
        var info = await _registry.Store.GetVersionAsync(model, version, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(_cache);
        var file = Path.Combine(_cache, info.Artifact.Sha256 + ".onnx");
        var copy = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            await _registry.Artifacts.CopyToFileAsync(info.Artifact, copy, cancellationToken).ConfigureAwait(false);
            File.Move(copy, file, overwrite: true);
        }
        finally
        {
            File.Delete(copy);
        }

        var config = info.Config is null
            ? ModelConfig.Default
            : ModelConfigReader.Parse($"registry {model}:{version} config.json", info.Config, model);
        return ServingVersionLoader.Load(
            ServedName(model), version, file, config, info.Artifact.Sha256, _loadBackend,
            new StatisticsCollector(_time, _metrics?.ForVersion(ServedName(model), version.ToString(CultureInfo.InvariantCulture))), _time,
            (v, e) => ModelRepositoryLog.DisposeFailed(_logger, v.Model, v.Version, e),
            _features);
    }
}
