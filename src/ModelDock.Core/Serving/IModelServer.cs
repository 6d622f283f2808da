using ModelDock.Inference;

namespace ModelDock.Serving;

/// <summary>
/// The transport-agnostic data plane: everything the REST and gRPC endpoints call. Failures are
/// <see cref="Errors.ModelDockException"/>s whose kind the transports map to status codes.
/// </summary>
public interface IModelServer
{
    /// <summary>True when every model that should be loaded is ready.</summary>
    bool IsReady { get; }

    /// <summary>
    /// Throws NotFound for a model or version the repository does not have, and Unavailable for one it has that is
    /// not serving (loading, failed to load, unloaded); inference, configuration and statistics answer the same.
    /// </summary>
    ModelMetadata GetMetadata(string model, string? version);

    /// <summary>The effective configuration of a served version; throws NotFound like <see cref="GetMetadata"/>.</summary>
    ModelConfiguration GetConfiguration(string model, string? version);

    /// <summary>False for unknown or not yet loaded models, never throws.</summary>
    bool IsModelReady(string model, string? version);

    ValueTask<InferenceResponse> InferAsync(InferenceRequest request, CancellationToken cancellationToken);

    IReadOnlyList<RepositoryIndexEntry> GetRepositoryIndex(bool readyOnly);

    /// <summary>Loads or reloads a model from the repository; completes when it is ready or has failed.</summary>
    Task LoadModelAsync(string model, CancellationToken cancellationToken);

    /// <summary>Unloads a model the repository has; one that is not loaded stays so and the call succeeds. NotFound for an unknown name.</summary>
    Task UnloadModelAsync(string model, CancellationToken cancellationToken);

    /// <summary>Statistics of all models (null model), all versions of one model (null version) or one version.</summary>
    IReadOnlyList<ModelStatistics> GetStatistics(string? model, string? version);
}
