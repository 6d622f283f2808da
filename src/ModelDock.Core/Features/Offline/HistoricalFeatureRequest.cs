using ModelDock.Features.Definitions;

namespace ModelDock.Features.Offline;

/// <summary>Which features to join onto entity rows.</summary>
/// <param name="Repository">Definitions to read; for a pinned service version, its self-contained repository.</param>
/// <param name="Features">Resolved references, in output column order.</param>
/// <param name="FullFeatureNames">Name columns <c>view__feature</c> instead of <c>feature</c>, as Feast does.</param>
internal sealed record HistoricalFeatureRequest(
    FeatureRepository Repository,
    IReadOnlyList<FeatureReference> Features,
    bool FullFeatureNames = false);
