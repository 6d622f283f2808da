namespace ModelDock.Features.Definitions;

/// <summary>A named set of features, typically the inputs of one model version.</summary>
/// <param name="Features">Resolved references; a whole-view entry in YAML expands to each of the view's features.</param>
public sealed record FeatureService(
    string Name,
    IReadOnlyList<FeatureReference> Features,
    string Description,
    IReadOnlyDictionary<string, string> Tags);
