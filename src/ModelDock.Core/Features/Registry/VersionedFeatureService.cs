using ModelDock.Features.Definitions;

namespace ModelDock.Features.Registry;

/// <summary>A stored version of a feature service.</summary>
/// <param name="Repository">
/// A self-contained repository holding exactly this service and the view, entity and source versions it was
/// applied with, so training and serving read the same definitions.
/// </param>
/// <param name="ViewVersions">The version of each view the service pins.</param>
public sealed record VersionedFeatureService(
    FeatureService Service,
    int Version,
    IReadOnlyDictionary<string, int> ViewVersions,
    FeatureRepository Repository);
