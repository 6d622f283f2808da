using System.Collections.Immutable;

namespace ModelDock.Serving;

/// <summary>One model in the published table: immutable, replaced as a whole on every change.</summary>
/// <param name="Serving">Versions that take requests, by number.</param>
/// <param name="Versions">State of every version the last load dealt with (READY, LOADING, UNAVAILABLE), by number.</param>
/// <param name="Problem">Why the model as a whole failed to load (config, no version folder); null when it did not.</param>
/// <param name="Loading">A load or reload is under way.</param>
/// <param name="Unloaded">Unloaded on request: requests answer Unavailable and polling leaves it alone until loaded again.</param>
/// <param name="Fingerprint">The model folder as of the last load, compared by polling.</param>
/// <param name="Owner">The source that published it: each source changes and removes only its own models.</param>
internal sealed record ModelEntry(
    string Name,
    IModelSource Owner,
    ImmutableSortedDictionary<long, ServingVersion> Serving,
    ImmutableSortedDictionary<long, VersionStatus> Versions,
    string? Problem,
    bool Loading,
    bool Unloaded,
    string? Fingerprint)
{
    public static ModelEntry Empty(string name, IModelSource owner) =>
        new(name, owner, ImmutableSortedDictionary<long, ServingVersion>.Empty, ImmutableSortedDictionary<long, VersionStatus>.Empty, null, false, false, null);
}

/// <summary>A version's Triton state (READY, LOADING, UNAVAILABLE, UNLOADING) and why.</summary>
internal sealed record VersionStatus(string State, string Reason)
{
    public const string Ready = "READY";
    public const string LoadingState = "LOADING";
    public const string Unavailable = "UNAVAILABLE";
    public const string Unloading = "UNLOADING";
}
