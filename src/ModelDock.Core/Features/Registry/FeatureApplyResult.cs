namespace ModelDock.Features.Registry;

/// <summary>What an apply changed; unchanged objects are not listed and keep their version.</summary>
public sealed record FeatureApplyResult(IReadOnlyList<FeatureChange> Changes)
{
    public bool HasBreakingChanges => Changes.Any(c => c.Change == FeatureChangeKind.Breaking);
}
