namespace ModelDock.Features.Registry;

/// <summary>One object an apply added, changed or removed.</summary>
/// <param name="Version">The version the apply stored; for a removal, the last version.</param>
/// <param name="PreviousVersion">The version before the apply; null for an added object.</param>
/// <param name="Details">Human-readable reasons, e.g. <c>feature 'trips' removed</c>.</param>
public sealed record FeatureChange(
    FeatureObjectKind Kind,
    string Name,
    FeatureChangeKind Change,
    int Version,
    int? PreviousVersion,
    IReadOnlyList<string> Details)
{
    public override string ToString() =>
        $"{Change} {Kind} '{Name}' v{Version}" + (Details.Count == 0 ? string.Empty : ": " + string.Join("; ", Details));
}
