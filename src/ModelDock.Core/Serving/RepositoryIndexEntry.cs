namespace ModelDock.Serving;

/// <summary>One row of the repository index: a model version and its state (UNAVAILABLE, LOADING, READY, UNLOADING).</summary>
public sealed record RepositoryIndexEntry(string Name, string? Version, string State, string Reason);
