using System.Globalization;
using ModelDock.Batching;
using ModelDock.Features.Assembly;
using ModelDock.Repository;
using ModelDock.Runtime;

namespace ModelDock.Serving;

/// <summary>
/// A published model version: backend, scheduler, effective signature. Each request holds a lease; the
/// model table holds one more. Retiring drops the table's lease, and the last lease out disposes the
/// scheduler and backend, so in-flight requests always finish on the version they started on.
/// </summary>
internal sealed class ServingVersion
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<ServingVersion, Exception> _onDisposeFailed;
    private int _leases = 1;
    private int _retired;

    public ServingVersion(
        string model,
        long version,
        string sourceFingerprint,
        ModelConfig config,
        ModelSignature signature,
        IModelBackend backend,
        IInferenceScheduler scheduler,
        StatisticsCollector statistics,
        Action<ServingVersion, Exception> onDisposeFailed,
        FeatureAssembler? features = null)
    {
        Model = model;
        Version = version;
        SourceFingerprint = sourceFingerprint;
        Config = config;
        Signature = signature;
        Backend = backend;
        Scheduler = scheduler;
        Statistics = statistics;
        VersionText = version.ToString(CultureInfo.InvariantCulture);
        OutputNames = [.. signature.Outputs.Select(o => o.Name)];
        Features = features;
        _onDisposeFailed = onDisposeFailed;
    }

    public string Model { get; }

    public long Version { get; }

    /// <summary>The version as responses name it, formatted once rather than per request.</summary>
    public string VersionText { get; }

    /// <summary>Config and version files as they were when loaded; a different fingerprint on disk means reload.</summary>
    public string SourceFingerprint { get; }

    public ModelConfig Config { get; }

    public ModelSignature Signature { get; }

    /// <summary>Every output of the signature, in order: what a request that names no outputs gets.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    public IModelBackend Backend { get; }

    /// <summary>Builds the inputs the config's <c>modeldock.features</c> declares from entity keys; null when the client sends every input.</summary>
    public FeatureAssembler? Features { get; }

    public IInferenceScheduler Scheduler { get; }

    public StatisticsCollector Statistics { get; }

    /// <summary>Completes once the version is retired, its leases are released and its resources disposed.</summary>
    public Task Drained => _drained.Task;

    /// <summary>Requests still running on this version (not counting the model table's own lease).</summary>
    public int InFlight => Math.Max(Volatile.Read(ref _leases) - (Volatile.Read(ref _retired) == 0 ? 1 : 0), 0);

    /// <summary>False once the version is retired and drained: the caller must look it up again.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _leases);
            if (current == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _leases, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _leases) == 0)
        {
            _ = DisposeResourcesAsync();
        }
    }

    /// <summary>Called once the version is no longer in the published table.</summary>
    public void Retire()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 0)
        {
            Release();
        }
    }

    private async Task DisposeResourcesAsync()
    {
        try
        {
            await Scheduler.DisposeAsync().ConfigureAwait(false);
            Backend.Dispose();
        }
        catch (Exception ex)
        {
            _onDisposeFailed(this, ex);
        }
        finally
        {
            _drained.TrySetResult();
        }
    }
}
