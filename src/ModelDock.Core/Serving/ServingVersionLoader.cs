using System.Globalization;
using ModelDock.Batching;
using ModelDock.Features.Assembly;
using ModelDock.Repository;
using ModelDock.Runtime;

namespace ModelDock.Serving;

/// <summary>Turns a model file and its config into a warmed, ready <see cref="ServingVersion"/>; every model source loads through it.</summary>
internal static class ServingVersionLoader
{
    /// <param name="source">What the version was loaded from, compared by the source to notice a change.</param>
    /// <param name="features">The feature store a config's <c>modeldock.features</c> reads; null when the server serves no features.</param>
    public static ServingVersion Load(
        string model,
        long version,
        string file,
        ModelConfig config,
        string source,
        ModelBackendLoader loadBackend,
        StatisticsCollector statistics,
        TimeProvider time,
        Action<ServingVersion, Exception> onDisposeFailed,
        IModelFeatureSource? features = null)
    {
        var backend = loadBackend(file, config.Session);
        try
        {
            var signature = SignatureResolver.Resolve(backend.Signature, config);
            var assembler = config.Features is { } declaration
                ? FeatureAssembler.Create(model, declaration, signature, config.MaxBatchSize, features)
                : null;
            ModelWarmup.Run(backend, signature, config);
            var scheduler = InferenceSchedulers.Create(
                config.ToSchedulerOptions(), backend, statistics, time, new BatchTracing(model, version.ToString(CultureInfo.InvariantCulture)));
            return new ServingVersion(model, version, source, config, signature, backend, scheduler, statistics, onDisposeFailed, assembler);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }
}
