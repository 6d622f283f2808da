namespace ModelDock.Serving;

/// <summary>Triton's repository and statistics extensions: what is there, load and unload, and per-version counters.</summary>
public interface IModelRepositoryControl
{
    IReadOnlyList<RepositoryIndexEntry> GetRepositoryIndex(bool readyOnly);

    /// <summary>Loads or reloads a model from the repository; completes when it is ready or has failed.</summary>
    Task LoadModelAsync(string model, CancellationToken cancellationToken);

    /// <summary>Unloads a model the repository has; one that is not loaded stays so and the call succeeds. NotFound for an unknown name.</summary>
    Task UnloadModelAsync(string model, CancellationToken cancellationToken);

    /// <summary>Statistics of all models (null model), all versions of one model (null version) or one version; NotFound like metadata.</summary>
    IReadOnlyList<ModelStatistics> GetStatistics(string? model, string? version);
}
