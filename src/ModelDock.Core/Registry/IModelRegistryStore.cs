namespace ModelDock.Registry;

/// <summary>
/// Where the registry's metadata lives: SQLite in the data folder, or PostgreSQL when replicas share it. Every
/// implementation passes the same contract tests. Failures are <see cref="Errors.ModelDockException"/>s: NotFound for
/// an unknown model, version or alias, Conflict for a change the current state forbids, Unavailable when the store
/// cannot be reached.
/// </summary>
internal interface IModelRegistryStore
{
    /// <summary>How messages and <c>--json</c> output name the store, e.g. "sqlite".</summary>
    string Name { get; }

    /// <summary>Writes the next version of the draft's model; concurrent calls for one model get distinct numbers.</summary>
    Task<ModelVersionInfo> AddVersionAsync(ModelVersionDraft draft, DateTimeOffset now, CancellationToken cancellationToken);

    Task<ModelVersionInfo> GetVersionAsync(string model, long version, CancellationToken cancellationToken);

    /// <summary>Every version of a model, oldest first; NotFound when the model has none.</summary>
    Task<IReadOnlyList<ModelVersionInfo>> ListVersionsAsync(string model, CancellationToken cancellationToken);

    /// <summary>Every registered model, by name.</summary>
    Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken);

    /// <summary>Points an alias at an existing version and records the move.</summary>
    Task<AliasMove> SetAliasAsync(string model, string alias, long version, string by, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Removes an alias and records it; NotFound when the model has no such alias.</summary>
    Task<AliasMove> RemoveAliasAsync(string model, string alias, string by, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The version an alias points at; NotFound when there is no such alias.</summary>
    Task<long> ResolveAliasAsync(string model, string alias, CancellationToken cancellationToken);

    /// <summary>Current aliases of a model, by name.</summary>
    Task<IReadOnlyDictionary<string, long>> GetAliasesAsync(string model, CancellationToken cancellationToken);

    /// <summary>Every move of every alias of a model, oldest first.</summary>
    Task<IReadOnlyList<AliasMove>> GetAliasHistoryAsync(string model, CancellationToken cancellationToken);

    /// <summary>Deletes a version; Conflict naming the alias when one points at it. Its number is never reused.</summary>
    Task DeleteVersionAsync(string model, long version, CancellationToken cancellationToken);
}
